"""What search engines and link previews read: canonical URLs, Open Graph, Twitter cards, JSON-LD."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from stories.models import Correction
from tests.factories import SectionFactory, StoryFactory, TagFactory, UserFactory

pytestmark = pytest.mark.django_db
CSS = Path(django_settings.PACKAGE_DIR) / "static" / "css"


def _ld(html):
    match = re.search(r'<script type="application/ld\+json" nonce="([^"]+)">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD"
    return match.group(1), json.loads(match.group(2))


@pytest.fixture
def story(settings):
    settings.SITE_URL = "https://news.example"
    authors = [
        UserFactory(username="ann", first_name="Ann", last_name="Lee"),
        UserFactory(username="bo", first_name="Bo", last_name="Kim"),
    ]
    story = StoryFactory(
        published=True,
        title="Council </script><script>alert(1)</script> approves",
        standfirst="The short version.",
        section=SectionFactory(name="City", slug="city"),
        authors=authors,
    )
    story.tags.add(TagFactory(name="Transport", slug="transport"))
    Correction.objects.create(story=story, text="An earlier version gave the wrong date.")
    return story


def test_the_story_has_a_canonical_url_and_link_preview_meta(client, story):
    html = client.get(story.get_absolute_url() + "?utm_source=x").content.decode()
    canonical = "https://news.example" + story.get_absolute_url()
    assert f'<link rel="canonical" href="{canonical}">' in html
    assert f'<meta property="og:url" content="{canonical}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:description" content="The short version.">' in html
    # No lead image: the card shows the site's default image, large.
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert '<meta property="article:tag" content="Transport">' in html


def test_json_ld_describes_a_news_article_with_every_author_and_the_corrections(client, story):
    response = client.get(story.get_absolute_url())
    html = response.content.decode()
    nonce, data = _ld(html)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == story.title
    assert [a["name"] for a in data["author"]] == ["Ann Lee", "Bo Kim"]
    assert data["author"][0]["url"] == "https://news.example/authors/ann-lee/"
    assert data["datePublished"] == story.published_at.isoformat(timespec="seconds")
    assert data["dateModified"] >= data["datePublished"]
    assert data["correction"][0]["text"] == "An earlier version gave the wrong date."
    assert data["articleSection"] == "City"
    # The nonce is the one the Content-Security-Policy allows.
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]


def test_json_ld_cannot_be_broken_out_of(client, story):
    html = client.get(story.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert html.count("</script>") == 1


def test_lists_have_canonical_urls_per_page(client, settings):
    settings.SITE_URL = "https://news.example"
    settings.STORIES_PER_PAGE = 1
    StoryFactory(published=True)
    StoryFactory(published=True)
    assert '<link rel="canonical" href="https://news.example/">' in client.get("/").content.decode()
    second = client.get("/?page=2&utm_source=x").content.decode()
    assert '<link rel="canonical" href="https://news.example/?page=2">' in second


def test_the_search_page_is_not_indexed(client):
    assert '<meta name="robots" content="noindex">' in client.get("/search/?q=tram").content.decode()


def test_every_page_declares_its_language(client):
    assert re.search(r'<html lang="en[-a-z]*">', client.get("/").content.decode())


def test_the_stylesheets_a_reader_downloads_stay_under_20_kb():
    assert sum((CSS / name).stat().st_size for name in ("site.css", "print.css", "opinions.css")) < 20 * 1024
