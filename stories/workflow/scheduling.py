"""The moves of a scheduled story: a published story whose time is still to come (`Story.is_scheduled`).

    scheduled ──reschedule(at)──▶ scheduled (another time)
    scheduled ──publish_now─────▶ published and live
    scheduled ──cancel_schedule─▶ review (an editor may publish or schedule it again)

By editors. Like every move: one transaction, the row re-read under a lock, the right then the state checked, the
row changed with its edit version moved on, an audit row saying what changed (the old and the new time), the
cache purged after the commit (stories.purging, on the save). A refused move changes nothing. None of them ever
brings a story out before its embargo ends.
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from ..dates import format_local
from ..models import Status, Story, StoryTransition, is_embargoed, is_scheduled
from .rights import is_editor
from .rules import STATE_PHRASES, TransitionError
from .transitions import _copy_state  # the same fields as every move's: status, time, version

# How each move reads in a sentence: "You may not <action>.", "Cannot <action>: …".
ACTIONS = {
    "reschedule": "reschedule this story",
    "publish_now": "publish this story now",
    "cancel_schedule": "cancel this story's schedule",
}


def reschedule(story: Story, user, at: datetime | None, comment: str = "") -> Story:
    """Scheduled → scheduled at `at`, a time still to come, by an editor. Never before the story's embargo ends,
    nor at or after its expiry."""
    if user is not None and not is_editor(user):
        raise PermissionDenied(f"You may not {ACTIONS['reschedule']}.")
    if at is None:
        raise TransitionError("Pick the new date and time it goes live.", code="no_time")
    if timezone.is_naive(at):
        raise TransitionError("The publication time needs a time zone.", code="naive_datetime")
    with transaction.atomic():
        locked, was = _lock_scheduled(story, "reschedule")
        now = timezone.now()
        if at <= now:
            raise TransitionError("Pick a time in the future, or use “Publish now”.", code="past_schedule")
        if at == was:
            raise TransitionError(f"It is already scheduled for {format_local(at)}.", code="same_time")
        if is_embargoed(locked.embargo_until, now) and at < locked.embargo_until:
            raise TransitionError(
                f"It is under embargo until {format_local(locked.embargo_until)}: it cannot go live before then. "
                "Pick a later time, or lift the embargo first.",
                code="before_embargo",
            )
        if locked.expires_at is not None and at >= locked.expires_at:
            raise TransitionError(
                f"It expires {format_local(locked.expires_at)}: pick a time before that, or change its expiry.",
                code="after_expiry",
            )
        locked.published_at = at
        _save_and_audit(
            locked, user, Status.PUBLISHED, f"Rescheduled from {format_local(was)} to {format_local(at)}", comment
        )
    _copy_state(locked, story)
    return story


def publish_now(story: Story, user, comment: str = "") -> Story:
    """Scheduled → live now, by an editor. Refused while the story is under embargo (an editor lifts it first)."""
    if user is not None and not is_editor(user):
        raise PermissionDenied(f"You may not {ACTIONS['publish_now']}.")
    with transaction.atomic():
        locked, was = _lock_scheduled(story, "publish_now")
        now = timezone.now()
        if is_embargoed(locked.embargo_until, now):
            raise TransitionError(
                f"It is under embargo until {format_local(locked.embargo_until)}: it cannot go live before then. "
                "Lift the embargo first if it may be published now.",
                code="embargoed",
            )
        locked.published_at = now
        _save_and_audit(locked, user, Status.PUBLISHED, f"Published now instead of at {format_local(was)}", comment)
    _copy_state(locked, story)
    return story


def cancel_schedule(story: Story, user, comment: str = "") -> Story:
    """Scheduled → review, by an editor: the story no longer goes live at its time and waits, in review, for an
    editor to publish or schedule it again. Its embargo, if any, stays."""
    if user is not None and not is_editor(user):
        raise PermissionDenied(f"You may not {ACTIONS['cancel_schedule']}.")
    with transaction.atomic():
        locked, was = _lock_scheduled(story, "cancel_schedule")
        locked.status = Status.REVIEW
        locked.published_at = None
        _save_and_audit(locked, user, Status.REVIEW, f"Schedule for {format_local(was)} cancelled", comment)
    _copy_state(locked, story)
    return story


def _lock_scheduled(story: Story, name: str) -> tuple[Story, datetime]:
    """The story's row, locked, and the time it is scheduled for; refused unless it is scheduled."""
    locked = Story.objects.select_for_update().get(pk=story.pk)
    if not is_scheduled(locked.status, locked.published_at):
        live = locked.status == Status.PUBLISHED and locked.published_at is not None
        state = "already live" if live else STATE_PHRASES[Status(locked.status)]
        raise TransitionError(
            f"Cannot {ACTIONS[name]}: it is {state}, not scheduled. Someone may have moved it meanwhile; reload the "
            "page.",
            code="wrong_state",
        )
    return locked, locked.published_at


def _save_and_audit(locked: Story, user, to_status: str, what: str, comment: str) -> None:
    # A new edit version: a save made from a page opened before this move is refused as an edit conflict.
    locked.version += 1
    locked.save(update_fields=["status", "published_at", "version", "updated_at"])
    comment = (comment or "").strip()
    StoryTransition.objects.create(
        story=locked,
        from_status=Status.PUBLISHED,
        to_status=to_status,
        actor=user,
        comment=f"{what}: {comment}" if comment else f"{what}.",
    )
