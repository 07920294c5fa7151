"""Planning: what the desk means to publish, before it is written."""

from django.db import models
from django.utils import timezone

from .. import limits
from .people import person_field
from .stories import Section, Story
from .text import ONE_LINE_VALIDATORS, TEXT_VALIDATORS

# --- Planning: what the desk means to publish, before it is written ----------------------------


class AssignmentState(models.TextChoices):
    PITCHED = "pitched", "Pitched"
    ASSIGNED = "assigned", "Assigned"
    DECLINED = "declined", "Declined"
    FILED = "filed", "Filed"


class Priority(models.IntegerChoices):
    HIGH = 1, "High"
    NORMAL = 2, "Normal"
    LOW = 3, "Low"


class AssignmentQuerySet(models.QuerySet):
    def open(self):
        """What the budget plans: pitched and assigned work, and filed work until its story is live."""
        return self.exclude(state=AssignmentState.DECLINED)

    def due_between(self, start, end):
        """Due in [start, end), soonest first."""
        return self.filter(due_at__gte=start, due_at__lt=end).order_by("due_at", "pk")

    def for_board(self):
        """With what each line of the budget shows: desk, assignee, its story's state, in one query."""
        return self.select_related("desk", "assignee", "story").only(
            "title",
            "due_at",
            "planned_words",
            "priority",
            "notes",
            "state",
            "desk__name",
            "desk__position",
            "assignee__username",
            "assignee__first_name",
            "assignee__last_name",
            "story__title",
            "story__status",
            "story__published_at",
        )


class Assignment(models.Model):
    """A story the desk plans: pitched by someone, assigned by an editor to a writer, due at a time.

    Its `state` moves only through stories/workflow/planning.py. Once work starts it is linked to the draft
    story, and from then on what the budget shows of its progress is the story's own status.
    """

    title = models.CharField(
        "working title", max_length=limits.HEADLINE_MAX_LENGTH, blank=True, validators=ONE_LINE_VALIDATORS
    )
    desk = models.ForeignKey(Section, null=True, blank=True, on_delete=models.SET_NULL, related_name="assignments")
    assignee = person_field(related_name="assignments")
    due_at = models.DateTimeField("due", null=True, blank=True)
    planned_words = models.PositiveIntegerField("planned words", null=True, blank=True)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    notes = models.TextField(blank=True, max_length=4000, validators=TEXT_VALIDATORS)
    state = models.CharField(
        max_length=10, choices=AssignmentState.choices, default=AssignmentState.PITCHED, editable=False
    )
    story = models.OneToOneField(
        Story, null=True, blank=True, on_delete=models.SET_NULL, related_name="assignment", editable=False
    )
    created_by = person_field(related_name="pitches", editable=False, verbose_name="pitched by")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["due_at", "id"], name="assignment_due_idx")]

    def __str__(self):
        return self.title or f"Assignment {self.pk}"

    def is_overdue(self, now=None):
        """Due and not yet filed: the story has not gone to review by its time."""
        return (
            self.due_at is not None
            and self.due_at < (now or timezone.now())
            and self.state in (AssignmentState.PITCHED, AssignmentState.ASSIGNED)
        )


class AssignmentEvent(models.Model):
    """One row per move of an assignment: who pitched, assigned, declined, started or filed it, and why."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=10, choices=AssignmentState.choices, blank=True)
    to_state = models.CharField(max_length=10, choices=AssignmentState.choices)
    actor = person_field()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.from_state or '—'} → {self.to_state}"
