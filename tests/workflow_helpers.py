"""The editorial workflow as a table (DESIGN.md's): the moves, where each starts and ends, who may make it."""

from stories.models import Status
from tests.factories import StoryFactory

ROLES = ["writer", "other_writer", "editor", "moderator", "admin_user"]
STATES = ["draft", "review", "published", "scheduled"]
SOURCE = {
    "submit_for_review": "draft",
    "request_changes": "review",
    "publish": "review",
    "unpublish": "published",
}
TARGET = {
    "submit_for_review": Status.REVIEW,
    "request_changes": Status.DRAFT,
    "publish": Status.PUBLISHED,
    "unpublish": Status.DRAFT,
}
# Who holds the right for each move, whatever the state (DESIGN.md's table).
RIGHTS = {
    "submit_for_review": {"writer", "editor", "admin_user"},
    "request_changes": {"editor", "admin_user"},
    "publish": {"editor", "admin_user"},
    "unpublish": {"editor", "admin_user"},
}


def make_story(state, owner):
    traits = {"draft": {}, "review": {"in_review": True}, "published": {"published": True}}
    traits["scheduled"] = {"scheduled": True}
    story = StoryFactory(created_by=owner, **traits[state])
    story.authors.add(owner)
    return story
