"""The moves of a story between its states (see the package's docstring for the diagram)."""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from .. import purging
from ..dates import format_local
from ..models import Highlight, Status, Story, StoryTransition, is_embargoed
from .notifications import notify
from .planning import file_story
from .rights import is_editor, may
from .rules import STATE_PHRASES, TRANSITIONS, TransitionError, check_highlight_count


def submit_for_review(story: Story, user, comment: str = "") -> Story:
    """Draft → review, by the story's writer or an editor. Needs 1–5 highlights."""
    return _transition("submit_for_review", story, user, comment)


def request_changes(story: Story, user, comment: str) -> Story:
    """Review → draft, by an editor, with a comment telling the writer what to change."""
    return _transition("request_changes", story, user, comment)


def publish(story: Story, user, at: datetime | None = None, comment: str = "") -> Story:
    """Review → published, by an editor.

    `at` in the future schedules the story: it goes live at that time with no
    further action. `at` in the past backdates it (imports use that).
    """
    return _transition("publish", story, user, comment, at=at)


def schedule(story: Story, user, at: datetime | None, comment: str = "") -> Story:
    """Review → published at `at`, a time still to come (the desk's "Schedule…"); `publish` backdates."""
    if at is None:
        raise TransitionError("Pick a date and time to schedule the story.", code="no_time")
    if timezone.is_aware(at) and at <= timezone.now():
        raise TransitionError("Pick a time in the future, or use “Publish now”.", code="past_schedule")
    return publish(story, user, at=at, comment=comment)


def unpublish(story: Story, user, comment: str) -> Story:
    """Published (or scheduled) → draft, by an editor, with the reason. The publication time is cleared."""
    return _transition("unpublish", story, user, comment)


def withdraw(story: Story, user, comment: str = "") -> Story:
    """Review → draft, by its writer (who wants it back) or an editor: nobody reviews it meanwhile."""
    return _transition("withdraw", story, user, comment)


def kill(story: Story, user, comment: str) -> Story:
    """Published → killed, by an editor, with the public notice its address shows from now on (410 Gone).

    For legal takedowns and grave errors: the story leaves every page, list, feed, sitemap and search at once
    (the purge after the commit). Only a superuser brings it back (`reinstate`).
    """
    return _transition("kill", story, user, comment)


def reinstate(story: Story, user, comment: str) -> Story:
    """Killed → draft, by a superuser only, with the reason; the desk may then publish it again."""
    return _transition("reinstate", story, user, comment)


def lift_embargo(story: Story, user, comment: str) -> Story:
    """End `story`'s embargo now, by an editor, with the reason (audited; the status does not change).

    A published story held by its embargo (its publication time was the embargo's end) goes live at once; one
    scheduled for later than the embargo keeps its time.
    """
    comment = (comment or "").strip()
    if user is not None and not is_editor(user):
        raise PermissionDenied("You may not lift this story's embargo.")
    if not comment:
        raise TransitionError("Lifting an embargo early needs a reason.", code="comment_required")
    with transaction.atomic():
        locked = Story.objects.select_for_update().get(pk=story.pk)
        ends, now = locked.embargo_until, timezone.now()
        if not is_embargoed(ends, now):
            raise TransitionError(
                "This story is not under embargo. Someone may have lifted it meanwhile; reload the page.",
                code="not_embargoed",
            )
        locked.embargo_until = None
        locked.version += 1
        locked.last_edited_by = user  # the desk's "Last edited … by" names who made the last move
        fields = ["embargo_until", "version", "last_edited_by", "updated_at"]
        if locked.status == Status.PUBLISHED and locked.published_at == ends:
            locked.published_at = now
            fields.append("published_at")
        locked.save(update_fields=fields)
        StoryTransition.objects.create(
            story=locked,
            from_status=locked.status,
            to_status=locked.status,
            actor=user,
            comment=f"Embargo until {format_local(ends)} lifted early: {comment}",
        )
    _copy_state(locked, story)
    story.embargo_until = None
    return story


def _transition(name: str, story: Story, user, comment: str, at: datetime | None = None) -> Story:
    spec = TRANSITIONS[name]
    comment = (comment or "").strip()
    if user is not None and not may(user, name, story):
        raise PermissionDenied(f"You may not {spec.action}.")
    if spec.needs_comment and not comment:
        raise TransitionError(f"{spec.label} needs {spec.needs_comment}.", code="comment_required")
    if at is not None and timezone.is_naive(at):
        raise TransitionError("The publication time needs a time zone.", code="naive_datetime")

    with transaction.atomic():
        locked = Story.objects.select_for_update().get(pk=story.pk)
        # Rights again on the fresh row: ownership or state may have changed.
        if user is not None and not may(user, name, locked):
            raise PermissionDenied(f"You may not {spec.action}.")
        if locked.status != spec.source:
            now = "scheduled" if locked.is_scheduled else STATE_PHRASES[Status(locked.status)]
            raise TransitionError(
                f"Cannot {spec.action}: it is {now}, not {STATE_PHRASES[Status(spec.source)]}. "
                "Someone may have moved it meanwhile; reload the page.",
                code="wrong_state",
            )
        if spec.target in (Status.REVIEW, Status.PUBLISHED):
            _check_highlights(locked)

        locked.status = spec.target
        # A new edit version: a save made from a page opened before this move is refused as an edit
        # conflict, instead of landing on a story in a state it was not made for.
        locked.version += 1
        # The desk's "Last edited … by" names who made the last move (nobody, for the system's).
        locked.last_edited_by = user
        fields = ["status", "version", "last_edited_by", "updated_at"]
        if spec.source == Status.PUBLISHED and locked.is_covered_live:
            # Readers no longer see the story: its live coverage ends with it (its updates stay, should it return).
            locked.live_ended_at = timezone.now()
            fields.append("live_ended_at")
        if spec.target == Status.PUBLISHED:
            # Never before its embargo ends: publishing an embargoed story schedules it for the embargo's end.
            locked.published_at = max(filter(None, [at or timezone.now(), locked.embargo_until]))
            # A new publication: what readers were told changed before it is older news than the story itself.
            locked.modified_at = None
            fields += ["published_at", "modified_at"]
        elif spec.target == Status.DRAFT and locked.published_at is not None:
            # A draft has no publication time: unpublishing a scheduled story cancels its schedule, and
            # publishing it again later (or a reinstated story) sets a fresh time. A killed story keeps it.
            locked.published_at = None
            fields.append("published_at")
        locked.save(update_fields=fields)
        StoryTransition.objects.create(
            story=locked,
            from_status=spec.source,
            to_status=spec.target,
            actor=user,
            comment=comment,
        )
        if name == "submit_for_review":
            file_story(locked, user)  # its assignment, if it has one, is filed in the same transaction
        transaction.on_commit(lambda: notify(name, locked, user, comment))

    _copy_state(locked, story)
    return story


def _copy_state(locked: Story, story: Story) -> None:
    """Give the caller's copy of the story what a move changed on its row."""
    story.status = locked.status
    story.published_at = locked.published_at
    story.updated_at = locked.updated_at
    story.version = locked.version
    story.live_ended_at = locked.live_ended_at
    story.last_edited_by = locked.last_edited_by


def _check_highlights(story: Story) -> None:
    check_highlight_count(Highlight.objects.filter(story=story).count())


def publish_imported(stories_with_times: list[tuple[Story, datetime]], user) -> None:
    """Publish imported stories, each at its document's date: a few queries, whatever their number.

    The same moves and rules as `submit_for_review` then `publish`: a draft goes
    draft → review → published, a story in review review → published, and the
    audit shows every move (actor `user`, or None for the system). Stories already
    published are left as they are. With a `user`, they must hold what `publish`
    needs. Nobody is asked to review, so no email is sent. If any story breaks a
    rule, nothing changes.
    """
    for _story, at in stories_with_times:
        if timezone.is_naive(at):
            raise TransitionError("The publication time needs a time zone.", code="naive_datetime")
    at_by_pk = {story.pk: at for story, at in stories_with_times}
    if not at_by_pk:
        return
    with transaction.atomic():
        locked = list(Story.objects.select_for_update().filter(pk__in=at_by_pk).order_by("pk"))
        killed = next((story for story in locked if story.status == Status.KILLED), None)
        if killed is not None:
            # An import is no way back for a story taken down: only a superuser reinstates it (then publishes).
            raise TransitionError(
                f"“{killed.title}” was killed: only a superuser can reinstate it.", code="wrong_state"
            )
        moving = [story for story in locked if story.status != Status.PUBLISHED]
        if not moving:
            return
        if user is not None and not all(may(user, "publish", story) for story in moving):
            raise PermissionDenied(f"You may not {TRANSITIONS['publish'].action}.")
        # The highlights rule, with one grouped count for all of them.
        counts = Highlight.objects.counts_by_story(moving)
        for story in moving:
            try:
                check_highlight_count(counts.get(story.pk, 0))
            except TransitionError as exc:
                raise TransitionError(f"“{story.title}”: {exc.message}", code=exc.code) from None

        now = timezone.now()
        transitions = []
        for story in moving:
            moves = [(Status.DRAFT, Status.REVIEW)] if story.status == Status.DRAFT else []
            moves.append((Status.REVIEW, Status.PUBLISHED))
            transitions += [
                StoryTransition(story=story, from_status=source, to_status=target, actor=user, created_at=now)
                for source, target in moves
            ]
            at = max(filter(None, [at_by_pk[story.pk], story.embargo_until]))  # never before its embargo ends
            story.status, story.published_at, story.updated_at = Status.PUBLISHED, at, now
            story.modified_at = None  # a new publication, as `publish` makes it
            story.version += 1  # as every transition does (see _transition)
            story.last_edited_by = user
        with purging.stories_changing(story.pk for story in moving):  # a bulk update sends no signal
            Story.objects.bulk_update(
                moving, ["status", "published_at", "modified_at", "updated_at", "version", "last_edited_by"]
            )
        StoryTransition.objects.bulk_create(transitions)

    moved = {story.pk: story for story in moving}
    for story, _at in stories_with_times:
        if story.pk in moved:
            story.status = Status.PUBLISHED
            story.published_at, story.updated_at = moved[story.pk].published_at, moved[story.pk].updated_at
            story.version = moved[story.pk].version
            story.last_edited_by = user


def record_published_imports(stories_with_names: list[tuple[Story, str]], user) -> None:
    """Audit imports that replaced a published story's text: one row each, by `user` (None: the system).

    Not a move (the story stays published, and the row says so), but what readers see changed at once,
    and the audit trail, shown on the story's page, is where the desk looks for who changed a live
    story and how. Each row names the document (`name`); the story's revisions hold both texts.
    """
    StoryTransition.objects.bulk_create(
        StoryTransition(
            story=story,
            from_status=Status.PUBLISHED,
            to_status=Status.PUBLISHED,
            actor=user,
            comment=f"Published text replaced by the import of {name}; its revisions keep the text it replaced.",
        )
        for story, name in stories_with_names
    )
