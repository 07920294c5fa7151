"""What readers are told changed: "Updated", dateModified, the feeds' and the sitemap's dates.

A minor save of a live story (a typo) tells readers nothing; a substantive one, or one that adds a notice, moves
`Story.modified_at`, which every one of them follows. An import never moves it.
"""

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import parse_http_date

from stories import workflow
from stories.models import Correction, Story
from tests.factories import StoryFactory
from tests.imports.commands import import_text
from tests.story_admin_helpers import change_url, story_form_data

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
# Long enough ago that the sitemap's lastmod, a date, moves with a change made today.
THREE_DAYS = timedelta(days=3)


def _ld(html) -> dict:
    match = re.search(r'<script type="application/ld\+json" nonce="[^"]+">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD"
    return json.loads(match.group(1))


def what_readers_are_told(client, story) -> dict:
    """Every date that says when the story last changed, as readers and machines read it."""
    html = client.get(story.get_absolute_url()).content.decode()
    updated_line = re.search(r'<span class="updated">Updated <time datetime="([^"]+)">', html)
    modified_meta = re.search(r'<meta property="article:modified_time" content="([^"]+)">', html)
    atom = ET.fromstring(client.get("/feed/atom/").content)  # noqa: S314
    entry = next(e for e in atom.iter(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == story.title)
    sitemap = ET.fromstring(client.get("/sitemap-stories.xml").content)  # noqa: S314
    url = next(u for u in sitemap.iter(f"{SM}url") if u.findtext(f"{SM}loc").endswith(story.get_absolute_url()))
    return {
        "updated line": updated_line and datetime.fromisoformat(updated_line.group(1)),
        "dateModified": datetime.fromisoformat(_ld(html)["dateModified"]),
        "article:modified_time": datetime.fromisoformat(modified_meta.group(1)),
        "feed updated": datetime.fromisoformat(entry.findtext(f"{ATOM}updated")),
        "sitemap lastmod": datetime.fromisoformat(url.findtext(f"{SM}lastmod")).date(),
    }


def _seconds(when):
    # The sitemap writes whole seconds; the others more.
    return when.replace(microsecond=0).astimezone(UTC) if when else when


def assert_told(told: dict, when, *, updated_line: bool):
    for name, value in told.items():
        if name == "updated line":
            assert bool(value) is updated_line, name
            if not updated_line:
                continue
        if name == "sitemap lastmod":  # a date, in the newsroom's time zone
            assert value == timezone.localtime(when).date(), name
            continue
        assert _seconds(value) == _seconds(when), name


@pytest.fixture
def live(db):
    return StoryFactory(published=True, published_at=timezone.now() - THREE_DAYS, title="Tram line approved")


def _save(client, editor, story, django_capture_on_commit_callbacks, **fields):
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change_url(story), story_form_data(story, **fields))
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    story.refresh_from_db()
    return story


def test_a_new_story_says_it_was_published_and_nothing_more(client, live):
    assert_told(what_readers_are_told(client, live), live.published_at, updated_line=False)


def test_a_minor_save_tells_readers_nothing(client, editor, live, django_capture_on_commit_callbacks):
    what_readers_are_told(client, live)  # cached, then purged by the save
    before = live.updated_at

    _save(client, editor, live, django_capture_on_commit_callbacks, body="<p>Teh typo, fixed.</p>", change_kind="minor")

    assert live.updated_at > before and live.modified_at is None
    assert "fixed" in client.get(live.get_absolute_url()).content.decode()
    assert_told(what_readers_are_told(client, live), live.published_at, updated_line=False)


def test_a_save_that_does_not_say_is_minor(client, editor, live, django_capture_on_commit_callbacks):
    _save(client, editor, live, django_capture_on_commit_callbacks, title="Tram line approved at last")
    assert live.modified_at is None
    assert_told(what_readers_are_told(client, live), live.published_at, updated_line=False)


def test_a_substantive_save_moves_every_updated_date(client, editor, live, django_capture_on_commit_callbacks):
    what_readers_are_told(client, live)
    started = timezone.now()

    _save(
        client, editor, live, django_capture_on_commit_callbacks, body="<p>New figures.</p>", change_kind="substantive"
    )

    assert live.modified_at >= started
    assert_told(what_readers_are_told(client, live), live.modified_at, updated_line=True)


def test_a_new_notice_moves_every_updated_date(client, editor, live, django_capture_on_commit_callbacks):
    what_readers_are_told(client, live)
    started = timezone.now()

    _save(
        client, editor, live, django_capture_on_commit_callbacks, corrections=[("clarification", "The vote was 31–12.")]
    )

    assert live.modified_at >= started
    assert_told(what_readers_are_told(client, live), live.modified_at, updated_line=True)


def test_editing_an_old_notice_is_not_news_of_its_own(client, editor, live, django_capture_on_commit_callbacks):
    Correction.objects.create(story=live, text="The vote was 31–12.")
    data = story_form_data(live)
    data["corrections-0-text"] = "The vote was 31 to 12."
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(change_url(live), data).status_code == 302
    live.refresh_from_db()
    assert live.corrections.get().text == "The vote was 31 to 12."
    assert live.modified_at is None


def test_the_desk_asks_only_about_a_live_story_and_says_minor_first(client, editor, live):
    client.force_login(editor)
    html = client.get(change_url(live)).content.decode()
    minor = re.search(r'<input type="radio" name="change_kind" value="minor"[^>]*>', html)
    substantive = re.search(r'<input type="radio" name="change_kind" value="substantive"[^>]*>', html)
    assert minor and "checked" in minor.group(0)
    assert substantive and "checked" not in substantive.group(0)
    assert "Minor change (typo, style): readers are not told" in html
    assert "Substantive change: readers see “Updated”" in html
    for other in (StoryFactory(), StoryFactory(scheduled=True)):
        assert 'name="change_kind"' not in client.get(change_url(other)).content.decode()


@pytest.mark.parametrize("state", ["draft", "scheduled"])
def test_a_story_readers_cannot_see_yet_is_never_updated(editor, state):
    story = StoryFactory(**({"scheduled": True} if state == "scheduled" else {}))
    story.body = "<p>Rewritten.</p>"
    workflow.edit_story(story, editor, fields=["body"], base_version=story.version, substantive=True)
    story.refresh_from_db()
    assert story.modified_at is None


def test_publishing_again_starts_the_story_afresh(editor, live):
    workflow.edit_story(live, editor, fields=["body"], base_version=live.version, substantive=True)
    assert live.modified_at is not None
    workflow.unpublish(live, editor, "Held back for a legal read.")
    workflow.submit_for_review(live, editor)
    workflow.publish(live, editor)
    live.refresh_from_db()
    # Its feed entry's <updated> may never come before its new <published>.
    assert live.modified_at is None


def test_a_substantive_edit_is_written_in_the_same_update(editor, live):
    live.body = "<p>New figures.</p>"
    with CaptureQueriesContext(connection) as queries:
        workflow.edit_story(live, editor, fields=["body"], base_version=live.version, substantive=True)
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "stories_story"')]
    assert len(updates) == 1 and '"modified_at"' in updates[0]


def test_an_import_updating_a_live_story_tells_readers_nothing(client, tmp_path):
    document = "Mar 3, 2025, 9:05 AM\n\nTram line approved\n\nHighlights\n- A point.\nStory\n\n{body}\n"
    assert import_text(tmp_path, document.format(body="First version."), "--publish")[2] is None
    story = Story.objects.get(title="Tram line approved")
    published = story.published_at
    assert published.year == 2025

    assert import_text(tmp_path, document.format(body="Second version."), "--publish")[2] is None

    story.refresh_from_db()
    assert "Second version." in story.body and story.updated_at > published
    assert story.modified_at is None
    assert_told(what_readers_are_told(client, story), published, updated_line=False)


def test_the_feeds_last_modified_header_follows_any_edit(client, editor, live, django_capture_on_commit_callbacks):
    # HTTP's Last-Modified is about the bytes: a minor edit changes the feed's text, so it moves (for a reader the
    # page cache does not serve, Django's Feed sends it; the cache sends its own, its copy's time).
    _save(client, editor, live, django_capture_on_commit_callbacks, standfirst="Typo fixed.")
    client.force_login(editor)
    response = client.get("/feed/")
    assert "Typo fixed." in response.content.decode()
    assert parse_http_date(response["Last-Modified"]) == int(live.updated_at.timestamp())
    assert live.modified_at is None


def test_an_updated_story_page_still_runs_two_queries(client, editor, live, django_assert_num_queries):
    Correction.objects.create(story=live, kind=Correction.Kind.UPDATE, text="Added the vote count.")
    live.body = "<p>New figures.</p>"
    workflow.edit_story(live, editor, fields=["body"], base_version=live.version, substantive=True)
    with django_assert_num_queries(2):
        response = client.get(live.get_absolute_url())
    assert '<span class="updated">Updated' in response.content.decode()
