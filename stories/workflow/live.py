"""Live coverage inside a published story: editors open and close it, the desk posts updates while it runs.

`start_live` and `end_live` are audited like a move (a StoryTransition row whose status does not change, with
a comment saying what happened). Updates are posted by editors and by the writers on the story's byline,
edited and deleted by editors; each change keeps a revision (django-reversion), so an edited or deleted update
can be read back as it was. The pages that show the updates are purged after the commit by the receivers of
stories.purging, like every other change readers see.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from .. import revisions
from ..models import LiveUpdate, Status, Story, StoryTransition, display_name
from ..richtext import plain_text, sanitize_html
from .rights import is_editor
from .rules import TransitionError


def may_run_live(user, story: Story | None = None) -> bool:
    """Whether `user` may open and close a story's live coverage: editors."""
    return is_editor(user)


def may_post_update(user, story: Story) -> bool:
    """Whether `user` may post updates to `story`'s live coverage: editors, and the writers on its byline."""
    return is_editor(user) or (user.has_perm("stories.change_story") and story.is_owned_by(user))


def may_change_update(user, update: LiveUpdate | None = None) -> bool:
    """Whether `user` may edit or delete a posted update: editors."""
    return is_editor(user)


def start_live(story: Story, user, comment: str = "") -> Story:
    """Open live coverage of a published story, by an editor: the desk may post updates from now on.

    Refused (TransitionError) for a story that is not published (a draft, in review, scheduled, killed or
    expired) or whose coverage is already running. Coverage that ended may be opened again: its updates stay.
    """
    if user is not None and not may_run_live(user, story):
        raise PermissionDenied("You may not start live coverage of this story.")
    with transaction.atomic():
        locked = Story.objects.select_for_update().get(pk=story.pk)
        if locked.status != Status.PUBLISHED or not locked.is_live:
            raise TransitionError(
                "Only a story readers can see has live coverage: publish it first.", code="not_published"
            )
        if locked.is_covered_live:
            raise TransitionError(
                "Live coverage of this story is already running. Someone may have started it meanwhile; reload "
                "the page.",
                code="already_live",
            )
        now = timezone.now()
        reopened = locked.live_ended_at is not None
        locked.live_started_at = locked.live_started_at if reopened else now
        locked.live_ended_at = None
        locked.version += 1
        locked.last_edited_by = user
        locked.save(update_fields=["live_started_at", "live_ended_at", "version", "last_edited_by", "updated_at"])
        _audit(locked, user, "Live coverage reopened." if reopened else "Live coverage started.", comment)
    _copy_live_state(locked, story)
    return story


def end_live(story: Story, user, comment: str = "") -> Story:
    """Close a story's running live coverage, by an editor: its updates stay on the page, no new ones come."""
    if user is not None and not may_run_live(user, story):
        raise PermissionDenied("You may not end live coverage of this story.")
    with transaction.atomic():
        locked = Story.objects.select_for_update().get(pk=story.pk)
        if not locked.is_covered_live:
            raise TransitionError(
                "This story has no live coverage running. Someone may have ended it meanwhile; reload the page.",
                code="not_live",
            )
        locked.live_ended_at = timezone.now()
        locked.version += 1
        locked.last_edited_by = user
        locked.save(update_fields=["live_ended_at", "version", "last_edited_by", "updated_at"])
        _audit(locked, user, "Live coverage ended.", comment)
    _copy_live_state(locked, story)
    return story


def post_update(story: Story, user, *, body: str, headline: str = "", pinned: bool = False) -> LiveUpdate:
    """Post an update to `story`'s running live coverage, by an editor or a writer on its byline."""
    if user is not None and not may_post_update(user, story):
        raise PermissionDenied("You may not post updates to this story.")
    with transaction.atomic():
        # Locked so that an update never lands after the coverage was ended by someone else meanwhile.
        locked = Story.objects.select_for_update().get(pk=story.pk)
        if not (locked.is_covered_live and locked.is_live):
            raise TransitionError(
                "This story has no live coverage running: an editor starts it before updates can be posted.",
                code="not_live",
            )
        _check_body(body)
        update = LiveUpdate(story=locked, body=body, headline=headline.strip(), pinned=pinned, author=user)
        update.full_clean(exclude=["story", "author"])
        update.save()
        revisions.record_update(update, user, "Posted.")
    return update


def edit_update(update: LiveUpdate, user, *, body: str, headline: str = "", pinned: bool = False) -> LiveUpdate:
    """Change a posted update (its text, headline or key-event mark), by an editor; a revision keeps each change.

    Allowed after the coverage ended too: a mistake in an update is corrected whenever it is found.
    """
    if user is not None and not may_change_update(user, update):
        raise PermissionDenied("You may not edit this update.")
    with transaction.atomic():
        locked = LiveUpdate.objects.select_for_update().filter(pk=update.pk).first()
        if locked is None:
            raise TransitionError("This update was deleted meanwhile.", code="gone")
        _check_body(body)
        locked.body, locked.headline, locked.pinned = body, headline.strip(), pinned
        locked.full_clean(exclude=["story", "author"])
        locked.save(update_fields=["body", "headline", "pinned", "updated_at"])
        revisions.record_update(locked, user, "Edited.")
    update.body, update.headline, update.pinned, update.updated_at = (
        locked.body,
        locked.headline,
        locked.pinned,
        locked.updated_at,
    )
    return update


def delete_update(update: LiveUpdate, user) -> None:
    """Delete a posted update, by an editor. Its last text stays among its revisions (recoverable)."""
    if user is not None and not may_change_update(user, update):
        raise PermissionDenied("You may not delete this update.")
    with transaction.atomic():
        locked = LiveUpdate.objects.select_for_update().filter(pk=update.pk).first()
        if locked is None:
            return
        revisions.record_update(locked, user, f"Deleted by {display_name(user) if user else 'the system'}.")
        locked.delete()


def _check_body(body: str) -> None:
    if not plain_text(sanitize_html(body or "")).strip():
        raise TransitionError("An update needs some text.", code="empty_update")


def _audit(story: Story, user, what: str, comment: str) -> None:
    comment = (comment or "").strip()
    StoryTransition.objects.create(
        story=story,
        from_status=story.status,
        to_status=story.status,
        actor=user,
        comment=f"{what} {comment}".strip(),
    )


def _copy_live_state(locked: Story, story: Story) -> None:
    story.live_started_at, story.live_ended_at = locked.live_started_at, locked.live_ended_at
    story.updated_at, story.version = locked.updated_at, locked.version
