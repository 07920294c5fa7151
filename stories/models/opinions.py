"""Readers' opinions and the rules that moderate them."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone

from .. import limits
from .people import person_field
from .stories import Story
from .text import ONE_LINE_VALIDATORS, TEXT_VALIDATORS


class OpinionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SPAM = "spam", "Spam"


class OpinionQuerySet(models.QuerySet):
    def approved(self):
        """The only opinions ever shown publicly."""
        return self.filter(status=OpinionStatus.APPROVED)

    def pending(self):
        """Waiting for a moderator."""
        return self.filter(status=OpinionStatus.PENDING)


class Opinion(models.Model):
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="opinions")
    author_name = models.CharField("name", max_length=limits.OPINION_NAME_MAX_LENGTH, validators=ONE_LINE_VALIDATORS)
    email = models.EmailField(blank=True, help_text="Never shown publicly.")
    body = models.TextField("opinion", validators=[MaxLengthValidator(settings.OPINION_MAX_LENGTH), *TEXT_VALIDATORS])
    status = models.CharField(
        max_length=10, choices=OpinionStatus.choices, default=OpinionStatus.PENDING, editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # A salted hash of the sender's address: enough to rate-limit, not to identify.
    ip_hash = models.CharField(max_length=64, blank=True, editable=False)
    flags = models.JSONField(default=list, blank=True, editable=False)
    moderated_by = person_field(editable=False)
    moderated_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = OpinionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [("moderate_opinion", "Can approve, reject and mark opinions as spam")]
        indexes = [
            models.Index(fields=["status", "created_at"], name="opinion_queue_idx"),
            models.Index(fields=["story", "status", "-created_at"], name="opinion_story_idx"),
            # "All" in the moderation queue: every status, oldest first.
            models.Index(fields=["created_at", "id"], name="opinion_created_idx"),
        ]

    def __str__(self):
        # How the desk names it (page titles, the history): whose opinion, on which story. Lists that show many
        # read their stories with them (OpinionAdmin.get_queryset).
        return f"{self.author_name} on “{self.story.title}”"


class ModerationPolicy(models.Model):
    """Site-wide opinion rules, edited by editors in the admin (one row)."""

    class Action(models.TextChoices):
        SPAM = "spam", "Mark as spam"
        HOLD = "hold", "Hold in the queue, flagged"

    link_limit = models.PositiveSmallIntegerField(
        default=2, help_text="Opinions with more links than this are flagged."
    )
    banned_word_action = models.CharField(max_length=8, choices=Action.choices, default=Action.HOLD)
    close_after_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Close opinions this many days after publication; empty keeps them open."
    )

    class Meta:
        verbose_name = "moderation policy"
        verbose_name_plural = "moderation policy"

    def __str__(self):
        return "Moderation policy"

    @classmethod
    def current(cls):
        return cls.objects.first() or cls()


class BannedWord(models.Model):
    word = models.CharField(max_length=60, unique=True, validators=ONE_LINE_VALIDATORS)

    class Meta:
        ordering = ["word"]

    def __str__(self):
        return self.word
