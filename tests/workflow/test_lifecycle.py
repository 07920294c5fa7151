"""After publication: embargo (set, extended, lifted), expiry, kill and reinstate, with their rights and their audit."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from stories import workflow
from stories.dates import format_local
from stories.models import Status, Story, StoryTransition
from tests.factories import StoryFactory

pytestmark = pytest.mark.django_db

NOTICE = "Removed on legal advice."


def _later(**delta):
    return timezone.now() + timedelta(**delta)


def _snapshot(story):
    story.refresh_from_db()
    return (story.status, story.published_at, story.embargo_until, story.version)


@pytest.fixture
def embargoed(writer):
    """A story in review under a two-hour embargo."""
    story = StoryFactory(in_review=True, created_by=writer, embargo_until=_later(hours=2))
    story.authors.add(writer)
    return story


# --- Publishing under embargo ------------------------------------------------------------------------


def test_publishing_an_embargoed_story_holds_it_until_the_embargo_ends(editor, embargoed):
    workflow.publish(embargoed, editor)
    embargoed.refresh_from_db()
    assert embargoed.status == Status.PUBLISHED
    assert embargoed.published_at == embargoed.embargo_until
    assert not embargoed.is_live
    assert not Story.objects.live().filter(pk=embargoed.pk).exists()


def test_scheduling_after_the_embargo_keeps_the_chosen_time(editor, embargoed):
    at = _later(hours=5)
    workflow.publish(embargoed, editor, at=at)
    embargoed.refresh_from_db()
    assert embargoed.published_at == at


def test_scheduling_before_the_embargo_ends_waits_for_it(editor, embargoed):
    workflow.publish(embargoed, editor, at=_later(hours=1))
    embargoed.refresh_from_db()
    assert embargoed.published_at == embargoed.embargo_until


def test_an_embargoed_story_goes_live_once_its_embargo_passes(editor, embargoed, monkeypatch):
    workflow.publish(embargoed, editor)
    later = embargoed.embargo_until + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert Story.objects.live().filter(pk=embargoed.pk).exists()


# --- Lifting an embargo ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["writer", "other_writer", "moderator"])
def test_only_editors_lift_an_embargo(request, embargoed, role):
    before = _snapshot(embargoed)
    with pytest.raises(PermissionDenied):
        workflow.lift_embargo(embargoed, request.getfixturevalue(role), "The minister spoke early")
    assert _snapshot(embargoed) == before
    assert not StoryTransition.objects.filter(story=embargoed).exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_lifting_an_embargo_needs_a_reason(editor, embargoed, reason):
    before = _snapshot(embargoed)
    with pytest.raises(workflow.TransitionError) as raised:
        workflow.lift_embargo(embargoed, editor, reason)
    assert raised.value.code == "comment_required"
    assert _snapshot(embargoed) == before
    assert not StoryTransition.objects.filter(story=embargoed).exists()


@pytest.mark.parametrize("role", ["editor", "admin_user"])
def test_an_editor_lifts_an_embargo_and_the_history_keeps_its_time(request, embargoed, role):
    person = request.getfixturevalue(role)
    ends, version = embargoed.embargo_until, embargoed.version
    workflow.lift_embargo(embargoed, person, "The minister spoke early")
    embargoed.refresh_from_db()
    assert embargoed.embargo_until is None
    assert embargoed.status == Status.REVIEW
    assert embargoed.version == version + 1
    record = StoryTransition.objects.get(story=embargoed)
    assert record.actor == person
    assert record.from_status == record.to_status == Status.REVIEW
    assert format_local(ends) in record.comment
    assert "The minister spoke early" in record.comment


def test_a_published_story_held_by_its_embargo_goes_live_when_it_is_lifted(editor, embargoed):
    workflow.publish(embargoed, editor)
    workflow.lift_embargo(embargoed, editor, "Agency broke it")
    embargoed.refresh_from_db()
    assert embargoed.is_live
    assert embargoed.published_at <= timezone.now()
    assert Story.objects.live().filter(pk=embargoed.pk).exists()


def test_a_story_scheduled_after_its_embargo_keeps_its_time_when_it_is_lifted(editor, embargoed):
    at = _later(hours=6)
    workflow.publish(embargoed, editor, at=at)
    workflow.lift_embargo(embargoed, editor, "Agency broke it")
    embargoed.refresh_from_db()
    assert embargoed.published_at == at
    assert embargoed.is_scheduled


def test_a_story_not_under_embargo_has_none_to_lift(editor):
    story = StoryFactory(published=True)
    with pytest.raises(workflow.TransitionError) as raised:
        workflow.lift_embargo(story, editor, "Why not")
    assert raised.value.code == "not_embargoed"
    assert not StoryTransition.objects.filter(story=story).exists()


# --- Setting an embargo by editing -----------------------------------------------------------------


def _edit_embargo(story, user, wanted):
    story.refresh_from_db()
    story.embargo_until = wanted
    # A refused edit undoes its caller's transaction (as the admin's save): the test's own goes on.
    with transaction.atomic():
        return workflow.edit_story(story, user, fields=["embargo_until"], base_version=story.version)


def test_a_writer_puts_their_draft_under_embargo_and_extends_it(writer):
    story = StoryFactory(created_by=writer)
    story.authors.add(writer)
    first, second = _later(hours=2), _later(hours=5)
    _edit_embargo(story, writer, first)
    story.refresh_from_db()
    assert story.embargo_until == first
    _edit_embargo(story, writer, second)
    story.refresh_from_db()
    assert story.embargo_until == second


@pytest.mark.parametrize("role", ["writer", "editor", "admin_user"])
@pytest.mark.parametrize("change", ["earlier", "cleared"])
def test_nobody_shortens_an_embargo_by_editing(request, writer, role, change):
    ends = _later(hours=5)
    story = StoryFactory(created_by=writer, embargo_until=ends)
    story.authors.add(writer)
    with pytest.raises(workflow.TransitionError) as raised:
        _edit_embargo(story, request.getfixturevalue(role), _later(hours=1) if change == "earlier" else None)
    assert raised.value.code == "embargo_shortened"
    story.refresh_from_db()
    assert story.embargo_until == ends


@pytest.mark.parametrize("wanted", [{"hours": 2}, {"minutes": -10}])
def test_a_live_story_cannot_be_put_under_embargo(editor, wanted):
    """Not in the future (readers already see it), nor in the past after its publication (which would say it
    went live before its embargo ended)."""
    story = StoryFactory(published=True)
    with pytest.raises(workflow.TransitionError) as raised:
        _edit_embargo(story, editor, _later(**wanted))
    assert raised.value.code == "embargo_live"
    story.refresh_from_db()
    assert story.embargo_until is None


def test_a_scheduled_story_cannot_be_embargoed_past_its_time(editor):
    story = StoryFactory(scheduled=True)  # a day ahead
    with pytest.raises(workflow.TransitionError) as raised:
        _edit_embargo(story, editor, _later(days=2))
    assert raised.value.code == "embargo_after_schedule"
    _edit_embargo(story, editor, _later(hours=3))  # ending before its time is fine
    story.refresh_from_db()
    assert story.embargo_until is not None


def test_a_killed_story_takes_no_embargo_after_its_publication(admin_user, editor):
    story = StoryFactory(published=True)
    workflow.kill(story, editor, NOTICE)
    with pytest.raises(workflow.TransitionError):
        _edit_embargo(story, admin_user, _later(hours=2))
    story.refresh_from_db()
    assert story.embargo_until is None


# --- Kill and reinstate ------------------------------------------------------------------------------


def test_an_editor_kills_a_published_story_with_a_public_notice(editor):
    story = StoryFactory(published=True)
    published_at, version = story.published_at, story.version
    workflow.kill(story, editor, NOTICE)
    story.refresh_from_db()
    assert story.status == Status.KILLED
    assert story.published_at == published_at  # kept: it was public from then
    assert story.version == version + 1
    assert StoryTransition.objects.get(story=story, to_status=Status.KILLED).comment == NOTICE
    assert Story.objects.gone().filter(pk=story.pk).exists()
    assert not Story.objects.live().filter(pk=story.pk).exists()


def test_a_kill_needs_its_notice(editor):
    story = StoryFactory(published=True)
    with pytest.raises(workflow.TransitionError):
        workflow.kill(story, editor, " ")
    story.refresh_from_db()
    assert story.status == Status.PUBLISHED


@pytest.mark.parametrize("role", ["writer", "moderator"])
def test_only_editors_kill(request, role):
    story = StoryFactory(published=True)
    with pytest.raises(PermissionDenied):
        workflow.kill(story, request.getfixturevalue(role), NOTICE)
    story.refresh_from_db()
    assert story.status == Status.PUBLISHED


@pytest.mark.parametrize("role", ["writer", "editor", "moderator"])
def test_only_a_superuser_reinstates_a_killed_story(request, editor, role):
    story = StoryFactory(published=True)
    workflow.kill(story, editor, NOTICE)
    story.refresh_from_db()
    before = _snapshot(story)
    with pytest.raises(PermissionDenied):
        workflow.reinstate(story, request.getfixturevalue(role), "The court lifted the order")
    assert _snapshot(story) == before


def test_a_reinstated_story_is_a_draft_with_a_new_version(admin_user, editor):
    story = StoryFactory(published=True)
    workflow.kill(story, editor, NOTICE)
    story.refresh_from_db()
    version = story.version
    workflow.reinstate(story, admin_user, "The court lifted the order")
    story.refresh_from_db()
    assert story.status == Status.DRAFT
    assert story.published_at is None
    assert story.version == version + 1
    record = StoryTransition.objects.filter(story=story).latest("pk")
    assert (record.from_status, record.to_status, record.actor) == (Status.KILLED, Status.DRAFT, admin_user)
    assert not Story.objects.gone().filter(pk=story.pk).exists()


def test_an_editor_cannot_edit_a_killed_story(editor, admin_user):
    story = StoryFactory(published=True)
    workflow.kill(story, editor, NOTICE)
    story.refresh_from_db()
    assert not workflow.can_edit(editor, story)
    assert workflow.can_edit(admin_user, story)


# --- Expiry ------------------------------------------------------------------------------------------


def test_an_expired_story_leaves_the_live_stories_and_is_gone():
    story = StoryFactory(published=True, expires_at=_later(minutes=-1))
    assert not Story.objects.live().filter(pk=story.pk).exists()
    assert Story.objects.expired().filter(pk=story.pk).exists()
    assert Story.objects.gone().filter(pk=story.pk).exists()
    assert not story.is_live
    assert story.is_expired


def test_a_story_is_live_until_its_expiry(monkeypatch):
    ends = _later(hours=1)
    story = StoryFactory(published=True, expires_at=ends)
    assert story.is_live and not story.is_expired
    assert Story.objects.live().filter(pk=story.pk).exists()
    monkeypatch.setattr(timezone, "now", lambda: ends)
    assert not story.is_live and story.is_expired
    assert not Story.objects.live().filter(pk=story.pk).exists()


@pytest.mark.parametrize("state", ["draft", "review", "scheduled", "embargoed"])
def test_stories_readers_never_saw_are_not_gone(state):
    traits = {"draft": {}, "review": {"in_review": True}, "scheduled": {"scheduled": True}}
    traits["embargoed"] = {"embargo_until": _later(hours=2)}
    story = StoryFactory(**traits[state], expires_at=_later(minutes=-1) if state != "scheduled" else None)
    assert not Story.objects.gone().filter(pk=story.pk).exists()
