"""The editorial workflow: the only code that changes a story's or an opinion's status, and every rule of the desk.

    draft ──submit_for_review──▶ review ──publish(at)──▶ published
      ▲                           │                        │
      └──────request_changes──────┘                        │
      └───────────────────────unpublish────────────────────┘

Every move runs in one transaction, re-reads the row under a lock, checks the
person's right (`PermissionDenied`) and the state (`TransitionError`, a
`ValidationError`), changes the row, moves its edit version on, writes the
audit row and schedules side effects (email, cache purge) for after the commit.
A refused move changes nothing. Editing a story's content is `edit_story`, with
the same lock and the same rules.

`user=None` means the system acts (an import): rights are not checked and the
audit row records no actor.

    rules.py          the moves, their states, the highlights rule, the errors
    rights.py         who may see, edit, move, moderate and import what
    transitions.py    the moves, one by one and for imports in bulk
    editing.py        editing, restoring an old version, bylines and corrections
    moderation.py     opinions: receiving them, moderating them
    notifications.py  the emails a move sends
    planning.py       the budget: pitching, assigning, declining and starting assignments
"""

from .editing import (
    RESTORABLE_FIELDS,
    Edit,
    byline_candidates,
    edit_stories,
    edit_story,
    lock_for_edit,
    restore_revision,
    takes_corrections,
)
from .moderation import (
    IMPORTED_APPROVAL_REFUSED,
    MODERATION_DECISIONS,
    imported_opinion,
    moderate,
    opinions_accepted,
    opinions_open,
    receive_opinion,
)
from .planning import (
    assign,
    assignable_people,
    decline,
    file_story,
    is_open,
    may_edit,
    may_pitch,
    may_plan,
    may_see_board,
    may_start,
    moves,
    pitch,
    start_story,
)
from .rights import (
    PERMISSION_BACKEND,
    available_transitions,
    can_edit,
    is_editor,
    may,
    may_approve_imported_opinions,
    may_import,
    may_moderate,
    stories_seen_by,
    visible_stories,
)
from .rules import (
    EDIT_CONFLICT_MESSAGE,
    MAX_HIGHLIGHTS,
    MIN_HIGHLIGHTS,
    TRANSITIONS,
    EditConflict,
    Transition,
    TransitionError,
    check_highlight_count,
    needs_highlights,
)
from .transitions import (
    publish,
    publish_imported,
    record_published_imports,
    request_changes,
    schedule,
    submit_for_review,
    unpublish,
)

__all__ = [
    "EDIT_CONFLICT_MESSAGE",
    "IMPORTED_APPROVAL_REFUSED",
    "MAX_HIGHLIGHTS",
    "MIN_HIGHLIGHTS",
    "MODERATION_DECISIONS",
    "PERMISSION_BACKEND",
    "RESTORABLE_FIELDS",
    "TRANSITIONS",
    "Edit",
    "EditConflict",
    "Transition",
    "TransitionError",
    "assign",
    "assignable_people",
    "available_transitions",
    "byline_candidates",
    "can_edit",
    "check_highlight_count",
    "decline",
    "edit_stories",
    "edit_story",
    "file_story",
    "imported_opinion",
    "is_editor",
    "is_open",
    "lock_for_edit",
    "may",
    "may_approve_imported_opinions",
    "may_edit",
    "may_import",
    "may_moderate",
    "may_pitch",
    "may_plan",
    "may_see_board",
    "may_start",
    "moderate",
    "moves",
    "needs_highlights",
    "opinions_accepted",
    "opinions_open",
    "pitch",
    "publish",
    "publish_imported",
    "receive_opinion",
    "record_published_imports",
    "request_changes",
    "restore_revision",
    "schedule",
    "start_story",
    "stories_seen_by",
    "submit_for_review",
    "takes_corrections",
    "unpublish",
    "visible_stories",
]
