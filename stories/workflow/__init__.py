"""The editorial workflow: the only code that changes a story's or an opinion's status, and every rule of the desk.

    draft ──submit_for_review──▶ review ──publish(at)──▶ published ──kill──▶ killed
      ▲                           │                        │                   │
      ├──request_changes──────────┤                        │                   │
      ├──withdraw─────────────────┘                        │                   │
      ├───────────────────────unpublish────────────────────┘                   │
      └───────────────────────reinstate (superusers only)──────────────────────┘

A scheduled story (published, its time still to come) may be rescheduled, published now, or have its schedule
cancelled (back to review): scheduling.py.

Beside the status: an embargo (`embargo_until`; nothing public before it, `lift_embargo` ends it early) and an
expiry time (`expires_at`; the story leaves every list and answers 410 after it), both kept by the clock
with no job to run.

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
    live.py           live coverage: start and end it, post, edit and delete its updates
    scheduling.py     a scheduled story: reschedule it, publish it now, cancel its schedule
    revising.py       changes to a live story held for review: propose, publish (now or at a time), discard
    moderation.py     opinions: receiving them, moderating them
    notifications.py  the emails a move sends
    planning.py       the budget: pitching, assigning, declining and starting assignments
"""

from .editing import (
    RESTORABLE_FIELDS,
    Edit,
    adds_notice,
    byline_candidates,
    edit_stories,
    edit_story,
    lock_for_edit,
    restore_revision,
    takes_corrections,
)
from .live import (
    delete_update,
    edit_update,
    end_live,
    may_change_update,
    may_post_update,
    may_run_live,
    post_update,
    start_live,
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
from .revising import (
    PART_LABELS,
    REVISION_PARTS,
    changed_parts,
    discard_revision,
    edit_is_held,
    live_content,
    may_decide_revision,
    may_discard_revision,
    may_propose_revision,
    overwritten_parts,
    propose_revision,
    publish_due_revisions,
    publish_revision,
    schedule_revision,
)
from .rights import (
    PERMISSION_BACKEND,
    available_transitions,
    can_edit,
    is_editor,
    may,
    may_approve_imported_opinions,
    may_change_schedule,
    may_import,
    may_lift_embargo,
    may_moderate,
    may_publish_now,
    may_save_and_submit,
    may_share_preview,
    may_share_with_partner,
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
    check_embargo,
    check_highlight_count,
    needs_highlights,
)
from .scheduling import cancel_schedule, publish_now, reschedule
from .transitions import (
    kill,
    lift_embargo,
    publish,
    publish_imported,
    record_published_imports,
    reinstate,
    request_changes,
    schedule,
    submit_for_review,
    unpublish,
    withdraw,
)

__all__ = [
    "EDIT_CONFLICT_MESSAGE",
    "IMPORTED_APPROVAL_REFUSED",
    "MAX_HIGHLIGHTS",
    "MIN_HIGHLIGHTS",
    "MODERATION_DECISIONS",
    "PART_LABELS",
    "PERMISSION_BACKEND",
    "RESTORABLE_FIELDS",
    "REVISION_PARTS",
    "TRANSITIONS",
    "Edit",
    "EditConflict",
    "Transition",
    "TransitionError",
    "adds_notice",
    "assign",
    "assignable_people",
    "available_transitions",
    "byline_candidates",
    "can_edit",
    "cancel_schedule",
    "changed_parts",
    "check_embargo",
    "check_highlight_count",
    "decline",
    "delete_update",
    "discard_revision",
    "edit_is_held",
    "edit_stories",
    "edit_story",
    "edit_update",
    "end_live",
    "file_story",
    "imported_opinion",
    "is_editor",
    "is_open",
    "kill",
    "lift_embargo",
    "live_content",
    "lock_for_edit",
    "may",
    "may_approve_imported_opinions",
    "may_change_schedule",
    "may_change_update",
    "may_decide_revision",
    "may_discard_revision",
    "may_edit",
    "may_import",
    "may_lift_embargo",
    "may_moderate",
    "may_pitch",
    "may_plan",
    "may_post_update",
    "may_propose_revision",
    "may_publish_now",
    "may_run_live",
    "may_save_and_submit",
    "may_see_board",
    "may_share_preview",
    "may_share_with_partner",
    "may_start",
    "moderate",
    "moves",
    "needs_highlights",
    "opinions_accepted",
    "opinions_open",
    "overwritten_parts",
    "pitch",
    "post_update",
    "propose_revision",
    "publish",
    "publish_due_revisions",
    "publish_imported",
    "publish_now",
    "publish_revision",
    "receive_opinion",
    "record_published_imports",
    "reinstate",
    "request_changes",
    "reschedule",
    "restore_revision",
    "schedule",
    "schedule_revision",
    "start_live",
    "start_story",
    "stories_seen_by",
    "submit_for_review",
    "takes_corrections",
    "unpublish",
    "visible_stories",
    "withdraw",
]
