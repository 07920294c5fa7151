"""The editorial workflow as a table (DESIGN.md's): the moves, where each starts and ends, who may make it."""

from stories.models import Status
from tests.factories import StoryFactory

ROLES = ["writer", "other_writer", "editor", "moderator", "admin_user"]
STATES = ["draft", "review", "published", "scheduled", "killed"]
SOURCE = {
    "submit_for_review": "draft",
    "request_changes": "review",
    "publish": "review",
    "unpublish": "published",
    "withdraw": "review",
    "kill": "published",
    "reinstate": "killed",
}
TARGET = {
    "submit_for_review": Status.REVIEW,
    "request_changes": Status.DRAFT,
    "publish": Status.PUBLISHED,
    "unpublish": Status.DRAFT,
    "withdraw": Status.DRAFT,
    "kill": Status.KILLED,
    "reinstate": Status.DRAFT,
}
# The moves that need a comment (a reason, a notice), and one to give them.
NEEDS_COMMENT = {"request_changes", "unpublish", "kill", "reinstate"}
# Who holds the right for each move, whatever the state (DESIGN.md's table).
RIGHTS = {
    "submit_for_review": {"writer", "editor", "admin_user"},
    "request_changes": {"editor", "admin_user"},
    "publish": {"editor", "admin_user"},
    "unpublish": {"editor", "admin_user"},
    # Its writer takes a submission back; an editor may too.
    "withdraw": {"writer", "editor", "admin_user"},
    "kill": {"editor", "admin_user"},
    # A killed story comes back only by a superuser's hand.
    "reinstate": {"admin_user"},
}

# The moves of a scheduled story (stories/workflow/scheduling.py): each starts from "scheduled" only — published,
# its time still to come — and none is a row of the status table above (a story already live is not scheduled).
SCHEDULE_SOURCE = {"reschedule": "scheduled", "publish_now": "scheduled", "cancel_schedule": "scheduled"}
# Where each leaves the story: "scheduled" again (another time), "published" (live now), or back in review.
SCHEDULE_TARGET = {"reschedule": "scheduled", "publish_now": "published", "cancel_schedule": "review"}
SCHEDULE_RIGHTS = {
    "reschedule": {"editor", "admin_user"},
    "publish_now": {"editor", "admin_user"},
    "cancel_schedule": {"editor", "admin_user"},
}


def make_story(state, owner):
    traits = {"draft": {}, "review": {"in_review": True}, "published": {"published": True}}
    traits["scheduled"] = {"scheduled": True}
    traits["killed"] = {"published": True}
    story = StoryFactory(created_by=owner, **traits[state])
    story.authors.add(owner)
    if state == "killed":
        story.status = Status.KILLED
        story.save(update_fields=["status"])
    return story
