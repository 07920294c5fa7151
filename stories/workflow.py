"""The editorial workflow: the only code that changes a story's or an opinion's status.

    draft ──submit_for_review──▶ review ──publish(at)──▶ published
      ▲                           │                        │
      └──────request_changes──────┘                        │
      └───────────────────────unpublish────────────────────┘

Every function here runs in one transaction, re-reads the row under a lock,
checks the person's right (`PermissionDenied`) and the state
(`TransitionError`, a `ValidationError`), changes the row, writes the audit
row and schedules side effects (email, cache purge) for after the commit. A
refused transition changes nothing.

`user=None` means the system acts (an import): rights are not checked and the
audit row records no actor.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

import pagecache

from .models import (
    Highlight,
    ModerationPolicy,
    Opinion,
    OpinionStatus,
    Status,
    Story,
    StoryTransition,
    display_name,
)

logger = logging.getLogger(__name__)

MIN_HIGHLIGHTS = 1
MAX_HIGHLIGHTS = 5
# The backend that holds group and user permissions (axes sits first in AUTHENTICATION_BACKENDS).
PERMISSION_BACKEND = "django.contrib.auth.backends.ModelBackend"


class TransitionError(ValidationError):
    """The story is not in a state that allows this move, or the move lacks something."""


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    source: str
    target: str
    # How the move reads in a sentence: "You may not <action>."
    action: str = ""
    # What the person must write for this move ("a reason"); empty when nothing is required.
    needs_comment: str = ""


TRANSITIONS = {
    t.name: t
    for t in [
        Transition(
            "submit_for_review", "Submit for review", Status.DRAFT, Status.REVIEW, action="submit this story for review"
        ),
        Transition(
            "request_changes",
            "Request changes",
            Status.REVIEW,
            Status.DRAFT,
            action="request changes to this story",
            needs_comment="a comment for the writer",
        ),
        Transition("publish", "Publish", Status.REVIEW, Status.PUBLISHED, action="publish this story"),
        Transition(
            "unpublish",
            "Unpublish",
            Status.PUBLISHED,
            Status.DRAFT,
            action="unpublish this story",
            needs_comment="a reason",
        ),
    ]
}

_STATE_PHRASES = {Status.DRAFT: "a draft", Status.REVIEW: "in review", Status.PUBLISHED: "published"}


# --- Rights ---------------------------------------------------------------


def is_editor(user) -> bool:
    return user.has_perm("stories.publish_story")


def stories_seen_by(user) -> str:
    """Which stories a person may open: "all" (editors, and read-only roles such as moderators),
    "own" (writers: their own in any state, and what is live) or "published" (readers)."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return "published"
    if user.has_perm("stories.view_story") and (
        user.is_superuser or user.has_perm("stories.edit_any_story") or not user.has_perm("stories.add_story")
    ):
        return "all"
    return "own" if user.has_perm("stories.add_story") else "published"


def can_edit(user, story: Story) -> bool:
    """Editors edit any story in any state; writers their own, while in draft."""
    if user.has_perm("stories.edit_any_story"):
        return True
    if story.pk is None:
        return user.has_perm("stories.add_story")
    return user.has_perm("stories.change_story") and story.status == Status.DRAFT and story.is_owned_by(user)


def may(user, name: str, story: Story) -> bool:
    """Whether `user` holds the right for transition `name` on `story` (state aside)."""
    if name == "submit_for_review":
        return user.has_perm("stories.edit_any_story") or (
            user.has_perm("stories.change_story") and story.is_owned_by(user)
        )
    return is_editor(user)


def available_transitions(user, story: Story) -> list[Transition]:
    """The moves this person may make on this story now (what the admin offers as buttons)."""
    return [t for t in TRANSITIONS.values() if t.source == story.status and may(user, t.name, story)]


# --- Transitions ------------------------------------------------------------


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


def unpublish(story: Story, user, comment: str) -> Story:
    """Published (or scheduled) → draft, by an editor, with the reason. The publication time is cleared."""
    return _transition("unpublish", story, user, comment)


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
            now = "scheduled" if locked.is_scheduled else _STATE_PHRASES[Status(locked.status)]
            raise TransitionError(
                f"Cannot {spec.action}: it is {now}, not {_STATE_PHRASES[Status(spec.source)]}. "
                "Someone may have moved it meanwhile; reload the page.",
                code="wrong_state",
            )
        if spec.target in (Status.REVIEW, Status.PUBLISHED):
            _check_highlights(locked)

        locked.status = spec.target
        # A new edit version: a save made from a page opened before this move is refused as an edit
        # conflict, instead of landing on a story in a state it was not made for.
        locked.version += 1
        fields = ["status", "version", "updated_at"]
        if spec.target == Status.PUBLISHED:
            locked.published_at = at or timezone.now()
            fields.append("published_at")
        elif spec.source == Status.PUBLISHED:
            # A draft has no publication time: unpublishing a scheduled story cancels its schedule,
            # and publishing it again later sets a fresh time.
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
        pagecache.purge_public_pages_on_commit()
        transaction.on_commit(lambda: _notify(name, locked, user, comment))

    story.status = locked.status
    story.published_at = locked.published_at
    story.updated_at = locked.updated_at
    story.version = locked.version
    return story


def needs_highlights(status: str) -> bool:
    """Whether a story in `status` must keep 1–5 highlights (every state but draft)."""
    return status != Status.DRAFT


def check_highlight_count(count: int, status: str = Status.REVIEW) -> None:
    """The highlights rule: raise TransitionError unless a story in `status` may have `count` highlights.

    A story never has more than MAX_HIGHLIGHTS, in any state (a draft's are bounded too: each is a row of
    the admin's form); out of draft it needs at least MIN_HIGHLIGHTS. By default, the rule out of draft.
    """
    if not needs_highlights(status):
        if count > MAX_HIGHLIGHTS:
            raise TransitionError(
                f"A story has at most {MAX_HIGHLIGHTS} highlights; this one has {count}.", code="highlights"
            )
    elif not MIN_HIGHLIGHTS <= count <= MAX_HIGHLIGHTS:
        raise TransitionError(
            f"A story in review or published needs {MIN_HIGHLIGHTS} to {MAX_HIGHLIGHTS} highlights; "
            f"this one has {count}.",
            code="highlights",
        )


def _check_highlights(story: Story) -> None:
    check_highlight_count(Highlight.objects.filter(story=story).count())


# --- Notifications ----------------------------------------------------------


def _notify(name: str, story: Story, actor, comment: str) -> None:
    """Email the people who have to act next. Mail failures are logged, never raised."""
    link = settings.SITE_URL.rstrip("/") + reverse("admin:stories_story_change", args=[story.pk])
    if name == "submit_for_review":
        # Whoever may publish (the Editors role) reviews; found by the right, not by a group's name.
        recipients = list(
            get_user_model()
            .objects.with_perm("stories.publish_story", include_superusers=False, backend=PERMISSION_BACKEND)
            .exclude(email="")
            .values_list("email", flat=True)
            .distinct()
        )
        subject = f"In review: {story.title}"
        who = display_name(actor) if actor else "The system"
        message = f"{who} submitted “{story.title}” for review.\n\n{link}\n"
    elif name == "request_changes":
        people = {story.created_by, *story.authors.all()} - {None}
        recipients = [p.email for p in people if p.email and p.is_active]
        subject = f"Changes requested: {story.title}"
        message = f"An editor asked for changes to “{story.title}”:\n\n{comment}\n\n{link}\n"
    else:
        return
    if not recipients:
        return
    try:
        send_mail(subject, message, None, sorted(set(recipients)))
    except Exception:  # a mail outage must not undo or hide a committed transition
        logger.exception("Could not send the %s notification for story %s", name, story.pk)


# --- Opinions ----------------------------------------------------------------


MODERATION_DECISIONS = {
    OpinionStatus.APPROVED: "Approve",
    OpinionStatus.REJECTED: "Reject",
    OpinionStatus.SPAM: "Mark as spam",
}


def may_moderate(user) -> bool:
    """Whether `user` may approve, reject or mark opinions as spam."""
    return user.has_perm("stories.moderate_opinion")


def moderate(opinion: Opinion, user, decision: str) -> Opinion:
    """Approve, reject or mark an opinion as spam, recording who and when."""
    if decision not in MODERATION_DECISIONS:
        raise TransitionError(f"Unknown moderation decision {decision!r}.", code="bad_decision")
    if user is not None and not may_moderate(user):
        raise PermissionDenied("You may not moderate opinions.")
    with transaction.atomic():
        locked = Opinion.objects.select_for_update().get(pk=opinion.pk)
        was_public = locked.status == OpinionStatus.APPROVED
        locked.status = decision
        locked.moderated_by = user
        locked.moderated_at = timezone.now()
        locked.save(update_fields=["status", "moderated_by", "moderated_at"])
        if was_public or decision == OpinionStatus.APPROVED:
            pagecache.purge_public_pages_on_commit()
    opinion.status, opinion.moderated_by, opinion.moderated_at = locked.status, locked.moderated_by, locked.moderated_at
    return opinion


# --- Imports -------------------------------------------------------------------


def may_import(user, publish: bool = False) -> bool:
    """Whether `user` may import story documents: as drafts, or with `publish` published too.

    An import creates stories under the person's byline; a document that
    updates an existing story is still checked against `can_edit`, one by one.
    """
    return user.has_perm("stories.add_story") and (not publish or is_editor(user))


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
        moving = [story for story in locked if story.status != Status.PUBLISHED]
        if not moving:
            return
        if user is not None and not all(may(user, "publish", story) for story in moving):
            raise PermissionDenied(f"You may not {TRANSITIONS['publish'].action}.")
        # The highlights rule, with one grouped count for all of them.
        counts = dict(
            Highlight.objects.filter(story__in=moving)
            .values("story_id")
            .annotate(count=Count("pk"))
            .values_list("story_id", "count")
            .order_by()
        )
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
            story.status, story.published_at, story.updated_at = Status.PUBLISHED, at_by_pk[story.pk], now
            story.version += 1  # as every transition does (see _transition)
        Story.objects.bulk_update(moving, ["status", "published_at", "updated_at", "version"])
        StoryTransition.objects.bulk_create(transitions)
        pagecache.purge_public_pages_on_commit()

    moved = {story.pk: story for story in moving}
    for story, _at in stories_with_times:
        if story.pk in moved:
            story.status = Status.PUBLISHED
            story.published_at, story.updated_at = moved[story.pk].published_at, moved[story.pk].updated_at
            story.version = moved[story.pk].version


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


# --- Receiving opinions ---------------------------------------------------------


IMPORTED_APPROVAL_REFUSED = (
    "You may not moderate opinions, so you cannot import them approved: import them to wait for a moderator."
)


def may_approve_imported_opinions(user) -> bool:
    """Whether an import by `user` may bring its opinions in approved: the system (None), or a moderator."""
    return user is None or may_moderate(user)


def imported_opinion(
    story: Story, *, author_name: str, body: str, created_at: datetime, user=None, approve: bool = False
) -> Opinion:
    """An opinion from a document imported by `user` (None: the system), unsaved (imports write them in bulk).

    It waits for a moderator, as a reader's opinion does: a document can sign an opinion with any name, and
    whoever moderated it where it comes from is not one of ours. With `approve`, the importer vouches for
    it instead, as its moderator: only the system or someone who may moderate can (PermissionDenied).
    """
    if approve and not may_approve_imported_opinions(user):
        raise PermissionDenied(IMPORTED_APPROVAL_REFUSED)
    return Opinion(
        story=story,
        author_name=author_name,
        body=body,
        created_at=created_at,
        status=OpinionStatus.APPROVED if approve else OpinionStatus.PENDING,
        moderated_by=user if approve else None,
        moderated_at=created_at if approve else None,
    )


def opinions_open(story: Story, policy: ModerationPolicy) -> bool:
    """Whether readers may send opinions on `story`: live, not closed by an editor, not past the policy's delay."""
    if story.opinions_closed or not story.is_live:
        return False
    if policy.close_after_days is None:
        return True
    return timezone.now() < story.published_at + timedelta(days=policy.close_after_days)


def _received_status(policy: ModerationPolicy, *, breaks_content_rules: bool) -> str:
    """Where a new opinion goes: spam when it broke the content rules and the policy says so, else pending.

    The content rules are banned words and the link limit; a pending opinion waits for a moderator.
    """
    if breaks_content_rules and policy.banned_word_action == ModerationPolicy.Action.SPAM:
        return OpinionStatus.SPAM
    return OpinionStatus.PENDING


def receive_opinion(
    story: Story,
    *,
    policy: ModerationPolicy,
    breaks_content_rules: bool,
    author_name: str,
    email: str,
    body: str,
    ip_hash: str,
    flags: list[str],
) -> Opinion:
    """Store a reader's opinion with its final status (`_received_status`), in one write.

    Spam is the system's decision: recorded like a moderator's, with no moderator.
    Neither status is shown to readers, so no cached page is purged.
    """
    status = _received_status(policy, breaks_content_rules=breaks_content_rules)
    return Opinion.objects.create(
        story=story,
        author_name=author_name,
        email=email,
        body=body,
        ip_hash=ip_hash,
        flags=flags,
        status=status,
        moderated_at=timezone.now() if status == OpinionStatus.SPAM else None,
    )
