"""Who may do what: the rights behind every move, edit and page of the desk."""

from ..models import Status, Story
from .rules import TRANSITIONS, Transition

# The backend that holds group and user permissions (axes sits first in AUTHENTICATION_BACKENDS).
PERMISSION_BACKEND = "django.contrib.auth.backends.ModelBackend"


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


def visible_stories(user, stories=None):
    """The stories (of `stories`, by default all) a person may open, by the rule of `stories_seen_by`."""
    stories = Story.objects.all() if stories is None else stories
    seen = stories_seen_by(user)
    if seen == "all":
        return stories
    if seen == "own":
        return stories.owned_by(user) | stories.live()
    return stories.live()


def can_edit(user, story: Story) -> bool:
    """Editors edit any story in any state but killed (only a superuser); writers their own, while in draft."""
    if story.status == Status.KILLED:
        return user.is_active and user.is_superuser
    if user.has_perm("stories.edit_any_story"):
        return True
    if story.pk is None:
        return user.has_perm("stories.add_story")
    return user.has_perm("stories.change_story") and story.status == Status.DRAFT and story.is_owned_by(user)


def may(user, name: str, story: Story) -> bool:
    """Whether `user` holds the right for transition `name` on `story` (state aside)."""
    if name in ("submit_for_review", "withdraw"):
        return user.has_perm("stories.edit_any_story") or (
            user.has_perm("stories.change_story") and story.is_owned_by(user)
        )
    if name == "reinstate":
        # A killed story was taken down for a reason that outranks the desk (a court, a grave error).
        return user.is_active and user.is_superuser
    return is_editor(user)


def may_save_and_submit(user, story: Story) -> bool:
    """Whether the story form offers `user` "Save and submit for review": a new story they may write, or a draft
    they may both edit and submit."""
    if story.pk is None:
        return user.has_perm("stories.add_story")
    return story.status == Status.DRAFT and can_edit(user, story) and may(user, "submit_for_review", story)


def available_transitions(user, story: Story) -> list[Transition]:
    """The moves this person may make on this story now (what the admin offers as buttons)."""
    return [t for t in TRANSITIONS.values() if t.source == story.status and may(user, t.name, story)]


def may_share_preview(user, story: Story) -> bool:
    """Whether `user` may give someone without an account a signed preview link: editors, of a story not killed."""
    return is_editor(user) and story.status != Status.KILLED


def may_share_with_partner(user, story: Story) -> bool:
    """Whether `user` may give a named partner a signed link to an embargoed story: editors, while it is under
    embargo (and not killed)."""
    return may_share_preview(user, story) and story.is_embargoed


def may_lift_embargo(user, story: Story) -> bool:
    """Whether `user` may end `story`'s embargo early (`lift_embargo`): editors, while it runs."""
    return is_editor(user) and story.is_embargoed


def may_change_schedule(user, story: Story) -> bool:
    """Whether `user` may reschedule `story` or cancel its schedule (stories.workflow.scheduling): editors, while it
    is scheduled."""
    return is_editor(user) and story.is_scheduled


def may_publish_now(user, story: Story) -> bool:
    """Whether `user` may publish scheduled `story` at once: editors, unless its embargo still runs."""
    return may_change_schedule(user, story) and not story.is_embargoed


def may_moderate(user) -> bool:
    """Whether `user` may approve, reject or mark opinions as spam."""
    return user.has_perm("stories.moderate_opinion")


def may_import(user, publish: bool = False) -> bool:
    """Whether `user` may import story documents: as drafts, or with `publish` published too.

    An import creates stories under the person's byline; a document that
    updates an existing story is still checked against `can_edit`, one by one.
    """
    return user.has_perm("stories.add_story") and (not publish or is_editor(user))


def may_approve_imported_opinions(user) -> bool:
    """Whether an import by `user` may bring its opinions in approved: the system (None), or a moderator."""
    return user is None or may_moderate(user)
