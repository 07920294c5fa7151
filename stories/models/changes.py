"""What a live story gathers after it is published: live updates, and changes held for review."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from .. import limits
from ..richtext import sanitize_html
from .people import person_field
from .stories import Story
from .text import ONE_LINE_VALIDATORS, TEXT_VALIDATORS


class LiveUpdateQuerySet(models.QuerySet):
    def newest_first(self):
        """Reader order: key events (pinned) first, then newest first; the primary key breaks ties."""
        return self.order_by("-pinned", "-created_at", "-pk")


class LiveUpdate(models.Model):
    """One update of a story's live coverage: a short post from the desk, shown on the story page newest first
    (key events, `pinned`, above the rest), in its feed, and fetched by readers' open pages.

    Posted, edited and deleted through the workflow (post_update, edit_update, delete_update), which keeps a
    revision of each change (django-reversion). The body is rich text, cleaned on every save.
    """

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="live_updates")
    headline = models.CharField(
        max_length=limits.HEADLINE_MAX_LENGTH, blank=True, validators=ONE_LINE_VALIDATORS, help_text="Optional."
    )
    body = models.TextField(validators=TEXT_VALIDATORS, help_text="Cleaned of unsafe markup when saved.")
    author = person_field(related_name="live_updates")
    pinned = models.BooleanField("key event", default=False, help_text="Shown first, marked “Key event”.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LiveUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["story", "-created_at"], name="live_update_story_idx")]

    def __str__(self):
        return self.headline or f"Update {self.pk} on {self.story_id}"

    def save(self, *args, **kwargs):
        # Cleaned on every save, whoever writes it (the desk's form, a shell), as a story's body is.
        self.body = sanitize_html(self.body)
        super().save(*args, **kwargs)


class RevisionState(models.TextChoices):
    PENDING = "pending", "Pending review"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHED = "published", "Published"
    DISCARDED = "discarded", "Discarded"


class PendingRevisionQuerySet(models.QuerySet):
    def open(self):
        """Still waiting: for an editor's decision (pending) or for their time (scheduled)."""
        return self.filter(state__in=[RevisionState.PENDING, RevisionState.SCHEDULED])

    def due(self, at=None):
        """Scheduled, with their time come (at `at`, by default now)."""
        return self.filter(state=RevisionState.SCHEDULED, publish_at__lte=at or timezone.now())


class PendingRevision(models.Model):
    """Changes to a published story held for an editor's review: readers keep the live text until they are
    published (workflow.publish_revision), now or at `publish_at`.

    `content` holds what was proposed (the fields of `REVISED_FIELDS` and the highlights' texts, in order) and
    `base` the same fields of the live story it was made from, so that publishing can tell what the revision
    changes from what the desk changed since (see workflow.revising).
    """

    # The story's fields a revision holds; its highlights go beside them as "highlights", a list of texts.
    REVISED_FIELDS = (
        "title",
        "standfirst",
        "body",
        "dateline",
        "section_id",
        "lead_image_alt",
        "lead_image_caption",
    )

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="pending_revisions")
    content = models.JSONField(default=dict, blank=True)
    base = models.JSONField(default=dict, blank=True)
    base_version = models.PositiveIntegerField(default=0)
    # Whether readers are to be told the story changed ("Updated") when it is published.
    substantive = models.BooleanField(default=False)
    comment = models.TextField(blank=True, max_length=2000, validators=TEXT_VALIDATORS)
    proposed_by = person_field()
    created_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=10, choices=RevisionState.choices, default=RevisionState.PENDING)
    publish_at = models.DateTimeField(null=True, blank=True)
    decided_by = person_field()
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = PendingRevisionQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            # The next scheduled revision (the page cache asks when the clock next changes what readers see).
            models.Index(fields=["publish_at"], condition=Q(state="scheduled"), name="revision_due_idx"),
            models.Index(fields=["story", "state"], name="revision_story_state_idx"),
        ]

    def __str__(self):
        return f"Revision of {self.story_id} ({self.state})"

    def save(self, *args, **kwargs):
        # The body is cleaned when stored, as a story's is: a revision's text is shown in the desk and published.
        if "body" in self.content:
            self.content = {**self.content, "body": sanitize_html(self.content["body"] or "")}
        super().save(*args, **kwargs)

    @property
    def is_open(self):
        return self.state in (RevisionState.PENDING, RevisionState.SCHEDULED)
