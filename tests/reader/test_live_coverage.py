"""A live story as readers get it: its updates on the page (order, markup, structured data), the fragment their open
page polls (cached, conditional, purged by each update), its feed, and what it all costs in queries."""

import json
import re
from datetime import timedelta

import feedparser
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stories import workflow
from stories.models import Correction, LiveUpdate
from tests.factories import HighlightFactory, OpinionFactory, SectionFactory, StoryFactory, TagFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("database_features_known")]

SCRIPTS = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S)


@pytest.fixture
def reporter(db):
    return UserFactory(username="ana", first_name="Ana", last_name="Ruiz", role="Writers")


@pytest.fixture
def storm(editor, reporter, django_capture_on_commit_callbacks):
    """A published story with live coverage running and three updates, the middle one a key event."""
    with django_capture_on_commit_callbacks(execute=True):
        story = StoryFactory(published=True, title="Storm Ida reaches the coast", authors=[reporter])
        workflow.start_live(story, editor)
    return story


def _post(story, user, body, *, minutes_ago=0, **fields):
    update = workflow.post_update(story, user, body=body, **fields)
    if minutes_ago:
        LiveUpdate.objects.filter(pk=update.pk).update(created_at=timezone.now() - timedelta(minutes=minutes_ago))
        update.refresh_from_db()
    return update


@pytest.fixture
def three(storm, editor, reporter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = _post(storm, reporter, "<p>Rain bands reach the harbour.</p>", minutes_ago=30)
        key = _post(storm, editor, "<p>The bridge is closed in both directions.</p>", minutes_ago=20, pinned=True)
        last = _post(storm, reporter, "<p>Power is out in the old town.</p>", minutes_ago=10, headline="Power cut")
    return first, key, last


def _structured_data(html):
    found = re.search(r'<script type="application/ld\+json" nonce="[^"]*">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def _page(client, story):
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


# --- The page -------------------------------------------------------------------------------------------


def test_the_updates_follow_the_highlights_key_events_first_then_newest_and_the_end_stays_last(client, storm, three):
    first, key, last = three
    html = _page(client, storm)
    main = html[html.index('<main id="main"') :]
    order = [
        ">Highlights</h2>",
        ">Live updates</h2>",
        f'id="update-{key.pk}"',
        "Key event",
        f'id="update-{last.pk}"',
        f'id="update-{first.pk}"',
        ">Story</h2>",
        ">Opinions",
        "You've reached the end",
    ]
    positions = [main.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert main.count("Key event") == 1
    # Nothing of the story comes after its closing line.
    assert "live-update" not in main[main.index("You've reached the end") :]


def test_each_update_has_its_time_its_permalink_its_author_and_its_text(client, storm, three):
    _first, key, last = three
    html = _page(client, storm)
    item = html[html.index(f'id="update-{last.pk}"') :]
    item = item[: item.index("</li>")]
    when = timezone.localtime(last.created_at)
    assert f'href="#update-{last.pk}"><time datetime="{when.isoformat(timespec="seconds")}">' in item
    assert '<h3 class="live-update-headline">Power cut</h3>' in item
    assert "<p>Power is out in the old town.</p>" in item
    assert "Ana Ruiz" in item
    assert f'<li class="live-update key-event" id="update-{key.pk}">' in html


def test_a_running_coverage_says_it_is_live_and_loads_the_polling_script_deferred(client, storm, three, settings):
    settings.LIVE_POLL_SECONDS = 7
    html = _page(client, storm)
    assert '<span class="live-badge">Live</span>' in html
    assert f'data-live-updates="/stories/{storm.slug}/updates/"' in html
    assert 'data-poll-seconds="7"' in html
    assert '<script src="/static/js/live-updates.js" defer></script>' in html
    assert 'role="status" aria-live="polite"' in html
    # The page's CSP allows no inline script: each script is a file, or data (JSON-LD) carrying the nonce.
    for attributes, content in SCRIPTS.findall(html):
        assert "src=" in attributes or ("application/ld+json" in attributes and "nonce=" in attributes), attributes
        assert "src=" not in attributes or not content.strip()


def test_ended_coverage_keeps_its_updates_and_stops_polling(client, storm, three, editor):
    workflow.end_live(storm, editor)
    html = _page(client, storm)
    assert "Live coverage ended" in html
    assert html.count('<li class="live-update') == 3
    assert "live-updates.js" not in html and "data-live-updates=" not in html


def test_a_story_without_live_coverage_shows_no_live_section(client):
    story = StoryFactory(published=True)
    html = _page(client, story)
    assert "Live updates" not in html and "live-updates.js" not in html
    assert f"/stories/{story.slug}/feed/" not in html


def test_the_page_announces_the_live_feed(client, storm):
    html = _page(client, storm)
    link = (
        '<link rel="alternate" type="application/rss+xml" title="Storm Ida reaches the coast: live updates (RSS)" '
        f'href="/stories/{storm.slug}/feed/">'
    )
    assert link in html


# --- Structured data -------------------------------------------------------------------------------------


def test_structured_data_is_a_live_blog_posting_with_its_updates(client, storm, three, settings):
    first, key, last = three
    data = _structured_data(_page(client, storm))
    assert data["@type"] == "LiveBlogPosting"
    storm.refresh_from_db()
    assert data["coverageStartTime"] == timezone.localtime(storm.live_started_at).isoformat(timespec="seconds")
    assert "coverageEndTime" not in data
    updates = data["liveBlogUpdate"]
    assert [u["@type"] for u in updates] == ["BlogPosting"] * 3
    # Newest first, by when each was posted.
    url = settings.SITE_URL.rstrip("/") + storm.get_absolute_url()
    assert [u["url"] for u in updates] == [f"{url}#update-{u.pk}" for u in (last, key, first)]
    assert updates[0]["headline"] == "Power cut"
    assert updates[0]["articleBody"] == "Power is out in the old town."
    assert updates[1]["headline"] == "The bridge is closed in both directions."  # no headline: its text
    assert updates[0]["datePublished"] == timezone.localtime(last.created_at).isoformat(timespec="seconds")


def test_ended_coverage_has_its_end_time_and_stays_a_live_blog_posting(client, storm, three, editor):
    workflow.end_live(storm, editor)
    storm.refresh_from_db()
    data = _structured_data(_page(client, storm))
    assert data["@type"] == "LiveBlogPosting"
    assert data["coverageEndTime"] == timezone.localtime(storm.live_ended_at).isoformat(timespec="seconds")
    assert len(data["liveBlogUpdate"]) == 3


def test_a_story_without_live_coverage_stays_a_news_article(client):
    data = _structured_data(_page(client, StoryFactory(published=True)))
    assert data["@type"] == "NewsArticle"
    assert "liveBlogUpdate" not in data and "coverageStartTime" not in data


# --- The fragment readers' pages poll --------------------------------------------------------------------


def _fragment_url(story):
    return f"/stories/{story.slug}/updates/"


def test_the_fragment_holds_the_updates_in_page_order(client, storm, three):
    first, key, last = three
    response = client.get(_fragment_url(storm))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert '<ol class="live-updates" data-live-state="running">' in html
    ids = re.findall(r'<li class="live-update[^"]*" id="update-(\d+)"', html)
    assert ids == [str(key.pk), str(last.pk), str(first.pk)]
    assert "<html" not in html  # a fragment, not a page


def test_the_fragment_answers_304_to_a_reader_who_has_it(client, storm, three):
    first = client.get(_fragment_url(storm))
    assert first.status_code == 200 and first["ETag"]
    again = client.get(_fragment_url(storm), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    assert "public" in again["Cache-Control"]
    assert client.get(_fragment_url(storm))["X-Cache"] == "hit"


def test_a_new_update_purges_the_fragment_and_the_page(
    client, storm, three, editor, django_capture_on_commit_callbacks
):
    first = client.get(_fragment_url(storm))
    assert client.get(_fragment_url(storm))["X-Cache"] == "hit"
    assert client.get(storm.get_absolute_url())["X-Cache"] in ("miss", "hit")
    assert client.get(storm.get_absolute_url())["X-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        update = workflow.post_update(storm, editor, body="<p>The storm moves north.</p>")

    changed = client.get(_fragment_url(storm), HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]
    assert f'id="update-{update.pk}"' in changed.content.decode()
    assert "The storm moves north." in client.get(storm.get_absolute_url()).content.decode()


@pytest.mark.parametrize("change", ["edit", "delete"])
def test_an_edited_or_deleted_update_purges_the_fragment(
    client, storm, three, editor, change, django_capture_on_commit_callbacks
):
    _first, key, _last = three
    client.get(_fragment_url(storm))
    assert client.get(_fragment_url(storm))["X-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        if change == "edit":
            workflow.edit_update(key, editor, body="<p>The bridge reopened at noon.</p>", pinned=True)
        else:
            workflow.delete_update(key, editor)
    html = client.get(_fragment_url(storm)).content.decode()
    assert "closed in both directions" not in html
    assert ("The bridge reopened at noon." in html) == (change == "edit")


def test_ending_the_coverage_tells_the_polling_pages_to_stop(
    client, storm, three, editor, django_capture_on_commit_callbacks
):
    client.get(_fragment_url(storm))
    with django_capture_on_commit_callbacks(execute=True):
        workflow.end_live(storm, editor)
    html = client.get(_fragment_url(storm)).content.decode()
    assert 'data-live-state="ended"' in html
    assert html.count('<li class="live-update') == 3


def test_a_story_another_site_cannot_see_has_no_fragment_nor_feed(client, editor):
    never = StoryFactory(published=True)
    draft = StoryFactory()
    for story in (never, draft):
        assert client.get(_fragment_url(story)).status_code == 404
        assert client.get(f"/stories/{story.slug}/feed/").status_code == 404
    assert client.get("/stories/no-such-story/updates/").status_code == 404


def test_a_story_unpublished_during_its_coverage_loses_its_fragment(
    client, storm, three, editor, django_capture_on_commit_callbacks
):
    assert client.get(_fragment_url(storm)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        workflow.unpublish(storm, editor, comment="Wrong storm")
    assert client.get(_fragment_url(storm)).status_code == 404


# --- The feed ---------------------------------------------------------------------------------------------


def test_the_live_feed_lists_the_updates_newest_first(client, storm, three):
    first, key, last = three
    response = client.get(f"/stories/{storm.slug}/feed/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title.endswith("Storm Ida reaches the coast (live)")
    assert [entry.link.rsplit("#", 1)[1] for entry in feed.entries] == [f"update-{u.pk}" for u in (last, key, first)]
    assert feed.entries[0].title == "Power cut"
    assert "Power is out in the old town." in feed.entries[0].summary
    assert feed.entries[0].author == "Ana Ruiz"
    assert [tag.term for tag in feed.entries[1].tags] == ["Key event"]


def test_the_live_feed_follows_a_new_update(client, storm, three, editor, django_capture_on_commit_callbacks):
    client.get(f"/stories/{storm.slug}/feed/")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.post_update(storm, editor, body="<p>Schools close tomorrow.</p>", headline="Schools")
    feed = feedparser.parse(client.get(f"/stories/{storm.slug}/feed/").content)
    assert feed.entries[0].title == "Schools"
    assert len(feed.entries) == 4


# --- What it costs ------------------------------------------------------------------------------------------


def _live_story_with(count, editor):
    section = SectionFactory()
    tags = [TagFactory() for _ in range(count)]
    story = StoryFactory(published=True, section=section, authors=[UserFactory() for _ in range(count)])
    HighlightFactory.create_batch(min(count, 5) - 1, story=story)
    story.tags.set(tags)
    OpinionFactory.create_batch(count, story=story)
    for n in range(count):
        Correction.objects.create(story=story, text=f"Correction {n}")
    workflow.start_live(story, editor)
    authors = [UserFactory(role="Editors") for _ in range(count)]
    for n in range(count):
        workflow.post_update(story, authors[n], body=f"<p>Update {n}</p>", pinned=n % 5 == 0)
    return story


@pytest.mark.parametrize("count", [1, 20])
def test_a_live_story_page_still_runs_two_queries(client, editor, django_assert_num_queries, count):
    story = _live_story_with(count, editor)
    with django_assert_num_queries(2):
        response = client.get(story.get_absolute_url())
    assert response.content.decode().count('<li class="live-update') == count


def test_the_fragment_and_the_feed_cost_the_same_with_one_or_twenty_updates(client, editor):
    counts = []
    for count in (1, 20):
        story = _live_story_with(count, editor)
        measured = []
        for url in (_fragment_url(story), f"/stories/{story.slug}/feed/"):
            cache.clear()  # cold, as the budget is for an uncached fragment
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            measured.append(len(captured))
        counts.append(measured)
    assert counts[0] == counts[1]
    assert counts[0][0] <= 2  # the updates in one query; the page cache's look at the clock


def test_a_cached_fragment_costs_no_query(client, storm, three, django_assert_num_queries):
    etag = client.get(_fragment_url(storm))["ETag"]
    with django_assert_num_queries(0):
        assert client.get(_fragment_url(storm), HTTP_IF_NONE_MATCH=etag).status_code == 304
        assert client.get(_fragment_url(storm)).status_code == 200


def test_the_lists_mark_a_story_while_its_coverage_runs(client, storm, editor, django_capture_on_commit_callbacks):
    badge = f'<span class="live-badge">Live</span> <a href="{storm.get_absolute_url()}">'
    section = storm.section.get_absolute_url() if storm.section else None
    for url in filter(None, ["/", section]):
        assert badge in client.get(url).content.decode(), url
    with django_capture_on_commit_callbacks(execute=True):
        workflow.end_live(storm, editor)
    for url in filter(None, ["/", section]):  # the cached copies were purged with the story's lists
        html = client.get(url).content.decode()
        assert storm.title in html and badge not in html, url
