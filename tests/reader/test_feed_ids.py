"""Feed item ids: tag: URIs (RFC 4151) that stay the same whatever the story's slug or the site's address."""

import subprocess

import feedparser
import pytest
from django.core.cache import cache

from harness.servers import PYTHON, ROOT, child_env
from stories.models import Correction
from tests.factories import SectionFactory, StoryFactory

pytestmark = pytest.mark.django_db

FEEDS = ["/feed/", "/feed/atom/", "/section/city/feed/", "/section/city/feed/atom/"]


@pytest.fixture
def story(settings):
    settings.FEED_TAG_AUTHORITY = "news.example.com,2026"
    return StoryFactory(published=True, section=SectionFactory(name="City", slug="city"))


@pytest.mark.parametrize("path", FEEDS)
def test_a_story_has_the_same_tag_id_in_every_feed(client, story, path):
    parsed = feedparser.parse(client.get(path).content)
    assert not parsed.bozo, parsed.bozo_exception
    assert [entry.id for entry in parsed.entries] == [f"tag:news.example.com,2026:story:{story.pk}"]


def test_an_id_survives_a_new_slug_and_a_new_site_address(client, story, settings):
    before = feedparser.parse(client.get("/feed/").content).entries[0]
    story.slug = "a-new-slug"
    story.save()
    settings.SITE_URL = "https://elsewhere.example"
    cache.clear()
    after = feedparser.parse(client.get("/feed/").content).entries[0]
    assert after.id == before.id
    assert after.link.endswith("/stories/a-new-slug/")


def test_the_rss_guid_says_it_is_no_address(client, story):
    assert (
        f'<guid isPermaLink="false">tag:news.example.com,2026:story:{story.pk}</guid>'
        in client.get("/feed/").content.decode()
    )


def test_notices_have_ids_of_their_own_kind(client, story):
    notice = Correction.objects.create(story=story, text="The vote was 31 to 12.")
    parsed = feedparser.parse(client.get("/corrections/feed/").content)
    assert [entry.id for entry in parsed.entries] == [f"tag:news.example.com,2026:notice:{notice.pk}"]


def _authority(**env) -> subprocess.CompletedProcess:
    """FEED_TAG_AUTHORITY as newsroom/settings.py reads it in a child process with `env`."""
    base = {k: v for k, v in child_env().items() if k not in {"SITE_URL", "FEED_TAG_AUTHORITY"}}
    code = "import newsroom.settings as s; print(s.FEED_TAG_AUTHORITY)"
    return subprocess.run(
        [PYTHON, "-c", code], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60
    )


def test_the_default_authority_is_the_site_host_and_a_bad_one_is_refused():
    found = _authority(SITE_URL="https://news.example.org")
    assert found.stdout.split() == ["news.example.org,2026"], found.stderr
    refused = _authority(FEED_TAG_AUTHORITY="https://news.example.org/")
    assert refused.returncode != 0
    assert "FEED_TAG_AUTHORITY must be a domain" in refused.stderr


def test_an_atom_feed_has_a_permanent_id_of_its_own(client, story):
    site = feedparser.parse(client.get("/feed/atom/").content)
    section = feedparser.parse(client.get("/section/city/feed/atom/").content)
    assert site.feed.id == "tag:news.example.com,2026:feed:latest"
    assert section.feed.id == f"tag:news.example.com,2026:feed:section:{story.section.pk}"
