"""Changes to a live story held for review: proposing them, publishing them (now or at a time), discarding them.

A writer cannot edit their story once it is published; they propose changes instead (`propose_revision`), and so
may an editor who wants a second pair of eyes. Readers keep the live text meanwhile. An editor publishes the
revision (`publish_revision`), at once or at a time to come, or discards it (`discard_revision`; the writer may
withdraw their own while it waits). A scheduled revision is published when its time comes with nobody acting:
the page cache asks for the next time the clock changes what readers see (purging.next_story_going_live counts
scheduled revisions) and calls `publish_due_revisions` once it passes (StoriesConfig.ready); operators who
prefer cron run `manage.py publish_due_revisions`.

Publishing goes through `edit_story`, the one way a story's content is written: the same lock, the version moved
on, a revision kept in the story's history, the readers' pages purged after the commit.

What the desk changed meanwhile. A revision keeps the live text it was made from (`base`) beside its own
(`content`). Publishing it writes only what it changed from that base; a headline fixed on the live story since,
when the revision did not touch the headline, stays fixed. If the live story changed a part the revision changes
too, differently, publishing is refused (TransitionError, code "revision_conflict"): it would silently overwrite
a change nobody reviewed against it. The editor compares, and either discards it or has it proposed again. A
scheduled revision that meets such a change, or a story no longer published, goes back to waiting for an
editor, and the audit says why.

Every decision writes an audit row (a StoryTransition from "published" to "published", as
`record_published_imports` does) in the same transaction, under the story's row lock; a refused move changes
nothing.
"""

import logging
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from ..dates import format_local
from ..models import Highlight, PendingRevision, RevisionState, Section, Status, Story, StoryTransition, display_name
from ..richtext import sanitize_html
from .editing import edit_story
from .notifications import notify
from .rights import can_edit, is_editor
from .rules import TransitionError, check_highlight_count

logger = logging.getLogger(__name__)

# What a revision holds: the story's fields, then its highlights' texts (a list, in their order).
REVISION_PARTS = (*PendingRevision.REVISED_FIELDS, "highlights")

# How each part is named to a person.
PART_LABELS = {
    "title": "headline",
    "standfirst": "standfirst",
    "body": "body",
    "dateline": "dateline",
    "section_id": "section",
    "lead_image_alt": "alt text",
    "lead_image_caption": "caption and credit",
    "highlights": "highlights",
}

OPEN = (RevisionState.PENDING, RevisionState.SCHEDULED)


# --- Rights ---------------------------------------------------------------------------------------------------


def may_propose_revision(user, story: Story) -> bool:
    """Whether `user` may propose changes to `story` for review: editors to any story, writers to their own."""
    if not (user.is_active and user.is_staff):
        return False
    return user.has_perm("stories.edit_any_story") or (
        user.has_perm("stories.change_story") and story.is_owned_by(user)
    )


def may_decide_revision(user) -> bool:
    """Whether `user` may publish (or schedule) a revision: editors."""
    return is_editor(user)


def may_discard_revision(user, revision: PendingRevision) -> bool:
    """Editors discard any open revision; the person who proposed one may take it back while it still waits."""
    if is_editor(user):
        return True
    return revision.state == RevisionState.PENDING and revision.proposed_by_id == user.pk


def edit_is_held(user, story: Story, asked: bool = False) -> bool:
    """Whether a save of `story` by `user` becomes a pending revision instead of an edit.

    A published story only: a writer's save of their own is always held (they may not edit it); an editor's when
    they ask for it.
    """
    if story.pk is None or story.status != Status.PUBLISHED or not may_propose_revision(user, story):
        return False
    return bool(asked) or not can_edit(user, story)


# --- Contents ------------------------------------------------------------------------------------------------


def live_content(story: Story) -> dict:
    """What a revision holds, read from `story` as it is saved (its highlights from the database)."""
    content = {name: getattr(story, name) for name in PendingRevision.REVISED_FIELDS}
    content["highlights"] = list(
        Highlight.objects.filter(story=story).order_by("position", "pk").values_list("text", flat=True)
    )
    return content


def _proposed(data: dict) -> dict:
    """The parts of `data` a revision holds, normalised; anything else is refused (it cannot wait for review)."""
    data = dict(data)
    if "section" in data:
        section = data.pop("section")
        data["section_id"] = section.pk if isinstance(section, Section) else section
    unheld = sorted(set(data) - set(REVISION_PARTS))
    if unheld:
        raise TransitionError(
            "Only the text waits for review (headline, standfirst, body, highlights, section, dateline, the image's "
            f"alt text and caption). Save the change to {', '.join(unheld)} without holding it, or leave it out.",
            code="not_held",
        )
    if "section_id" in data and data["section_id"] in ("", None):
        data["section_id"] = None
    elif "section_id" in data:
        data["section_id"] = int(data["section_id"])
    if "highlights" in data:
        data["highlights"] = [str(text).strip() for text in data["highlights"] if str(text or "").strip()]
    for name in PendingRevision.REVISED_FIELDS:
        if name in data and name != "section_id":
            data[name] = "" if data[name] is None else str(data[name])
    return data


def _check_content(content: dict) -> None:
    """The rules a story's own fields hold its text to, and the highlights rule of a published story."""
    checks = [(name, Story._meta.get_field(name), content[name]) for name in PendingRevision.REVISED_FIELDS]
    checks += [("highlights", Highlight._meta.get_field("text"), text) for text in content["highlights"]]
    for name, field, value in checks:
        if name == "section_id":
            continue
        try:
            field.clean(value, None)
        except ValidationError as exc:
            raise TransitionError(f"The {PART_LABELS[name]}: {' '.join(exc.messages)}", code="invalid") from None
    if content["section_id"] is not None and not Section.objects.filter(pk=content["section_id"]).exists():
        raise TransitionError("That section no longer exists: choose another.", code="invalid")
    check_highlight_count(len(content["highlights"]), Status.PUBLISHED)


def changed_parts(revision: PendingRevision) -> list[str]:
    """The parts a revision changes from the live text it was made from."""
    return [name for name in REVISION_PARTS if revision.content.get(name) != revision.base.get(name)]


def overwritten_parts(revision: PendingRevision, live: dict) -> list[str]:
    """The parts the revision changes that the live story also changed since the revision was made, differently:
    publishing would overwrite those changes."""
    base, content = revision.base, revision.content
    return [
        name
        for name in changed_parts(revision)
        if live.get(name) != base.get(name) and live.get(name) != content.get(name)
    ]


# --- Moves ---------------------------------------------------------------------------------------------------


def propose_revision(story: Story, user, data: dict, comment: str = "", substantive: bool = False) -> PendingRevision:
    """Hold changes to published `story` for an editor's review, by its writer or an editor; readers keep the live
    text. `data` maps the parts of REVISION_PARTS (a `section` may stand for `section_id`) to their new values;
    the parts it leaves out keep the live story's. `substantive` says readers are to be told when it is published.
    """
    comment = (comment or "").strip()
    proposed = _proposed(data)
    try:
        PendingRevision._meta.get_field("comment").clean(comment, None)
    except ValidationError as exc:
        raise TransitionError(f"The note: {' '.join(exc.messages)}", code="invalid") from None
    if user is not None and not may_propose_revision(user, story):
        raise PermissionDenied("You may not propose changes to this story.")
    with transaction.atomic():
        locked = Story.objects.select_for_update().get(pk=story.pk)
        if user is not None and not may_propose_revision(user, locked):
            raise PermissionDenied("You may not propose changes to this story.")
        if locked.status != Status.PUBLISHED:
            raise TransitionError(
                "Only a published story's changes wait for review: edit this one directly.", code="not_published"
            )
        base = live_content(locked)
        revision = PendingRevision(
            story=locked,
            content={**base, **proposed},
            base=base,
            base_version=locked.version,
            substantive=substantive,
            comment=comment,
            proposed_by=user,
        )
        revision.content["body"] = sanitize_html(revision.content["body"])  # as it will be stored
        _check_content(revision.content)
        if not changed_parts(revision):
            raise TransitionError("Nothing changed: there is nothing to hold for review.", code="no_changes")
        revision.save()
        changed = ", ".join(PART_LABELS[name] for name in changed_parts(revision))
        _audit(locked, user, f"Changes proposed for review ({changed}); readers keep the live text.", comment)
        transaction.on_commit(lambda: notify("propose_revision", locked, user, comment))
    return revision


def publish_revision(story: Story, revision: PendingRevision, user, at: datetime | None = None) -> Story:
    """Publish a pending revision of `story`, by an editor: its changes replace the live text, now or, with `at`
    in the future, at that time with no further action (the revision is then "scheduled"). Refused when the
    revision was already decided, the story is no longer published, or the live story changed a part the
    revision changes since it was made (see the module docstring)."""
    if user is not None and not may_decide_revision(user):
        raise PermissionDenied("You may not publish changes to this story.")
    if at is not None and timezone.is_naive(at):
        raise TransitionError("The publication time needs a time zone.", code="naive_datetime")
    with transaction.atomic():
        locked, revision_row = _lock(story, revision)
        if revision_row.state not in OPEN:
            raise TransitionError(
                f"These changes were already {revision_row.get_state_display().lower()}; reload the page.",
                code="revision_closed",
            )
        _check_still_publishable(locked, revision_row)
        now = timezone.now()
        revision_row.decided_by, revision_row.decided_at = user, now
        if at is not None and at > now:
            revision_row.state, revision_row.publish_at = RevisionState.SCHEDULED, at
            revision_row.save(update_fields=["state", "publish_at", "decided_by", "decided_at"])
            _audit(
                locked,
                user,
                f"Changes proposed by {_proposer(revision_row)} scheduled to replace the live text on "
                f"{format_local(at)}.",
            )
        else:
            _apply(locked, revision_row, user, now)
    _copy(revision_row, revision)
    story.refresh_from_db()
    return story


def schedule_revision(story: Story, revision: PendingRevision, user, at: datetime | None) -> Story:
    """`publish_revision` at `at`, a time still to come (the desk's "Publish at…"); a time passed is refused."""
    if at is None:
        raise TransitionError("Pick a date and time to publish the changes at.", code="no_time")
    if timezone.is_aware(at) and at <= timezone.now():
        raise TransitionError("Pick a time in the future, or use “Publish now”.", code="past_schedule")
    return publish_revision(story, revision, user, at=at)


def discard_revision(story: Story, revision: PendingRevision, user, comment: str = "") -> PendingRevision:
    """Discard an open revision: an editor, with a reason when it is someone else's; or the person who proposed it,
    while it still waits for a decision. The live story does not change."""
    comment = (comment or "").strip()
    if user is not None and not may_discard_revision(user, revision):
        raise PermissionDenied("You may not discard these changes.")
    with transaction.atomic():
        locked, revision_row = _lock(story, revision)
        if revision_row.state not in OPEN:
            raise TransitionError(
                f"These changes were already {revision_row.get_state_display().lower()}; reload the page.",
                code="revision_closed",
            )
        if user is not None and not may_discard_revision(user, revision_row):
            raise PermissionDenied("An editor has scheduled these changes: only an editor may discard them now.")
        if user is not None and revision_row.proposed_by_id != user.pk and not comment:
            raise TransitionError("Discarding someone else's changes needs a reason for them.", code="comment_required")
        revision_row.state = RevisionState.DISCARDED
        revision_row.decided_by, revision_row.decided_at = user, timezone.now()
        revision_row.save(update_fields=["state", "decided_by", "decided_at"])
        _audit(locked, user, f"Changes proposed by {_proposer(revision_row)} discarded.", comment)
    _copy(revision_row, revision)
    return revision


def publish_due_revisions(now: datetime | None = None) -> int:
    """Publish every scheduled revision whose time has come (by `now`, by default the present): the system acts.

    Each in a transaction of its own. One that can no longer be published (its story was unpublished, or the live
    text changed where the revision changes it) goes back to waiting for an editor, with an audit row saying why,
    so that the clock never asks again for a time that cannot be met. Returns how many were published.
    """
    now = now or timezone.now()
    published = 0
    due = list(PendingRevision.objects.due(now).order_by("publish_at", "pk").values_list("pk", "story_id"))
    for pk, story_id in due:
        try:
            with transaction.atomic():
                locked = Story.objects.select_for_update().get(pk=story_id)
                revision = PendingRevision.objects.select_for_update().get(pk=pk)
                if revision.state != RevisionState.SCHEDULED or revision.publish_at > now:
                    continue  # published, discarded or moved meanwhile
                _check_still_publishable(locked, revision)
                _apply(locked, revision, None, now)
        except (ValidationError, PermissionDenied) as exc:
            _back_to_pending(pk, story_id, exc)
        except DatabaseError:
            raise  # the database is away: the revision stays scheduled and is tried again once it is back
        except Exception as exc:
            # Never left due: the page cache would ask again on every request, serving readers uncached meanwhile.
            logger.exception("Could not publish the scheduled revision %s of story %s", pk, story_id)
            _back_to_pending(pk, story_id, exc)
        else:
            published += 1
    return published


# --- Helpers -------------------------------------------------------------------------------------------------


def _lock(story: Story, revision: PendingRevision) -> tuple[Story, PendingRevision]:
    """The story's row, then the revision's, locked in that order (as every move here takes them)."""
    locked = Story.objects.select_for_update().get(pk=story.pk)
    found = PendingRevision.objects.select_for_update().filter(pk=revision.pk, story=locked).first()
    if found is None:
        raise TransitionError("These changes belong to no such story; reload the page.", code="revision_missing")
    return locked, found


def _check_still_publishable(story: Story, revision: PendingRevision) -> None:
    if story.status != Status.PUBLISHED:
        raise TransitionError(
            "The story is no longer published: its pending changes cannot replace a live text.",
            code="not_published",
        )
    overwritten = overwritten_parts(revision, live_content(story))
    if overwritten:
        raise TransitionError(
            "The live story changed since these changes were proposed, in the "
            f"{', '.join(PART_LABELS[name] for name in overwritten)}: publishing them would overwrite that. "
            "Compare them with the live story, then discard them or propose them again.",
            code="revision_conflict",
        )


def _apply(story: Story, revision: PendingRevision, user, now: datetime) -> None:
    """Write the revision's changes over the live story through edit_story, and close the revision."""
    changed = changed_parts(revision)
    fields = [name for name in changed if name != "highlights"]
    for name in fields:
        setattr(story, name, revision.content[name])
    if "section_id" in fields and not Section.objects.filter(pk=story.section_id).exists():
        story.section_id = None  # deleted since it was proposed: the story is left without, as a restore does

    def replace_highlights(saved):
        if "highlights" in changed:
            Highlight.objects.filter(story=saved).delete()
            texts = revision.content["highlights"]
            Highlight.objects.bulk_create(
                [Highlight(story=saved, text=text, position=i) for i, text in enumerate(texts, start=1)]
            )

    approver = revision.decided_by if user is None else user
    approved = f" (approved by {display_name(approver)})" if approver is not None else ""
    edit_story(
        story,
        user,
        fields=[name.removesuffix("_id") for name in fields],
        base_version=story.version,
        save_related=replace_highlights,
        comment=f"Published the changes proposed by {_proposer(revision)}{approved}.",
        substantive=revision.substantive,
    )
    revision.state = RevisionState.PUBLISHED
    revision.publish_at = revision.publish_at or now
    revision.decided_by, revision.decided_at = approver, revision.decided_at or now
    revision.save(update_fields=["state", "publish_at", "decided_by", "decided_at"])
    when = "at their scheduled time" if user is None else "now"
    _audit(story, user, f"Changes proposed by {_proposer(revision)} published {when}{approved}.")


def _back_to_pending(pk: int, story_id: int, reason: Exception) -> None:
    """A scheduled revision that could not be published waits for an editor again, and the audit says why."""
    with transaction.atomic():
        locked = Story.objects.select_for_update().get(pk=story_id)
        revision = PendingRevision.objects.select_for_update().get(pk=pk)
        if revision.state != RevisionState.SCHEDULED:
            return
        revision.state, revision.publish_at = RevisionState.PENDING, None
        revision.save(update_fields=["state", "publish_at"])
        if isinstance(reason, ValidationError | PermissionDenied):
            why = " ".join(getattr(reason, "messages", None) or [str(reason)])
        else:
            why = "An error stopped them (see the server's log)."
        _audit(
            locked,
            None,
            f"Scheduled changes proposed by {_proposer(revision)} were not published; they wait for an editor "
            f"again. {why}",
        )


def _audit(story: Story, user, what: str, comment: str = "") -> None:
    StoryTransition.objects.create(
        story=story,
        from_status=Status.PUBLISHED,
        to_status=Status.PUBLISHED,
        actor=user,
        comment=f"{what}\n{comment}" if comment else what,
    )


def _proposer(revision: PendingRevision) -> str:
    return display_name(revision.proposed_by) if revision.proposed_by_id else "the system"


def _copy(row: PendingRevision, revision: PendingRevision) -> None:
    """Give the caller's copy of the revision what the move changed on its row."""
    for name in ("state", "publish_at", "decided_by_id", "decided_at"):
        setattr(revision, name, getattr(row, name))
