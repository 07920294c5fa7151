"""Opinions: how one arrives (from a reader or a document), and the moderators' decisions on it."""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from ..models import ModerationPolicy, Opinion, OpinionStatus, Story
from .rights import may_approve_imported_opinions, may_moderate
from .rules import TransitionError

MODERATION_DECISIONS = {
    OpinionStatus.APPROVED: "Approve",
    OpinionStatus.REJECTED: "Reject",
    OpinionStatus.SPAM: "Mark as spam",
}


def moderate(opinion: Opinion, user, decision: str) -> Opinion:
    """Approve, reject or mark an opinion as spam, recording who and when."""
    if decision not in MODERATION_DECISIONS:
        raise TransitionError(f"Unknown moderation decision {decision!r}.", code="bad_decision")
    if user is not None and not may_moderate(user):
        raise PermissionDenied("You may not moderate opinions.")
    with transaction.atomic():
        locked = Opinion.objects.select_for_update().get(pk=opinion.pk)
        locked.status = decision
        locked.moderated_by = user
        locked.moderated_at = timezone.now()
        locked.save(update_fields=["status", "moderated_by", "moderated_at"])  # purges its story's opinions
    opinion.status, opinion.moderated_by, opinion.moderated_at = locked.status, locked.moderated_by, locked.moderated_at
    return opinion


IMPORTED_APPROVAL_REFUSED = (
    "You may not moderate opinions, so you cannot import them approved: import them to wait for a moderator."
)


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
    return opinions_accepted(
        live=story.is_live,
        closed=story.opinions_closed,
        published_at=story.published_at,
        close_after_days=policy.close_after_days,
    )


def opinions_accepted(*, live: bool, closed: bool, published_at, close_after_days: int | None) -> bool:
    """`opinions_open` for a story's row: whether it is live, closed by an editor, when it went live, and the
    policy's closing delay in days (None: never closes)."""
    if closed or not live:
        return False
    if close_after_days is None:
        return True
    return timezone.now() < published_at + timedelta(days=close_after_days)


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
