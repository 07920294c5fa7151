"""A scheduled story's page in the desk: Publish now, Reschedule… and Cancel schedule…, who sees them, what they do,
and a refused reschedule's error next to its time."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stories import workflow
from stories.dates import format_local
from stories.models import Status, Story, StoryTransition
from tests.factories import StoryFactory
from tests.story_admin_helpers import change_url, transition_url
from tests.workflow_helpers import ROLES, SCHEDULE_RIGHTS, STATES, make_story

pytestmark = pytest.mark.django_db

# How each button shows in the panel ("Publish now" of a story in review is the publish move's).
LABELS = {
    'data-workflow="publish_now"': "publish_now",
    ">Reschedule…<": "reschedule",
    ">Cancel schedule…<": "cancel_schedule",
}


def _panel(response):
    found = re.search(r'<section class="workflow-panel".*?</section>', response.content.decode(), re.S)
    return found.group(0) if found else ""


def _offered(response):
    panel = _panel(response)
    return {name for label, name in LABELS.items() if label in panel}


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _local_input(value):
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def _whole_minutes(**delta):
    return (timezone.localtime() + timedelta(**delta)).replace(second=0, microsecond=0)


@pytest.fixture
def scheduled(writer):
    story = StoryFactory(scheduled=True, created_by=writer, title="Budget vote tonight")
    story.authors.add(writer)
    return story


def _state(story):
    row = Story.objects.get(pk=story.pk)
    return row.status, row.published_at, StoryTransition.objects.filter(story=story).count()


# --- Who sees which button -------------------------------------------------------------------------------


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_the_scheduling_buttons_show_only_to_editors_on_a_scheduled_story(request, client, writer, role, state):
    user = request.getfixturevalue(role)
    story = make_story(state, writer)
    client.force_login(user)
    response = client.get(change_url(story))
    if response.status_code == 302:  # someone else's unpublished story does not exist for them
        assert role == "other_writer"
        return
    expected = {name for name in LABELS.values() if state == "scheduled" and role in SCHEDULE_RIGHTS[name]}
    assert _offered(response) == expected


def test_a_story_held_by_its_embargo_offers_no_publish_now(client, editor, writer):
    story = StoryFactory(in_review=True, created_by=writer, embargo_until=timezone.now() + timedelta(hours=5))
    workflow.publish(story, editor)
    client.force_login(editor)
    assert _offered(client.get(change_url(story))) == {"reschedule", "cancel_schedule"}


def test_the_dialogs_say_when_it_goes_live_now_and_offer_the_time_to_change(client, editor, scheduled):
    client.force_login(editor)
    panel = _panel(client.get(change_url(scheduled)))
    when = format_local(scheduled.published_at)
    assert f'data-confirm="Publish this story now instead of {when}? Readers will see it at once."' in panel
    assert '<label for="reschedule-at">Go live at' in panel
    assert f'value="{_local_input(scheduled.published_at)}"' in panel
    assert "Why is the schedule cancelled? (optional" in panel
    # The reason for a cancel is optional: the box is not required.
    assert re.search(r'<textarea id="comment-cancel_schedule"[^>]*>', panel).group(0).count("required") == 0


# --- What each does --------------------------------------------------------------------------------------


def test_rescheduling_moves_the_time_and_says_when(client, editor, scheduled):
    was, at = scheduled.published_at, _whole_minutes(days=3)
    client.force_login(editor)
    response = client.post(transition_url(scheduled, "reschedule"), {"at": _local_input(at)}, follow=True)
    scheduled.refresh_from_db()
    assert scheduled.published_at == at
    html = response.content.decode()
    assert f"“Budget vote tonight” was rescheduled: it goes live on {format_local(at)}" in html
    assert f"(instead of {format_local(was)})" in html
    assert StoryTransition.objects.get(story=scheduled).actor == editor


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("", "Pick the new date and time it goes live."),
        ("next tuesday", "Pick the new date and time it goes live."),
        ("2001-01-01T09:00", "Pick a time in the future, or use “Publish now”."),
    ],
)
def test_a_refused_reschedule_shows_its_error_next_to_the_time(client, editor, scheduled, typed, says):
    before = _state(scheduled)
    client.force_login(editor)
    response = client.post(transition_url(scheduled, "reschedule"), {"at": typed}, follow=True)
    assert _state(scheduled) == before
    panel = _panel(response)
    dialog = re.search(r'<details class="workflow-details reschedule" open>.*?</details>', panel, re.S).group(0)
    assert f'<ul class="errorlist" id="reschedule-at-error"><li>{says}</li></ul>' in dialog
    assert 'aria-invalid="true" aria-describedby="reschedule-at-error"' in dialog
    assert f'value="{typed}"' in dialog  # what was typed, to correct
    assert not _messages(response)  # next to the field, not at the top of the page
    # Shown once: the next visit has the dialog closed again.
    assert "reschedule-at-error" not in _panel(client.get(change_url(scheduled)))


def test_a_reschedule_before_the_embargo_says_until_when_next_to_the_time(client, editor, writer):
    ends = _whole_minutes(days=2)
    story = StoryFactory(in_review=True, created_by=writer, embargo_until=ends)
    workflow.publish(story, editor)
    before = _state(story)
    client.force_login(editor)
    typed = _local_input(ends - timedelta(hours=3))
    response = client.post(transition_url(story, "reschedule"), {"at": typed}, follow=True)
    assert _state(story) == before
    error = re.search(r'<ul class="errorlist" id="reschedule-at-error"><li>(.*?)</li></ul>', _panel(response))
    assert f"under embargo until {format_local(ends)}: it cannot go live before then" in error.group(1)


def test_publish_now_makes_it_live_and_says_so(client, editor, scheduled):
    was = scheduled.published_at
    client.force_login(editor)
    response = client.post(transition_url(scheduled, "publish_now"), follow=True)
    scheduled.refresh_from_db()
    assert scheduled.is_live
    html = response.content.decode()
    assert f"“Budget vote tonight” is published and live since {format_local(scheduled.published_at)}" in html
    assert f"instead of on {format_local(was)}" in html
    assert _offered(response) == set()
    assert "Live since" in _panel(response)


def test_publish_now_under_embargo_is_refused_with_the_reason(client, editor, writer):
    story = StoryFactory(in_review=True, created_by=writer, embargo_until=timezone.now() + timedelta(hours=5))
    workflow.publish(story, editor)
    before = _state(story)
    client.force_login(editor)
    response = client.post(transition_url(story, "publish_now"), follow=True)
    assert _state(story) == before
    assert any("under embargo until" in m for m in _messages(response))


@pytest.mark.parametrize("reason", ["", "The council postponed the vote."])
def test_cancelling_the_schedule_puts_it_back_in_review(client, editor, scheduled, reason):
    was = scheduled.published_at
    client.force_login(editor)
    response = client.post(transition_url(scheduled, "cancel_schedule"), {"comment": reason}, follow=True)
    scheduled.refresh_from_db()
    assert (scheduled.status, scheduled.published_at) == (Status.REVIEW, None)
    html = response.content.decode()
    assert f"The schedule of “Budget vote tonight” was cancelled: it no longer goes live on {format_local(was)}" in html
    assert "back in review, for an editor to publish or schedule again" in html
    assert "Schedule…" in _panel(response)  # an editor may schedule it again from here
    audit = StoryTransition.objects.get(story=scheduled)
    assert audit.comment.startswith(f"Schedule for {format_local(was)} cancelled")
    assert reason in audit.comment


@pytest.mark.parametrize("name", list(LABELS.values()))
@pytest.mark.parametrize("role", ["writer", "moderator"])
def test_a_move_without_the_right_is_refused_and_changes_nothing(request, client, scheduled, role, name):
    before = _state(scheduled)
    client.force_login(request.getfixturevalue(role))
    response = client.post(transition_url(scheduled, name), {"at": _local_input(_whole_minutes(days=3))})
    assert response.status_code == 302
    assert _state(scheduled) == before
    assert any("may not" in m for m in _messages(response))


@pytest.mark.parametrize("name", list(LABELS.values()))
def test_a_move_on_a_story_no_longer_scheduled_is_refused(client, editor, name):
    story = StoryFactory(in_review=True)
    client.force_login(editor)
    response = client.post(transition_url(story, name), {"at": _local_input(_whole_minutes(days=3))}, follow=True)
    assert _state(story) == (Status.REVIEW, None, 0)
    assert "not scheduled" in response.content.decode()


def test_the_moves_are_posts_with_a_csrf_token(editor, scheduled):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    before = _state(scheduled)
    assert client.get(transition_url(scheduled, "publish_now")).status_code == 405
    assert client.post(transition_url(scheduled, "publish_now")).status_code == 403
    assert _state(scheduled) == before


def test_a_scheduled_storys_page_takes_the_same_queries_whatever_its_history(
    client, editor, scheduled, django_assert_num_queries
):
    client.force_login(editor)
    client.get(change_url(scheduled))  # warm the session and the content types cache
    with CaptureQueriesContext(connection) as short:
        assert client.get(change_url(scheduled)).status_code == 200
    for days in range(2, 6):
        workflow.reschedule(scheduled, editor, at=timezone.now() + timedelta(days=days))
    with django_assert_num_queries(len(short.captured_queries)):
        response = client.get(change_url(scheduled))
    assert response.content.decode().count("Rescheduled from") == 4
