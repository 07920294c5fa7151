"""Notices: corrections, clarifications, updates and editor's notes, under their story and on /corrections/."""

import json
import re
from datetime import timedelta

import feedparser
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stories import workflow
from stories.models import Correction, Status
from tests.factories import StoryFactory
from tests.story_admin_helpers import change_url, story_form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("database_features_known")]
Kind = Correction.Kind


def _notice(story, text, minutes_ago=0, kind=Kind.CORRECTION):
    return Correction.objects.create(
        story=story, kind=kind, text=text, created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )


def _texts(html):
    return re.findall(r'<p class="notice-text">(.*?)</p>', html, re.S)


def test_the_page_lists_every_notice_newest_first_with_its_kind_time_and_story(client):
    tram = StoryFactory(published=True, title="Tram line approved")
    harbour = StoryFactory(published=True, title="Harbour reopens")
    _notice(tram, "The vote was 31 to 12.", minutes_ago=30)
    _notice(harbour, "The harbour reopens on Monday.", minutes_ago=20, kind=Kind.UPDATE)
    newest = _notice(tram, "The mayor's name was misspelt.", minutes_ago=10, kind=Kind.CLARIFICATION)
    _notice(harbour, "This story was written with the port authority.", minutes_ago=5, kind=Kind.EDITORS_NOTE)

    response = client.get(reverse("stories:corrections"))

    assert response.status_code == 200
    html = response.content.decode()
    assert _texts(html) == [
        "This story was written with the port authority.",
        "The mayor&#39;s name was misspelt.",
        "The harbour reopens on Monday.",
        "The vote was 31 to 12.",
    ]
    kinds = re.findall(r'<h2 class="notice-kind">(.*?)</h2>', html)
    assert kinds == ["Editor’s note", "Clarification", "Update", "Correction"]
    assert f'<time datetime="{timezone.localtime(newest.created_at).isoformat(timespec="seconds")}">' in html
    assert f'<a href="{tram.get_absolute_url()}#notice-{newest.pk}">Tram line approved</a>' in html
    assert "<h1>Corrections and updates</h1>" in html
    assert "You've reached the end" in html


def test_the_page_is_paginated_like_the_other_lists(client, settings):
    settings.STORIES_PER_PAGE = 2
    story = StoryFactory(published=True)
    for n in range(5):
        _notice(story, f"Notice {n}.", minutes_ago=n)

    first = client.get("/corrections/").content.decode()
    second = client.get("/corrections/?page=2").content.decode()
    last = client.get("/corrections/?page=3").content.decode()

    assert _texts(first) == ["Notice 0.", "Notice 1."]
    assert _texts(second) == ["Notice 2.", "Notice 3."]
    assert _texts(last) == ["Notice 4."]
    assert 'rel="next" href="?page=2"' in first and "You've reached the end" not in first
    assert "You've reached the end" in last and 'rel="next"' not in last
    assert client.get("/corrections/?page=4").status_code == 404
    assert client.get("/corrections/?page=x").status_code == 404


def _hidden_stories():
    past = timezone.now() - timedelta(days=1)
    return {
        "draft": StoryFactory(),
        "in review": StoryFactory(in_review=True),
        "scheduled": StoryFactory(scheduled=True),
        "embargoed": StoryFactory(
            scheduled=True,
            embargo_until=timezone.now() + timedelta(hours=2),
            published_at=timezone.now() + timedelta(hours=2),
        ),
        "killed": StoryFactory(status=Status.KILLED, published_at=past),
        "expired": StoryFactory(published=True, expires_at=timezone.now() - timedelta(minutes=1)),
    }


def test_notices_of_stories_readers_may_not_see_are_left_out(client):
    live = StoryFactory(published=True)
    _notice(live, "Shown.")
    for name, story in _hidden_stories().items():
        _notice(story, f"Notice of a {name} story.")

    html = client.get("/corrections/").content.decode()
    feed = client.get("/corrections/feed/").content.decode()

    assert _texts(html) == ["Shown."]
    assert "Notice of a" not in feed and "Shown." in feed


def test_text_and_headlines_are_escaped(client):
    story = StoryFactory(published=True, title="Tram <b>line</b>")
    _notice(story, "<script>alert(1)</script>\nSecond line & more.")
    html = client.get("/corrections/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>Second line &amp; more." in html
    assert "Tram &lt;b&gt;line&lt;/b&gt;" in html


def test_the_feed_lists_the_notices_with_stable_ids(client, editor, settings):
    settings.SITE_URL = "https://news.example"
    settings.FEED_TAG_AUTHORITY = "news.example,2026"
    story = StoryFactory(published=True, title="Tram line approved")
    older = _notice(story, "The vote was 31 to 12.", minutes_ago=10)
    newer = _notice(story, "Construction starts in May.", kind=Kind.UPDATE)

    response = client.get("/corrections/feed/")

    assert response["Content-Type"].startswith("application/rss+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.feed.title.endswith("corrections and updates")
    assert [e.title for e in parsed.entries] == ["Update: Tram line approved", "Correction: Tram line approved"]
    assert [e.id for e in parsed.entries] == [
        f"tag:news.example,2026:notice:{newer.pk}",
        f"tag:news.example,2026:notice:{older.pk}",
    ]
    assert parsed.entries[0].link.endswith(f"{story.get_absolute_url()}#notice-{newer.pk}")
    assert parsed.entries[0].summary == "Construction starts in May."

    # A new address for the story moves the links, never the ids.
    story.slug = "tram-line-approved-at-last"
    workflow.edit_story(story, editor, fields=["slug"], base_version=story.version)
    cache.clear()
    again = feedparser.parse(client.get("/corrections/feed/").content)
    assert [e.id for e in again.entries] == [e.id for e in parsed.entries]
    assert "tram-line-approved-at-last" in again.entries[0].link


def test_the_story_lists_its_notices_in_time_order_and_links_the_page(client):
    story = StoryFactory(published=True)
    _notice(story, "Second.", minutes_ago=1, kind=Kind.UPDATE)
    _notice(story, "First.", minutes_ago=5, kind=Kind.EDITORS_NOTE)
    html = client.get(story.get_absolute_url()).content.decode()
    assert _texts(html) == ["First.", "Second."]
    assert re.findall(r'<h4 class="notice-kind">(.*?)</h4>', html) == ["Editor’s note", "Update"]
    assert '<a href="/corrections/">All corrections and updates</a>' in html


def test_every_page_links_the_corrections_page_from_its_footer(client):
    html = client.get("/").content.decode()
    footer = html[html.index('<footer class="site-footer">') :]
    assert '<a href="/corrections/">Corrections</a>' in footer


def test_structured_data_lists_corrections_and_clarifications_only(client):
    story = StoryFactory(published=True)
    _notice(story, "Wrong date.", minutes_ago=4)
    _notice(story, "Which council.", minutes_ago=3, kind=Kind.CLARIFICATION)
    _notice(story, "More figures.", minutes_ago=2, kind=Kind.UPDATE)
    _notice(story, "A note.", minutes_ago=1, kind=Kind.EDITORS_NOTE)
    html = client.get(story.get_absolute_url()).content.decode()
    data = json.loads(re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html).group(1))
    assert [(c["@type"], c["text"]) for c in data["correction"]] == [
        ("CorrectionComment", "Wrong date."),
        ("CorrectionComment", "Which council."),
    ]
    assert all(c["datePublished"] for c in data["correction"])


def test_the_corrections_page_is_in_the_sitemap(client):
    assert b"/corrections/</loc>" in client.get("/sitemap-home.xml").content


# --- The page cache ---


def test_a_notice_added_in_the_desk_reaches_the_cached_page_and_feed(
    client, editor, django_capture_on_commit_callbacks
):
    story = StoryFactory(published=True)
    for url in ("/corrections/", "/corrections/feed/"):
        assert client.get(url)["X-Cache"] == "miss"
        assert client.get(url)["X-Cache"] == "hit"

    desk = type(client)()
    desk.force_login(editor)
    data = story_form_data(story, corrections=[("update", "Construction starts in May.")])
    with django_capture_on_commit_callbacks(execute=True):
        assert desk.post(change_url(story), data).status_code == 302

    for url in ("/corrections/", "/corrections/feed/"):
        response = client.get(url)
        assert response["X-Cache"] == "miss"
        assert "Construction starts in May." in response.content.decode()


def test_a_notice_deleted_leaves_the_cached_page(client, django_capture_on_commit_callbacks):
    story = StoryFactory(published=True)
    with django_capture_on_commit_callbacks(execute=True):
        notice = _notice(story, "Withdrawn soon.")
    assert "Withdrawn soon." in client.get("/corrections/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        notice.delete()
    assert "Withdrawn soon." not in client.get("/corrections/").content.decode()


def test_a_story_leaving_the_site_takes_its_notices_off_the_cached_page(
    client, editor, django_capture_on_commit_callbacks
):
    story = StoryFactory(published=True)
    with django_capture_on_commit_callbacks(execute=True):
        _notice(story, "About to go.")
    assert "About to go." in client.get("/corrections/").content.decode()
    assert client.get("/corrections/")["X-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        workflow.unpublish(story, editor, "Legal asked us to hold it")
    assert "About to go." not in client.get("/corrections/").content.decode()
    assert "About to go." not in client.get("/corrections/feed/").content.decode()


@pytest.mark.parametrize(("published", "purges"), [(True, True), (False, False)])
def test_a_notice_purges_the_corrections_scope_only_when_readers_see_its_story(
    published, purges, django_capture_on_commit_callbacks, monkeypatch
):
    import pagecache

    story = StoryFactory(published=published)
    purged = set()
    monkeypatch.setattr(pagecache, "purge", lambda *scopes: purged.update(scopes) or True)
    with django_capture_on_commit_callbacks(execute=True):
        _notice(story, "Seen only when the story is.")
    assert ("corrections" in purged) is purges
    assert (f"story-{story.pk}" in purged) is purges


# --- Queries ---


def _notices(count):
    for n in range(count):
        _notice(StoryFactory(published=True), f"Notice {n}.", minutes_ago=n)


@pytest.mark.parametrize("url", ["/corrections/", "/corrections/feed/"])
def test_the_page_and_feed_run_the_same_queries_whatever_they_hold(client, url):
    counts = []
    for count in (1, 20):
        _notices(count)
        cache.clear()  # each measure starts cold
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
    assert counts[0] <= 3  # the notices, the navigation (the page), and the page cache's go-live look
