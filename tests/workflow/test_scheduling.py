"""A scheduled story's moves: reschedule it, publish it now, cancel its schedule — rights, states, embargo, audit,
and what readers see (through the page cache) afterwards."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from stories import workflow
from stories.dates import format_local
from stories.models import Status, Story, StoryTransition
from tests.factories import StoryFactory
from tests.workflow_helpers import ROLES, SCHEDULE_RIGHTS, SCHEDULE_SOURCE, SCHEDULE_TARGET, STATES, make_story

pytestmark = pytest.mark.django_db

MOVES = list(SCHEDULE_SOURCE)


def _later(**delta):
    return timezone.now() + timedelta(**delta)


def run(name, story, user):
    if name == "reschedule":
        return workflow.reschedule(story, user, at=_later(days=3))
    return getattr(workflow, name)(story, user)


def snapshot(story):
    row = Story.objects.get(pk=story.pk)
    return row.status, row.published_at, row.version, StoryTransition.objects.filter(story=story).count()


def _reached(story, target):
    story.refresh_from_db()
    if target == "scheduled":
        return story.is_scheduled
    if target == "published":
        return story.is_live
    return story.status == target and story.published_at is None


@pytest.fixture
def scheduled(writer):
    story = StoryFactory(scheduled=True, created_by=writer, title="Budget vote tonight")
    story.authors.add(writer)
    return story


# --- The table: each role, each move, each state ---------------------------------------------------------


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("name", MOVES)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_make_exactly_the_scheduling_moves_of_the_table(request, role, name, state, writer):
    user = request.getfixturevalue(role)
    story = make_story(state, writer)
    before = snapshot(story)

    if role not in SCHEDULE_RIGHTS[name]:
        with pytest.raises(PermissionDenied):
            run(name, story, user)
        assert snapshot(story) == before
    elif state != SCHEDULE_SOURCE[name]:
        with pytest.raises(workflow.TransitionError) as refused:
            run(name, story, user)
        assert refused.value.code == "wrong_state"
        assert "not scheduled" in refused.value.message
        assert snapshot(story) == before
    else:
        run(name, story, user)
        assert _reached(story, SCHEDULE_TARGET[name])
        audit = StoryTransition.objects.get(story=story)
        assert (audit.from_status, audit.actor) == (Status.PUBLISHED, user)
        assert audit.to_status == (Status.REVIEW if name == "cancel_schedule" else Status.PUBLISHED)
        assert story.version == before[2] + 1  # a form opened before the move is refused as an edit conflict


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_the_desk_is_told_exactly_who_may_change_a_schedule(request, role, state, writer):
    user = request.getfixturevalue(role)
    story = make_story(state, writer)
    allowed = role in SCHEDULE_RIGHTS["reschedule"] and state == "scheduled"
    assert workflow.may_change_schedule(user, story) == allowed
    assert workflow.may_publish_now(user, story) == allowed


# --- Reschedule ----------------------------------------------------------------------------------------


def test_rescheduling_moves_the_time_and_the_history_says_from_when_to_when(editor, scheduled):
    was, at = scheduled.published_at, _later(days=2, hours=3)
    workflow.reschedule(scheduled, editor, at=at, comment="The minister's statement moved to Thursday.")
    assert scheduled.published_at == at  # the object in hand, too
    scheduled.refresh_from_db()
    assert (scheduled.status, scheduled.published_at) == (Status.PUBLISHED, at)
    assert not Story.objects.live().filter(pk=scheduled.pk).exists()
    audit = StoryTransition.objects.get(story=scheduled)
    assert audit.comment == (
        f"Rescheduled from {format_local(was)} to {format_local(at)}: The minister's statement moved to Thursday."
    )


def test_rescheduling_earlier_is_allowed_too(editor, scheduled):
    at = _later(minutes=30)
    workflow.reschedule(scheduled, editor, at=at)
    scheduled.refresh_from_db()
    assert scheduled.published_at == at
    assert StoryTransition.objects.get(story=scheduled).comment.endswith(f"to {format_local(at)}.")


@pytest.mark.parametrize(
    ("at", "code", "says"),
    [
        (None, "no_time", "Pick the new date and time"),
        ("past", "past_schedule", "Pick a time in the future"),
        ("naive", "naive_datetime", "time zone"),
        ("same", "same_time", "already scheduled for"),
    ],
)
def test_a_reschedule_without_a_new_time_to_come_is_refused_and_changes_nothing(editor, scheduled, at, code, says):
    at = {
        "past": _later(minutes=-5),
        "naive": _later(days=2).replace(tzinfo=None),
        "same": scheduled.published_at,
    }.get(at)
    before = snapshot(scheduled)
    with pytest.raises(workflow.TransitionError) as refused:
        workflow.reschedule(scheduled, editor, at=at)
    assert refused.value.code == code
    assert says in refused.value.message
    assert snapshot(scheduled) == before


def test_a_reschedule_before_the_embargo_ends_is_refused_with_the_embargo_named(editor, writer):
    ends = _later(days=2)
    story = StoryFactory(in_review=True, created_by=writer, embargo_until=ends)
    workflow.publish(story, editor, at=_later(days=3))
    before = snapshot(story)
    with pytest.raises(workflow.TransitionError) as refused:
        workflow.reschedule(story, editor, at=_later(days=1))
    assert refused.value.code == "before_embargo"
    assert f"under embargo until {format_local(ends)}" in refused.value.message
    assert "lift the embargo" in refused.value.message
    assert snapshot(story) == before


def test_a_story_under_embargo_may_be_rescheduled_to_its_end_or_later(editor, writer):
    ends = _later(days=2)
    story = StoryFactory(in_review=True, created_by=writer, embargo_until=ends)
    workflow.publish(story, editor)  # held by its embargo: scheduled for its end
    workflow.reschedule(story, editor, at=ends + timedelta(hours=4))
    story.refresh_from_db()
    assert story.published_at == ends + timedelta(hours=4)
    workflow.reschedule(story, editor, at=ends)
    story.refresh_from_db()
    assert story.published_at == ends


def test_a_reschedule_at_or_after_the_expiry_is_refused(editor, writer):
    expires = _later(days=2)
    story = StoryFactory(scheduled=True, created_by=writer, expires_at=expires)
    before = snapshot(story)
    with pytest.raises(workflow.TransitionError, match="expires") as refused:
        workflow.reschedule(story, editor, at=expires)
    assert refused.value.code == "after_expiry"
    assert snapshot(story) == before


# --- Publish now ---------------------------------------------------------------------------------------


def test_publishing_now_makes_a_scheduled_story_live_at_once(editor, scheduled):
    was = scheduled.published_at
    workflow.publish_now(scheduled, editor)
    scheduled.refresh_from_db()
    assert scheduled.is_live
    assert scheduled.published_at <= timezone.now()
    assert Story.objects.live().filter(pk=scheduled.pk).exists()
    audit = StoryTransition.objects.get(story=scheduled)
    assert (audit.from_status, audit.to_status) == (Status.PUBLISHED, Status.PUBLISHED)
    assert audit.comment == f"Published now instead of at {format_local(was)}."


def test_publishing_now_under_embargo_is_refused_and_changes_nothing(editor, writer):
    ends = _later(hours=6)
    story = StoryFactory(in_review=True, created_by=writer, embargo_until=ends)
    workflow.publish(story, editor)
    before = snapshot(story)
    with pytest.raises(workflow.TransitionError) as refused:
        workflow.publish_now(story, editor)
    assert refused.value.code == "embargoed"
    assert f"under embargo until {format_local(ends)}" in refused.value.message
    assert snapshot(story) == before
    assert not workflow.may_publish_now(editor, story)
    assert workflow.may_change_schedule(editor, story)  # it may still be rescheduled or cancelled


def test_publishing_now_after_the_embargo_is_lifted_works(editor, writer):
    story = StoryFactory(in_review=True, created_by=writer, embargo_until=_later(hours=6))
    workflow.publish(story, editor, at=_later(days=1))  # scheduled after the embargo: it keeps its time when lifted
    workflow.lift_embargo(story, editor, "The ministry published early.")
    workflow.publish_now(story, editor)
    story.refresh_from_db()
    assert story.is_live


# --- Cancel the schedule -------------------------------------------------------------------------------


def test_cancelling_a_schedule_puts_the_story_back_in_review_for_an_editor(editor, scheduled):
    was = scheduled.published_at
    workflow.cancel_schedule(scheduled, editor, comment="Waiting for the council's figures.")
    assert (scheduled.status, scheduled.published_at) == (Status.REVIEW, None)
    scheduled.refresh_from_db()
    assert (scheduled.status, scheduled.published_at) == (Status.REVIEW, None)
    audit = StoryTransition.objects.get(story=scheduled)
    assert (audit.from_status, audit.to_status, audit.actor) == (Status.PUBLISHED, Status.REVIEW, editor)
    assert audit.comment == f"Schedule for {format_local(was)} cancelled: Waiting for the council's figures."
    # An editor may publish or schedule it again, as any story in review.
    assert {t.name for t in workflow.available_transitions(editor, scheduled)} == {
        "publish",
        "request_changes",
        "withdraw",
    }
    workflow.schedule(scheduled, editor, at=_later(days=4))
    scheduled.refresh_from_db()
    assert scheduled.is_scheduled


def test_cancelling_keeps_the_embargo(editor, writer):
    ends = _later(days=1)
    story = StoryFactory(in_review=True, created_by=writer, embargo_until=ends)
    workflow.publish(story, editor)
    workflow.cancel_schedule(story, editor)
    story.refresh_from_db()
    assert (story.status, story.published_at, story.embargo_until) == (Status.REVIEW, None, ends)
    assert StoryTransition.objects.filter(story=story).last().comment.endswith("cancelled.")


def test_a_move_from_a_stale_copy_is_refused(editor, scheduled):
    stale = Story.objects.get(pk=scheduled.pk)
    workflow.cancel_schedule(scheduled, editor)
    with pytest.raises(workflow.TransitionError, match="in review, not scheduled"):
        workflow.publish_now(stale, editor)
    assert Story.objects.get(pk=scheduled.pk).status == Status.REVIEW
    assert StoryTransition.objects.filter(story=scheduled).count() == 1


def test_a_story_whose_time_came_is_live_and_no_longer_scheduled(editor, scheduled, monkeypatch):
    later = scheduled.published_at + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with pytest.raises(workflow.TransitionError, match="already live"):
        workflow.cancel_schedule(scheduled, editor)


def test_the_system_may_act_and_is_recorded_as_no_one(scheduled):
    workflow.publish_now(scheduled, None)
    assert StoryTransition.objects.get(story=scheduled).actor is None


# --- What readers see: every move purges the pages it changes, after the commit (tests/cache/test_invalidation.py
# tries each on local memory and Redis) ----------------------------------------------------------------------


def test_a_move_rolled_back_purges_nothing(client, editor, scheduled):
    """Nothing is purged while the move's transaction is still open (a rolled-back move would leave a page
    that was never true)."""
    client.get("/")
    with pytest.raises(RuntimeError), transaction.atomic():
        workflow.publish_now(scheduled, editor)
        raise RuntimeError("rolled back")
    assert Story.objects.get(pk=scheduled.pk).is_scheduled
    assert scheduled.title not in client.get("/").text
    assert client.get("/")["X-Cache"] == "hit"


# --- Two editors at once ---------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL; SQLite serialises writers")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("moves", [("publish_now", "cancel_schedule"), ("cancel_schedule", "cancel_schedule")])
def test_two_editors_changing_one_schedule_at_once_exactly_one_wins(editor, admin_user, moves):
    story = StoryFactory(scheduled=True)
    barrier = threading.Barrier(2)
    outcomes = []

    def press(name, user):
        try:
            copy = Story.objects.get(pk=story.pk)  # each thread has its own connection
            barrier.wait(timeout=10)
            getattr(workflow, name)(copy, user)
            outcomes.append(("won", name))
        except workflow.TransitionError as exc:
            outcomes.append(("refused", exc.code))
        finally:
            close_old_connections()
            connection.close()

    threads = [
        threading.Thread(target=press, args=(name, user))
        for name, user in zip(moves, [editor, admin_user], strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(kind for kind, _ in outcomes) == ["refused", "won"]
    assert [detail for kind, detail in outcomes if kind == "refused"] == ["wrong_state"]
    winner = next(name for kind, name in outcomes if kind == "won")
    assert Story.objects.get(pk=story.pk).status == (Status.PUBLISHED if winner == "publish_now" else Status.REVIEW)
    assert StoryTransition.objects.filter(story=story).count() == 1
