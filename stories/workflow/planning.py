"""The planning desk's moves: an assignment from pitch to filed story.

    pitch ──▶ pitched ──assign──▶ assigned ──start_story──▶ (draft story, linked)
                 │                  │  ▲                      │ submit_for_review
                 └────decline───────┘  └──assign (reassign)   ▼
                         ▼                                  filed
                      declined

Writers pitch, and start the stories of the assignments given to them; editors assign (to any writer, with a
due time), reassign, decline (with a reason) and start any story. Each move, like a story's, runs in one
transaction, re-reads the row under a lock, checks the right (`PermissionDenied`) and the state
(`TransitionError`), writes only what it changes, keeps an `AssignmentEvent` and sends its email after the
commit. A refused move changes nothing.

An assignment becomes "filed" inside the transaction of `submit_for_review` of its story (`file_story`), so the
budget's state and the story's never disagree. After that the board reads the story's own status: a story sent
back for changes stays "filed" here, and shows "Draft" beside it.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ..dates import format_local
from ..models import Assignment, AssignmentEvent, AssignmentState, Priority, Section, Story, display_name
from .editing import byline_candidates, edit_story
from .notifications import queue_email
from .rights import is_editor
from .rules import TransitionError

logger = logging.getLogger(__name__)

State = AssignmentState


def may_pitch(user) -> bool:
    """Whoever may write stories may pitch one (writers, editors, superusers)."""
    return user.has_perm("stories.add_story")


def may_plan(user) -> bool:
    """Assigning, reassigning and declining are the editors'."""
    return is_editor(user)


def may_start(user, assignment: Assignment) -> bool:
    """The assignee starts their own story; an editor may start anyone's."""
    return may_plan(user) or (may_pitch(user) and assignment.assignee_id == user.pk)


def may_edit(user, assignment: Assignment) -> bool:
    """Editing an assignment's details: editors any; the one who pitched it, their pitch until it is decided."""
    if may_plan(user):
        return True
    return assignment.created_by_id == user.pk and assignment.state == State.PITCHED and may_pitch(user)


def is_open(assignment: Assignment) -> bool:
    """Pitched or assigned with no story started: it may still be assigned, reassigned or declined."""
    return assignment.state in (State.PITCHED, State.ASSIGNED) and assignment.story_id is None


def moves(user, assignment: Assignment) -> list[str]:
    """The moves `user` may make on `assignment` now ("assign", "start", "decline"): the board's buttons."""
    found = []
    if is_open(assignment) and may_plan(user):
        found.append("assign")
    if is_open(assignment) and assignment.state == State.ASSIGNED and may_start(user, assignment):
        found.append("start")
    if is_open(assignment) and may_plan(user):
        found.append("decline")
    return found


def assignable_people():
    """Who an assignment may be given to: active people who may write stories."""
    return byline_candidates().filter(is_active=True)


def may_see_board(user) -> bool:
    """The budget is the newsroom's: every member of staff who may see stories reads it."""
    return user.is_active and user.is_staff and user.has_perm("stories.view_story")


def pitch(
    user,
    title: str,
    *,
    desk: Section | None = None,
    notes: str = "",
    planned_words: int | None = None,
    due_at: datetime | None = None,
    priority: int = Priority.NORMAL,
) -> Assignment:
    """A new assignment in "pitched", pitched by `user` (None: the system)."""
    title = " ".join((title or "").split())
    if user is not None and not may_pitch(user):
        raise PermissionDenied("You may not pitch stories.")
    if not title:
        raise TransitionError("A pitch needs a working title.", code="no_title")
    _check_time(due_at)
    with transaction.atomic():
        assignment = Assignment.objects.create(
            title=title,
            desk=desk,
            notes=notes,
            planned_words=planned_words,
            due_at=due_at,
            priority=priority,
            created_by=user,
        )
        _record(assignment, "", State.PITCHED, user, "")
    return assignment


def assign(assignment: Assignment, user, assignee, due_at: datetime, comment: str = "") -> Assignment:
    """Pitched (or assigned: a reassignment) → assigned to `assignee`, due at `due_at`, by an editor.

    The assignee must be someone who may write stories. They get an email once the move commits.
    """
    if user is not None and not may_plan(user):
        raise PermissionDenied("You may not assign stories.")
    if assignee is None or not assignable_people().filter(pk=assignee.pk).exists():
        raise TransitionError("Choose a writer to assign it to.", code="no_assignee")
    if due_at is None:
        raise TransitionError("An assignment needs a due time.", code="no_due_time")
    _check_time(due_at)
    with transaction.atomic():
        locked = _lock(assignment)
        if not is_open(locked):
            raise _wrong_state(locked, "assign it")
        source = locked.state
        locked.assignee, locked.due_at, locked.state = assignee, due_at, State.ASSIGNED
        locked.save(update_fields=["assignee", "due_at", "state", "updated_at"])
        _record(locked, source, State.ASSIGNED, user, (comment or "").strip())
        transaction.on_commit(lambda: notify_assignee(locked, user))
    _copy(locked, assignment, "assignee", "due_at", "state", "updated_at")
    return assignment


def decline(assignment: Assignment, user, comment: str) -> Assignment:
    """Pitched or assigned (no story started) → declined, by an editor, with the reason."""
    comment = (comment or "").strip()
    if user is not None and not may_plan(user):
        raise PermissionDenied("You may not decline pitches.")
    if not comment:
        raise TransitionError("Declining needs a reason.", code="comment_required")
    with transaction.atomic():
        locked = _lock(assignment)
        if not is_open(locked):
            raise _wrong_state(locked, "decline it")
        source = locked.state
        locked.state = State.DECLINED
        locked.save(update_fields=["state", "updated_at"])
        _record(locked, source, State.DECLINED, user, comment)
    _copy(locked, assignment, "state", "updated_at")
    return assignment


def start_story(assignment: Assignment, user) -> Story:
    """The draft story of an assigned assignment, linked to it: headline its working title, section its desk,
    writer and byline its assignee. Written through `edit_story`, like every story. Starting twice is refused."""
    if user is not None and not may_start(user, assignment):
        raise PermissionDenied("You may not start this story.")
    with transaction.atomic():
        locked = _lock(assignment)
        if user is not None and not may_start(user, locked):
            raise PermissionDenied("You may not start this story.")
        if not (is_open(locked) and locked.state == State.ASSIGNED):
            raise _wrong_state(locked, "start its story")
        story = Story(
            title=locked.title,
            slug=Story.objects.free_slug(locked.title),
            section_id=locked.desk_id,
            created_by_id=locked.assignee_id,
        )
        edit_story(story, user, comment="Started from the budget.")
        locked.story = story
        locked.save(update_fields=["story", "updated_at"])
        _record(locked, State.ASSIGNED, State.ASSIGNED, user, "Story started.")
    _copy(locked, assignment, "story", "updated_at")
    return story


def file_story(story: Story, user) -> None:
    """Inside `submit_for_review`'s transaction: the assignment of `story`, if any, becomes filed."""
    locked = Assignment.objects.select_for_update().filter(story=story).first()
    if locked is None or locked.state == State.FILED:
        return
    source = locked.state
    locked.state = State.FILED
    locked.save(update_fields=["state", "updated_at"])
    _record(locked, source, State.FILED, user, "Submitted for review.")


def notify_assignee(assignment: Assignment, actor) -> None:
    """Email the assignee what they are to write and by when. Failures are logged (and retried), never raised."""
    person = assignment.assignee
    if person is None or not person.email or not person.is_active:
        return
    link = settings.SITE_URL.rstrip("/") + reverse("admin:stories_assignment_budget")
    who = display_name(actor) if actor else "The desk"
    due = format_local(assignment.due_at) if assignment.due_at else "no set time"
    message = f"{who} assigned you “{assignment.title}”, due {due}.\n\n"
    if assignment.notes:
        message += f"{assignment.notes}\n\n"
    message += f"The budget: {link}\n"
    queue_email(f"Assigned: {assignment.title}", message, [person.email], what=f"assignment {assignment.pk}'s email")


def _lock(assignment: Assignment) -> Assignment:
    return Assignment.objects.select_for_update().get(pk=assignment.pk)


def _record(assignment: Assignment, source: str, target: str, user, comment: str) -> None:
    AssignmentEvent.objects.create(
        assignment=assignment, from_state=source, to_state=target, actor=user, comment=comment
    )


def _copy(source: Assignment, target: Assignment, *fields: str) -> None:
    for name in fields:
        setattr(target, name, getattr(source, name))


def _wrong_state(assignment: Assignment, action: str) -> TransitionError:
    now = State(assignment.state).label.lower()
    if assignment.story_id is not None and assignment.state == State.ASSIGNED:
        now = "started"
    return TransitionError(
        f"Cannot {action}: it is {now}. Someone may have moved it meanwhile; reload the page.", code="wrong_state"
    )


def _check_time(at: datetime | None) -> None:
    if at is not None and timezone.is_naive(at):
        raise TransitionError("The due time needs a time zone.", code="naive_datetime")
