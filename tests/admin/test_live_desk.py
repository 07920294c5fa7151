"""The desk's side of live coverage: the start and end buttons on a story's page, and the live desk where updates
are posted (the page stays open for the next one), edited and deleted."""

import re

import pytest
from django.contrib.messages import get_messages

from stories import revisions, workflow
from stories.models import LiveUpdate, StoryTransition
from tests.factories import StoryFactory
from tests.story_admin_helpers import change_url, transition_url
from tests.workflow_helpers import ROLES

pytestmark = pytest.mark.django_db


def _live_url(story):
    return f"/admin/stories/story/{story.pk}/live/"


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _panel(html):
    found = re.search(r'<section class="workflow-panel".*?</section>', html, re.S)
    return found.group(0) if found else ""


@pytest.fixture
def story(writer):
    story = StoryFactory(published=True, created_by=writer, title="Storm Ida reaches the coast")
    story.authors.add(writer)
    return story


@pytest.fixture
def covered(story, editor):
    return workflow.start_live(story, editor)


# --- Starting and ending from the story's page ------------------------------------------------------------


def test_an_editor_starts_and_ends_live_coverage_from_the_workflow_panel(client, editor, story):
    client.force_login(editor)
    assert ">Start live coverage<" in _panel(client.get(change_url(story)).text)

    response = client.post(transition_url(story, "start_live"))
    assert response.status_code == 302 and response.url == change_url(story)
    assert _messages(response) == [
        "Live coverage of “Storm Ida reaches the coast” started: post updates from the live desk."
    ]
    story.refresh_from_db()
    assert story.is_covered_live

    panel = _panel(client.get(change_url(story)).text)
    assert ">End live coverage<" in panel and ">Start live coverage<" not in panel
    assert f'href="{_live_url(story)}"' in panel

    response = client.post(transition_url(story, "end_live"))
    story.refresh_from_db()
    assert not story.is_covered_live and story.live_ended_at is not None
    assert [t.comment for t in StoryTransition.objects.filter(story=story)] == [
        "Live coverage started.",
        "Live coverage ended.",
    ]


def test_a_refused_start_is_a_message_not_an_error(client, editor):
    draft = StoryFactory()
    client.force_login(editor)
    response = client.post(transition_url(draft, "start_live"))
    assert response.status_code == 302
    assert _messages(response) == ["Only a story readers can see has live coverage: publish it first."]
    draft.refresh_from_db()
    assert draft.live_started_at is None


@pytest.mark.parametrize("role", ["writer", "moderator"])
def test_people_who_are_not_editors_see_no_live_buttons_and_cannot_press_them(request, client, role, story):
    user = request.getfixturevalue(role)
    client.force_login(user)
    html = client.get(change_url(story)).text
    assert "Start live coverage" not in html
    client.post(transition_url(story, "start_live"))
    story.refresh_from_db()
    assert story.live_started_at is None


# --- The live desk -----------------------------------------------------------------------------------------


def test_posting_an_update_returns_to_the_desk_with_an_empty_form(client, editor, covered):
    client.force_login(editor)
    response = client.post(
        _live_url(covered), {"body": "<p>The bridge is closed.</p>", "headline": "Bridge", "pinned": "on"}
    )
    assert response.status_code == 302 and response.url == _live_url(covered)
    assert _messages(response) == ["Update posted: readers see it now."]
    update = LiveUpdate.objects.get()
    assert (update.headline, update.body, update.pinned, update.author) == (
        "Bridge",
        "<p>The bridge is closed.</p>",
        True,
        editor,
    )

    html = client.get(_live_url(covered)).text
    form = html[html.index('class="live-update-form"') : html.index("</form>")]
    assert "The bridge is closed." not in form and 'value="Bridge"' not in form  # empty, for the next one
    assert "Posted updates (1)" in html and "<p>The bridge is closed.</p>" in html


def test_the_desk_lists_updates_newest_first_key_events_on_top(client, editor, covered):
    older = workflow.post_update(covered, editor, body="<p>Older.</p>")
    key = workflow.post_update(covered, editor, body="<p>Key.</p>", pinned=True)
    LiveUpdate.objects.filter(pk=key.pk).update(created_at=older.created_at.replace(year=older.created_at.year - 1))
    newer = workflow.post_update(covered, editor, body="<p>Newer.</p>")
    client.force_login(editor)
    html = client.get(_live_url(covered)).text
    ids = re.findall(r'id="desk-update-(\d+)"', html)
    assert ids == [str(key.pk), str(newer.pk), str(older.pk)]


def test_an_update_without_text_is_refused_with_the_form_kept(client, editor, covered):
    client.force_login(editor)
    response = client.post(_live_url(covered), {"body": "", "headline": "Only a headline"})
    assert response.status_code == 200
    assert "This field is required." in response.text
    assert 'value="Only a headline"' in response.text
    assert not LiveUpdate.objects.exists()


def test_a_writer_on_the_byline_posts_but_neither_edits_nor_deletes(client, writer, covered, editor):
    client.force_login(writer)
    assert client.post(_live_url(covered), {"body": "<p>From the scene.</p>"}).status_code == 302
    update = LiveUpdate.objects.get()
    assert update.author == writer
    html = client.get(_live_url(covered)).text
    assert "Edit</a>" not in html and ">Delete<" not in html
    assert client.get(f"{_live_url(covered)}{update.pk}/").status_code == 403
    assert client.post(f"{_live_url(covered)}{update.pk}/delete/").status_code == 403
    assert LiveUpdate.objects.filter(pk=update.pk).exists()


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_the_live_desk(request, client, role, covered):
    user = request.getfixturevalue(role)
    client.force_login(user)
    response = client.get(_live_url(covered))
    if role in ("writer", "editor", "admin_user"):
        assert response.status_code == 200
        assert "Post update" in response.text
    else:
        # A moderator, or a writer not on the byline: they may read the live story, not post to it.
        assert response.status_code == 403
    assert not LiveUpdate.objects.exists()


def test_the_desk_has_no_form_once_coverage_ended(client, editor, covered):
    workflow.post_update(covered, editor, body="<p>Before the end.</p>")
    workflow.end_live(covered, editor)
    client.force_login(editor)
    html = client.get(_live_url(covered)).text
    assert "Post update" not in html and "Live coverage ended" in html
    response = client.post(_live_url(covered), {"body": "<p>Too late.</p>"})
    assert response.status_code == 200
    assert "This story has no live coverage running" in " ".join(_messages(response))
    assert LiveUpdate.objects.count() == 1


def test_an_editor_edits_an_update_and_its_history_is_listed(client, editor, covered):
    update = workflow.post_update(covered, editor, body="<p>Mayor speaks at 5.</p>", headline="Mayor")
    client.force_login(editor)
    edit_url = f"{_live_url(covered)}{update.pk}/"
    response = client.post(edit_url, {"body": "<p>Mayor speaks at 6.</p>", "headline": "Mayor", "pinned": "on"})
    assert response.status_code == 302 and response.url == _live_url(covered)
    update.refresh_from_db()
    assert update.body == "<p>Mayor speaks at 6.</p>" and update.pinned
    html = client.get(edit_url).text
    history = html[html.index("History of this update") :]
    assert history.index("Edited.") < history.index("Posted.")
    assert "Mayor speaks at 5." in history


def test_an_editor_deletes_an_update_and_its_text_is_kept(client, editor, covered):
    update = workflow.post_update(covered, editor, body="<p>A rumour.</p>")
    client.force_login(editor)
    assert client.get(f"{_live_url(covered)}{update.pk}/delete/").status_code == 405
    response = client.post(f"{_live_url(covered)}{update.pk}/delete/")
    assert response.status_code == 302
    assert not LiveUpdate.objects.exists()
    assert revisions.update_versions(update.pk).first().field_dict["body"] == "<p>A rumour.</p>"


def test_an_update_of_another_story_is_not_found_here(client, editor, covered):
    other = workflow.start_live(StoryFactory(published=True), editor)
    update = workflow.post_update(other, editor, body="<p>Elsewhere.</p>")
    client.force_login(editor)
    assert client.get(f"{_live_url(covered)}{update.pk}/").status_code == 404


def test_the_desk_of_a_story_the_person_may_not_see_is_not_found(client, other_writer, writer):
    draft = StoryFactory(created_by=writer)
    client.force_login(other_writer)
    assert client.get(_live_url(draft)).status_code == 404


def test_a_headline_with_a_line_break_is_refused_next_to_the_field(client, editor, covered):
    client.force_login(editor)
    response = client.post(_live_url(covered), {"body": "<p>Text.</p>", "headline": "Two\nlines"})
    assert response.status_code == 200
    assert "Use a single line." in response.text
    assert not LiveUpdate.objects.exists()
