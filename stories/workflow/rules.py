"""The workflow's rules that need no database: the moves, their states, the highlights rule, the errors."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError

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
    ]
}


STATE_PHRASES = {Status.DRAFT: "a draft", Status.REVIEW: "in review", Status.PUBLISHED: "published"}


def needs_highlights(status: str) -> bool:
    """Whether a story in `status` must keep 1–5 highlights (every state but draft)."""
    return status != Status.DRAFT


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
