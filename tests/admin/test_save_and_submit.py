"""The story form's "Save and submit for review" (one click for what was Save, then Submit, then OK), and the
editor's request for changes, in full, on the draft it sent back."""

import re

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from stories import workflow
from stories.dates import format_local
from stories.models import Status, Story, StoryTransition
from tests.story_admin_helpers import change_url, story_form_data
from tests.workflow_helpers import ROLES, make_story

pytestmark = pytest.mark.django_db

BUTTON = 'value="Save and submit for review"'
ADD_URL = reverse("admin:stories_story_add")


def _messages(response):
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def _submitting(story, **changes):
    data = story_form_data(story, **changes)
    data.pop("_save")
    data["_submit_for_review"] = "Save and submit for review"
    return data


# --- Who gets the button ---------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["draft", "review", "published", "scheduled", "killed"])
@pytest.mark.parametrize("role", ROLES)
def test_the_button_is_on_a_draft_the_person_may_submit(request, client, writer, role, state):
    story = make_story(state, writer)
    client.force_login(request.getfixturevalue(role))
    response = client.get(change_url(story))
    if response.status_code == 302:
        assert role == "other_writer"
        return
    expected = state == "draft" and role in ("writer", "editor", "admin_user")
    html = response.content.decode()
    # Top and bottom of the form (save_on_top), after "Save", which stays the button Enter presses.
    assert html.count(BUTTON) == (2 if expected else 0)
    if expected:
        row = re.search(r'<div class="submit-row">(.*?)</div>', html, re.S).group(1)
        assert row.index('name="_save"') < row.index('name="_submit_for_review"')


@pytest.mark.parametrize(("role", "shown"), [("writer", True), ("editor", True), ("moderator", False)])
def test_a_new_story_form_has_it_for_whoever_may_write_one(request, client, role, shown):
    client.force_login(request.getfixturevalue(role))
    response = client.get(ADD_URL)
    assert (BUTTON in response.content.decode()) == shown


# --- What it does ----------------------------------------------------------------------------------------


def test_a_writer_saves_and_submits_a_draft_in_one_click(client, writer, editor, django_capture_on_commit_callbacks):
    story = make_story("draft", writer)
    client.force_login(writer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change_url(story), _submitting(story, title="Tram line approved after long debate"))
    assert response.status_code == 302
    assert response["Location"] == change_url(story)
    story.refresh_from_db()
    assert (story.title, story.status) == ("Tram line approved after long debate", Status.REVIEW)
    audit = StoryTransition.objects.get(story=story)
    assert (audit.from_status, audit.to_status, audit.actor) == (Status.DRAFT, Status.REVIEW, writer)
    assert _messages(response) == [
        (
            "success",
            "“Tram line approved after long debate” was saved and submitted for review. The editors have been told.",
        ),
    ]
    assert [m.subject for m in mail.outbox] == ["In review: Tram line approved after long debate"]


def test_a_new_story_is_created_and_submitted_in_one_click(client, writer):
    client.force_login(writer)
    data = story_form_data(highlights=["The council voted 31 to 12.", "Work starts in spring."])
    data.pop("_save")
    data["_submit_for_review"] = "Save and submit for review"
    response = client.post(ADD_URL, data)
    story = Story.objects.get()
    assert response["Location"] == change_url(story)
    assert (story.status, story.created_by) == (Status.REVIEW, writer)
    assert "was saved and submitted for review" in _messages(response)[0][1]


def test_a_valid_save_whose_submission_is_refused_is_kept_and_says_why(
    client, writer, editor, django_capture_on_commit_callbacks
):
    story = make_story("draft", writer)
    client.force_login(writer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change_url(story), _submitting(story, title="Saved without highlights", highlights=[]))
    assert response.status_code == 302
    story.refresh_from_db()
    assert (story.title, story.status, story.highlights.count()) == ("Saved without highlights", Status.DRAFT, 0)
    assert not StoryTransition.objects.filter(story=story).exists()
    assert _messages(response) == [
        (
            "warning",
            "“Saved without highlights” was saved, but not submitted for review: A story in review or published "
            "needs 1 to 5 highlights; this one has 0.",
        )
    ]
    assert mail.outbox == []


def test_an_invalid_form_is_neither_saved_nor_submitted(client, writer):
    story = make_story("draft", writer)
    title = story.title
    client.force_login(writer)
    response = client.post(change_url(story), _submitting(story, title=""))
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    story.refresh_from_db()
    assert (story.title, story.status) == (title, Status.DRAFT)


def test_a_stale_form_is_neither_saved_nor_submitted(client, writer, editor):
    story = make_story("draft", writer)
    data = _submitting(story, title="From an old page")
    workflow.submit_for_review(story, editor)
    workflow.request_changes(story, editor, "Add the cost.")  # a draft again, two versions on
    client.force_login(writer)
    response = client.post(change_url(story), data, follow=True)
    story.refresh_from_db()
    assert story.title != "From an old page"
    assert story.status == Status.DRAFT
    assert "Someone else saved this story" in response.content.decode()


def test_plain_save_still_only_saves(client, writer):
    story = make_story("draft", writer)
    client.force_login(writer)
    client.post(change_url(story), story_form_data(story, title="Only saved"))
    story.refresh_from_db()
    assert (story.title, story.status) == ("Only saved", Status.DRAFT)


# --- The editor's request for changes, on the draft ------------------------------------------------------

LONG_COMMENT = (
    "Name the councillors who voted against, and add what the line will cost in total — the figure in the second "
    "paragraph is last year's estimate.\nAlso: the mayor's office called back at five; quote her."
)


def _change_request(response):
    found = re.search(r'<div class="change-request".*?</div>', response.content.decode(), re.S)
    return found.group(0) if found else None


def test_the_writer_sees_the_latest_request_for_changes_in_full_with_who_and_when(client, writer, editor):
    story = make_story("draft", writer)
    workflow.submit_for_review(story, writer)
    workflow.request_changes(story, editor, "An older request.")
    workflow.submit_for_review(story, writer)
    workflow.request_changes(story, editor, LONG_COMMENT)
    when = StoryTransition.objects.filter(story=story).last().created_at
    client.force_login(writer)
    box = _change_request(client.get(change_url(story)))
    assert '<h3 id="change-request-heading">Changes requested</h3>' in box
    assert f"by {editor.get_full_name() or editor.username}" in box
    assert format_local(when) in box
    # In full (the dashboard cuts it at 140 characters), its lines kept.
    assert "the figure in the second paragraph is last year's estimate.<br>Also: the mayor" in box.replace(
        "&#x27;", "'"
    )
    assert "An older request." not in box


@pytest.mark.parametrize("then", ["resubmitted", "never sent back"])
def test_no_request_is_shown_once_the_story_moved_on_or_when_there_was_none(client, writer, editor, then):
    story = make_story("draft", writer)
    if then == "resubmitted":
        workflow.submit_for_review(story, writer)
        workflow.request_changes(story, editor, LONG_COMMENT)
        workflow.submit_for_review(story, writer)
    client.force_login(writer)
    assert _change_request(client.get(change_url(story))) is None


def test_the_request_is_escaped(client, writer, editor):
    story = make_story("draft", writer)
    workflow.submit_for_review(story, writer)
    workflow.request_changes(story, editor, "Cut the <script>alert(1)</script> quote.")
    client.force_login(writer)
    box = _change_request(client.get(change_url(story)))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in box
    assert "<script>" not in box
