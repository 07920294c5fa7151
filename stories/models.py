"""Stories, their highlights, corrections and opinions, and the audit trail.

Status changes never happen here: `stories/workflow.py` is the only code that
moves a story (or an opinion) from one state to another.
"""

import itertools
import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from . import limits
from .images import validate_lead_image
from .links import reader_url
from .richtext import CONTROL_CHARACTERS, sanitize_html

# --- What text a person may type -----------------------------------------------------------
# On the fields themselves, so that every ModelForm (the admin's among them) refuses with a message
# next to the field; the reader's opinion form and the importer apply the same rules.

_LINE_BREAKS = re.compile(r"[\r\n\t]")


def reject_control_characters(value: str) -> None:
    """Refuse characters that are not text (richtext.CONTROL_CHARACTERS): a form error, never a silent change."""
    found = CONTROL_CHARACTERS.search(value)
    if found:
        raise ValidationError(
            "Remove the invisible control characters from this text (the first is %(character)s, character %(at)d).",
            code="control_characters",
            params={"character": f"U+{ord(found[0]):04X}", "at": found.start() + 1},
        )


def reject_line_breaks(value: str) -> None:
    """Refuse line breaks and tabs in text that is one line: a headline, a name (a CRLF in one broke an email)."""
    if _LINE_BREAKS.search(value):
        raise ValidationError("Use a single line. Line breaks and tabs are not allowed here.", code="line_breaks")


# NUL is refused apart, in Django's own words (a form field refuses it first, with the same message).
TEXT_VALIDATORS = [ProhibitNullCharactersValidator(), reject_control_characters]
ONE_LINE_VALIDATORS = [*TEXT_VALIDATORS, reject_line_breaks]


def display_name(user) -> str:
    """How a person is named on the site and in the desk: full name, else username."""
    return user.get_full_name() or user.get_username()


def name_from(first_name: str, last_name: str, username: str) -> str:
    """`display_name` from a row's columns (a reader query reads no user instance): full name, else username."""
    return f"{first_name} {last_name}".strip() or username


# --- People's public face ---------------------------------------------------------------------


class ProfileQuerySet(models.QuerySet):
    def free_slug(self, name: str, *, person=None) -> str | None:
        """A public address made from `name` that no other person holds and that is nobody's login name:
        "ann-lee", else "ann-lee-2", …; None for an empty name. A name with no letter ASCII can spell
        becomes "author", "author-2", …."""
        name = " ".join(name.split())
        if not name:
            return None
        limit = Profile._meta.get_field("slug").max_length - 6  # room for "-99999"
        base = slugify(name)[:limit].strip("-_") or "author"
        people = get_user_model()
        login = people.USERNAME_FIELD
        taken = set(self.filter(slug__startswith=base).exclude(user=person).values_list("slug", flat=True))
        logins = people.objects.filter(**{f"{login}__istartswith": base}).values_list(login, flat=True)
        taken |= {value.lower() for value in logins}
        for n in itertools.count(1):
            slug = base if n == 1 else f"{base}-{n}"
            if slug not in taken:
                return slug

    def assign(self, person, slug: str = ""):
        """Give `person` the public address `slug` or, when it is empty, one made from their full name.

        A person without a name gets none: no author page, and bylines name them without a link.
        """
        attempts = 1 if slug else 3  # someone may take a made address meanwhile: it is made again
        for attempt in range(1, attempts + 1):
            chosen = slug or self.free_slug(person.get_full_name(), person=person)
            if not chosen:
                self.filter(user=person).delete()
                return None
            try:
                with transaction.atomic():
                    return self.update_or_create(user=person, defaults={"slug": chosen})[0]
            except IntegrityError:
                if attempt == attempts:
                    raise
        return None

    def for_person(self, person):
        """The person's profile, made from their full name when they have none yet (None without a name)."""
        return self.filter(user=person).first() or self.assign(person)


class Profile(models.Model):
    """What the public site knows a person by: their author page's address, never their login name.

    Bylines, the author page, feeds and structured data use `slug`; the username stays in the desk.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="profile"
    )
    slug = models.SlugField(
        "public address",
        max_length=80,
        unique=True,
        help_text="Their author page's address (/authors/ann-lee/ for Ann Lee). Never a login name.",
    )

    objects = ProfileQuerySet.as_manager()

    def __str__(self):
        return self.slug

    def get_absolute_url(self):
        return reader_url("stories:author", self.slug)


def _person(related_name="+", **options):
    """A person a row remembers (who wrote, edited, moderated): kept empty when their account goes."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name=related_name, **options
    )


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"


class OpinionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SPAM = "spam", "Spam"


class Section(models.Model):
    name = models.CharField(max_length=80, unique=True, validators=ONE_LINE_VALIDATORS)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.CharField(max_length=300, blank=True, validators=TEXT_VALIDATORS)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the site's navigation.")

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reader_url("stories:section", self.slug)


class Tag(models.Model):
    name = models.CharField(max_length=60, unique=True, validators=ONE_LINE_VALIDATORS)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reader_url("stories:tag", self.slug)


def is_live(status: str, published_at, now=None) -> bool:
    """What `StoryQuerySet.live()` selects, for one story's status and publication time (at `now`)."""
    return status == Status.PUBLISHED and published_at is not None and published_at <= (now or timezone.now())


# A story's address from its headline, with room for a "-123" suffix within the slug field's 220 characters.
SLUG_BASE_MAX_LENGTH = 200


def story_slug_base(headline: str) -> str:
    return slugify(headline)[:SLUG_BASE_MAX_LENGTH].strip("-") or "story"


def last_modified(updated_at, published_at):
    """`Story.last_modified` from a row's two times: its publication, or a later edit."""
    return max(filter(None, [updated_at, published_at]))


def is_scheduled(status: str, published_at, now=None) -> bool:
    """What `StoryQuerySet.scheduled()` selects: published, with its time still to come."""
    return status == Status.PUBLISHED and published_at is not None and published_at > (now or timezone.now())


class StoryQuerySet(models.QuerySet):
    def live(self, at=None):
        """What readers may see: published and already live (at `at`, by default now).

        `Status.PUBLISHED` alone includes scheduled stories, whose time has not come: readers see `live()`.
        """
        return self.filter(status=Status.PUBLISHED, published_at__lte=at or timezone.now())

    # The name DESIGN.md gives it, which tests and tools use.
    published = live

    def scheduled(self):
        """Published with a time still in the future: readers cannot see them yet."""
        return self.filter(status=Status.PUBLISHED, published_at__gt=timezone.now())

    def in_review(self):
        return self.filter(status=Status.REVIEW)

    def drafts(self):
        return self.filter(status=Status.DRAFT)

    def owned_by(self, user):
        """Stories the user wrote or carries the byline of.

        The bylines are a subquery, not a join: a join makes the database DISTINCT the
        whole archive, a subquery lets it look up the person's few stories by index.
        """
        bylines = Story.authors.through.objects.filter(user=user).values("story_id")
        return self.filter(Q(created_by=user) | Q(pk__in=bylines))

    def free_slug(self, headline: str) -> str:
        """An address for a new story from `headline` that no story holds: "tram-line", else "tram-line-2", …"""
        base = story_slug_base(headline)
        taken = set(self.filter(slug__startswith=base).values_list("slug", flat=True))
        return next(slug for n in itertools.count(1) if (slug := base if n == 1 else f"{base}-{n}") not in taken)

    def newest_first(self):
        """Reader order: newest publication first, the primary key breaking ties (matches story_feed_idx)."""
        return self.order_by("-published_at", "-pk")


class StoryManager(models.Manager.from_queryset(StoryQuerySet)):
    def get_queryset(self):
        # Only the database reads the search vector (about 1.5 KB a story): no list or page fetches it,
        # and a save leaves it to the triggers that keep it current.
        return super().get_queryset().defer("search_vector")


class Story(models.Model):
    title = models.CharField("headline", max_length=limits.HEADLINE_MAX_LENGTH, validators=ONE_LINE_VALIDATORS)
    slug = models.SlugField(max_length=220, unique=True, help_text="The story's address; made from the headline.")
    standfirst = models.TextField(
        max_length=400,
        blank=True,
        validators=TEXT_VALIDATORS,
        help_text="One or two sentences under the headline that sell the story.",
    )
    body = models.TextField(blank=True, help_text="Cleaned of unsafe markup when saved.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT, editable=False)
    published_at = models.DateTimeField(
        "publication time",
        null=True,
        blank=True,
        editable=False,
        help_text="When the story goes or went live; a future time means scheduled.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = _person(related_name="stories_created", editable=False)
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="bylines", verbose_name="byline"
    )
    section = models.ForeignKey(Section, null=True, blank=True, on_delete=models.SET_NULL, related_name="stories")
    tags = models.ManyToManyField(Tag, blank=True, related_name="stories")
    dateline = models.CharField(
        max_length=100, blank=True, validators=ONE_LINE_VALIDATORS, help_text="Where the story was reported from."
    )
    lead_image = models.ImageField(upload_to="lead-images/%Y/%m/", blank=True, validators=[validate_lead_image])
    lead_image_alt = models.CharField(
        "alt text",
        max_length=250,
        blank=True,
        validators=ONE_LINE_VALIDATORS,
        help_text="Describes the image for readers who cannot see it.",
    )
    lead_image_caption = models.CharField(
        "caption and credit", max_length=300, blank=True, validators=ONE_LINE_VALIDATORS
    )
    opinions_closed = models.BooleanField(default=False, help_text="Stop accepting opinions on this story.")
    # Reader search on PostgreSQL: the headline (weight A), body (C) and highlights (B) as one stored
    # vector, indexed (story_search_vector_idx). The database computes it (migration 0005's triggers)
    # whatever writes a story or its highlights: the admin, an import, a restored revision, a bulk
    # update. No code sets it: a full save sends the headline too, so the trigger replaces what it
    # sent. Empty on SQLite, which searches without it.
    search_vector = SearchVectorField(null=True, editable=False, serialize=False)
    # Optimistic lock: a save based on an older version is refused (edit conflicts).
    version = models.PositiveIntegerField(default=1, editable=False)
    last_edited_by = _person(editable=False)

    objects = StoryManager()

    class Meta:
        verbose_name_plural = "stories"
        ordering = ["-published_at", "-created_at"]
        permissions = [
            ("edit_any_story", "Can edit any story in any state"),
            ("publish_story", "Can publish, schedule, unpublish and request changes"),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="story_status_pub_idx"),
            # Reader lists walk these newest first, the primary key breaking ties, so a page (and the
            # story page's previous/next links) reads a few index entries whatever the archive's size.
            models.Index(fields=["-published_at", "-id"], condition=Q(status="published"), name="story_feed_idx"),
            models.Index(
                fields=["section", "-published_at", "-id"],
                condition=Q(status="published"),
                name="story_section_feed_idx",
            ),
            # The admin story list's order (Meta.ordering plus the admin's primary key).
            models.Index(fields=["-published_at", "-created_at", "-id"], name="story_admin_order_idx"),
            models.Index(fields=["-created_at"], name="story_created_idx"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # Rich text is cleaned on every save, whoever writes it (admin, import, shell).
        self.clean_rich_text()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reader_url("stories:detail", self.slug)

    def clean_rich_text(self) -> None:
        """The body with only the allowed markup (stories.richtext); `save` and bulk edits call it."""
        self.body = sanitize_html(self.body)

    @property
    def is_live(self):
        return is_live(self.status, self.published_at)

    @property
    def is_scheduled(self):
        return is_scheduled(self.status, self.published_at)

    @property
    def last_modified(self):
        """When readers' copy last changed: its publication, or a later edit."""
        return last_modified(self.updated_at, self.published_at)

    def is_owned_by(self, user):
        if not user.is_authenticated:
            return False
        if self.created_by_id == user.pk:
            return True
        # authors.all() so that a prefetch (the admin's, for one) answers without a query.
        return self.pk is not None and any(author.pk == user.pk for author in self.authors.all())


class HighlightQuerySet(models.QuerySet):
    def counts_by_story(self, stories) -> dict[int, int]:
        """{story key: number of highlights} for `stories`, in one grouped count (stories with none are absent)."""
        return dict(
            self.filter(story__in=stories)
            .values("story_id")
            .annotate(count=models.Count("pk"))
            .values_list("story_id", "count")
            .order_by()
        )


class Highlight(models.Model):
    MAX_LENGTH = limits.HIGHLIGHT_MAX_LENGTH

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="highlights")
    text = models.CharField(max_length=MAX_LENGTH, validators=ONE_LINE_VALIDATORS, help_text="One short sentence.")
    position = models.PositiveSmallIntegerField(default=0)

    objects = HighlightQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.text


class Correction(models.Model):
    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        UPDATE = "update", "Update"

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.CORRECTION)
    text = models.TextField(max_length=1000, validators=TEXT_VALIDATORS)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = _person()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.created_at:%Y-%m-%d}"


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
    moderated_by = _person(editable=False)
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
        return f"{self.author_name} on {self.story_id}"


class StoryTransition(models.Model):
    """One row per status change: who moved which story from where to where, and why."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=12, choices=Status.choices)
    to_status = models.CharField(max_length=12, choices=Status.choices)
    actor = _person()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"


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
    assignee = _person(related_name="assignments")
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
    created_by = _person(related_name="pitches", editable=False, verbose_name="pitched by")
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
    actor = _person()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.from_state or '—'} → {self.to_state}"
