"""The workflow's rules that need no database: the moves, their states, the highlights rule, the errors."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from .. import limits
from ..limits import MAX_HIGHLIGHTS, MIN_HIGHLIGHTS
from ..models import Status

__all__ = ["MAX_HIGHLIGHTS", "MIN_HIGHLIGHTS"]  # the bounds themselves live in stories.limits


class TransitionError(ValidationError):
    """The story is not in a state that allows this move, or the move lacks something."""


class EditConflict(TransitionError):
    """The story changed in the database after the person opened it: their save would overwrite that change."""


EDIT_CONFLICT_MESSAGE = (
    "Someone else saved this story while you were editing. Nothing was overwritten and your changes were not "
    "saved: copy what you need, reload the story to see the newer version, then make your changes again."
)


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
        Transition(
            "withdraw", "Withdraw from review", Status.REVIEW, Status.DRAFT, action="withdraw this story from review"
        ),
        Transition(
            "kill",
            "Kill",
            Status.PUBLISHED,
            Status.KILLED,
            action="kill this story",
            needs_comment="the notice readers will see at its address",
        ),
        Transition(
            "reinstate",
            "Reinstate as a draft",
            Status.KILLED,
            Status.DRAFT,
            action="reinstate this killed story",
            needs_comment="a reason",
        ),
    ]
}


STATE_PHRASES = {
    Status.DRAFT: "a draft",
    Status.REVIEW: "in review",
    Status.PUBLISHED: "published",
    Status.KILLED: "killed",
}


def needs_highlights(status: str) -> bool:
    """Whether a story in `status` must keep 1–5 highlights (in review and published)."""
    return status in (Status.REVIEW, Status.PUBLISHED)


def check_embargo(status: str, published_at, current, wanted, now=None) -> None:
    """Whether a story (`status`, `published_at`) under embargo `current` may be given embargo `wanted`.

    An embargo may be set or extended by whoever edits the story; ending it early, or moving its end earlier,
    is `lift_embargo`'s (an editor's, with a reason, audited), never an edit's. A story readers already see
    cannot be put under embargo (unpublish it), and a published story's time never comes before its embargo ends.
    """
    now = now or timezone.now()
    if wanted == current:
        return
    held = current is not None and current > now
    if held and (wanted is None or wanted < current):
        raise TransitionError(
            "An embargo can be extended here, not shortened: an editor ends it early with “Lift embargo” and a reason.",
            code="embargo_shortened",
        )
    if wanted is None:
        return
    # Even an end already past is refused when it comes after the publication time: it would say the story went
    # live before its embargo ended (the `story_not_before_embargo` constraint refuses the row all the same).
    if published_at is not None and published_at < wanted:
        if status == Status.KILLED:
            raise TransitionError(
                "A killed story keeps the time it was published: an embargo cannot end after it.",
                code="embargo_live",
            )
        if published_at <= now:
            raise TransitionError(
                "Readers can already see this story: an embargo cannot call it back. Unpublish it first.",
                code="embargo_live",
            )
        raise TransitionError(
            "The story is scheduled before this embargo ends. Unpublish it and schedule it again, or choose an "
            "earlier embargo.",
            code="embargo_after_schedule",
        )


def check_highlight_count(count: int, status: str = Status.REVIEW) -> None:
    """The highlights rule: raise TransitionError unless a story in `status` may have `count` highlights.

    A story never has more than limits.MAX_HIGHLIGHTS, in any state (a draft's are bounded too: each is a row
    of the admin's form); out of draft it needs at least limits.MIN_HIGHLIGHTS. By default, the rule out of draft.
    """
    low, high = limits.MIN_HIGHLIGHTS, limits.MAX_HIGHLIGHTS
    if not needs_highlights(status):
        if count > high:
            raise TransitionError(f"A story has at most {high} highlights; this one has {count}.", code="highlights")
    elif not low <= count <= high:
        raise TransitionError(
            f"A story in review or published needs {low} to {high} highlights; this one has {count}.",
            code="highlights",
        )
