"""The workflow buttons on a story's admin page: who sees which, and what pressing them does."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from stories.models import Status, Story, StoryTransition
from tests.factories import StoryFactory
from tests.story_admin_helpers import change_url, transition_url
from tests.workflow_helpers import (
    RIGHTS,
    ROLES,
    SCHEDULE_RIGHTS,
    SCHEDULE_SOURCE,
    SOURCE,
    TARGET,
    make_story,
)

# Every test here uses the database (some only through request.getfixturevalue).
pytestmark = pytest.mark.django_db

BUTTONS = {
    "submit_for_review": ["Submit for review"],
    "request_changes": ["Request changes"],
    "publish": ["Publish now", "Schedule…"],
    "unpublish": ["Unpublish"],
    "withdraw": ["Withdraw from review"],
    "kill": ["Kill"],
    "reinstate": ["Reinstate as a draft"],
}
# A scheduled story's moves (tests/admin/test_scheduling_desk.py tries them).
SCHEDULE_BUTTONS = {
    "publish_now": ["Publish now"],
    "reschedule": ["Reschedule…"],
    "cancel_schedule": ["Cancel schedule"],
}
ALL_LABELS = [label for labels in [*BUTTONS.values(), *SCHEDULE_BUTTONS.values()] for label in labels]


def _buttons(html):
    panel = re.search(r'<section class="workflow-panel".*?</section>', html, re.S)
    if not panel:
        return set()
    return {label for label in ALL_LABELS if f">{label}<" in panel.group(0) or f">{label}…<" in panel.group(0)}


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("state", ["draft", "review", "published", "scheduled", "killed"])
@pytest.mark.parametrize("role", ROLES)
def test_the_story_page_offers_only_the_buttons_the_person_may_use(request, client, writer, role, state):
    user = request.getfixturevalue(role)
    story = make_story(state, writer)
    client.force_login(user)
    response = client.get(change_url(story))
    source_state = "published" if state == "scheduled" else state
    if response.status_code == 302:  # a story the person may not even see
        assert role == "other_writer"
        return
    expected = {
        label
        for name, labels in BUTTONS.items()
        if SOURCE[name] == source_state and role in RIGHTS[name]
        for label in labels
    } | {
        label
        for name, labels in SCHEDULE_BUTTONS.items()
        if SCHEDULE_SOURCE[name] == state and role in SCHEDULE_RIGHTS[name]
        for label in labels
    }
    assert _buttons(response.content.decode()) == expected


@pytest.mark.parametrize("state", ["draft", "review", "published", "killed"])
@pytest.mark.parametrize("name", list(SOURCE))
@pytest.mark.parametrize("role", ROLES)
def test_pressing_a_button_moves_the_story_only_when_the_table_allows(request, client, writer, role, name, state):
    user = request.getfixturevalue(role)
    story = make_story(state, writer)
    before = (story.status, story.published_at)
    client.force_login(user)
    response = client.post(transition_url(story, name), {"comment": "Needs a second source."})
    story.refresh_from_db()
    audit = StoryTransition.objects.filter(story=story)

    if role == "other_writer" and state not in ("published",):
        assert response.status_code == 404  # someone else's unpublished story does not exist for them
    elif role in RIGHTS[name] and SOURCE[name] == state:
        assert response.status_code == 302
        assert story.status == TARGET[name]
        assert audit.get().actor == user
        assert any(m for m in _messages(response))
    else:
        assert response.status_code == 302
        assert (story.status, story.published_at) == before
        assert not audit.exists()
        messages = _messages(response)
        assert messages and all(("may not" in m) or ("Cannot" in m) for m in messages)


def test_a_refused_button_changes_nothing_and_says_why(client, editor):
    story = StoryFactory(in_review=True, highlights=[])
    client.force_login(editor)
    response = client.post(transition_url(story, "publish"), follow=True)
    story.refresh_from_db()
    assert (story.status, story.published_at) == (Status.REVIEW, None)
    assert not StoryTransition.objects.filter(story=story).exists()
    assert "needs 1 to 5 highlights" in response.content.decode()


def test_request_changes_without_a_comment_is_refused(client, editor):
    story = StoryFactory(in_review=True)
    client.force_login(editor)
    response = client.post(transition_url(story, "request_changes"), {"comment": " "}, follow=True)
    assert Story.objects.get(pk=story.pk).status == Status.REVIEW
    assert "Request changes needs a comment for the writer." in response.content.decode()


def test_schedule_sets_a_future_time_and_the_story_waits(client, editor):
    story = StoryFactory(in_review=True)
    at = timezone.localtime() + timedelta(days=2)
    client.force_login(editor)
    response = client.post(transition_url(story, "schedule"), {"at": at.strftime("%Y-%m-%dT%H:%M")}, follow=True)
    story.refresh_from_db()
    assert story.is_scheduled
    assert story.published_at == at.replace(second=0, microsecond=0)
    assert not Story.objects.published().filter(pk=story.pk).exists()
    assert "is scheduled" in response.content.decode()
    assert "Scheduled" in response.content.decode()


@pytest.mark.parametrize("at", ["", "not a time", "2001-01-01T09:00"])
def test_schedule_needs_a_time_in_the_future(client, editor, at):
    story = StoryFactory(in_review=True)
    client.force_login(editor)
    response = client.post(transition_url(story, "schedule"), {"at": at}, follow=True)
    assert Story.objects.get(pk=story.pk).status == Status.REVIEW
    assert not StoryTransition.objects.filter(story=story).exists()
    assert "Pick a" in response.content.decode()


def test_a_transition_is_a_post_with_a_csrf_token(editor):
    from django.test import Client

    story = StoryFactory(in_review=True)
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.get(transition_url(story, "publish")).status_code == 405
    assert client.post(transition_url(story, "publish")).status_code == 403
    assert Story.objects.get(pk=story.pk).status == Status.REVIEW


def test_the_status_is_never_a_form_field(client, editor):
    story = StoryFactory()
    client.force_login(editor)
    response = client.get(change_url(story))
    html = response.content.decode()
    assert 'name="status"' not in html
    assert 'name="published_at"' not in html


def test_the_history_of_moves_is_shown_read_only(client, writer, editor):
    from stories import workflow

    story = make_story("draft", writer)
    workflow.submit_for_review(story, writer)
    workflow.request_changes(story, editor, "Add the mayor’s response.")
    client.force_login(editor)
    html = client.get(change_url(story)).content.decode()
    history = re.search(r'<section class="module transition-history".*?</section>', html, re.S).group(0)
    assert "Draft → In review" in history
    assert "In review → Draft" in history
    assert "Add the mayor’s response." in history
    assert "<input" not in history and "<textarea" not in history


def test_the_story_page_has_no_inline_script_or_style(client, editor):
    story = StoryFactory(published=True)
    client.force_login(editor)
    html = client.get(change_url(story)).content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts
    # Data, not code: JSON, and the body editor's import map (which the browser takes only with the page's nonce).
    data = ('type="application/json"', 'type="importmap" nonce="')
    inline = [tag for tag in scripts if "src=" not in tag and not any(kind in tag for kind in data)]
    assert inline == []
    assert " style=" not in html
    assert not re.search(r"\son[a-z]+=", html)
