"""What the desk keeps of a story form nobody has saved yet: one autosave per person and story."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .stories import Story


class StoryAutosaveQuerySet(models.QuerySet):
    def of(self, user, story=None):
        """`user`'s autosave of `story`, or of the new story they were writing when `story` is None."""
        if story is None or story.pk is None:
            return self.filter(user=user, story__isnull=True)
        return self.filter(user=user, story=story)


class StoryAutosave(models.Model):
    """A person's unsaved changes to a story form, as the form last held them (its fields' names and values).

    The desk's page writes it every few seconds while the form differs from what was saved, and offers it back
    when that person opens the form again; a real save of the story, or "Discard", deletes it. Nobody else ever
    sees it: it is looked up by its person, never by its id. A new story, not yet saved, has one per person.
    """

    story = models.ForeignKey(Story, null=True, blank=True, on_delete=models.CASCADE, related_name="autosaves")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="story_autosaves")
    # [[name, value], …] in the form's order, as the browser's FormData gives them (a name may repeat).
    data = models.JSONField(default=list)
    saved_at = models.DateTimeField(default=timezone.now)

    objects = StoryAutosaveQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "story"], condition=Q(story__isnull=False), name="story_autosave_one_per_story"
            ),
            models.UniqueConstraint(
                fields=["user"], condition=Q(story__isnull=True), name="story_autosave_one_new_story"
            ),
        ]

    def __str__(self):
        return f"Autosave of {self.story or 'a new story'} by {self.user}"
