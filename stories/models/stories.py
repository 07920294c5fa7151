"""Stories, their sections, tags, highlights and notices, and the audit trail of their moves.

Status changes never happen here: `stories/workflow` is the only code that moves a story from one state to
another.
"""

import itertools

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from .. import limits
from ..images import validate_lead_image
from ..links import reader_url
from ..renditions import upright_size
from ..richtext import sanitize_html
from .people import person_field
from .text import ONE_LINE_VALIDATORS, TEXT_VALIDATORS


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"
    # Taken down (a legal order, a grave error): its address answers 410 with the editor's public notice.
    KILLED = "killed", "Killed"


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


def tag_key(name: str) -> str:
    """How tag names compare: case and spacing aside ("City  hall" is "city hall")."""
    return " ".join(name.split()).casefold()


def tag_slug(name: str) -> str:
    """A new tag's address from its name ("" when the name has no letter or digit to make one of)."""
    return slugify(name)[: Tag._meta.get_field("slug").max_length].strip("-")


class TagQuerySet(models.QuerySet):
    def named(self, names) -> dict[str, "Tag"]:
        """The existing tags that `names` mean, by `tag_key` of each name, in one query.

        A name means the tag of that name whatever its case and spacing, else the tag holding the address the
        name would take (slugs are unique: "city-hall" is "City Hall"). Names that mean no tag are absent.
        """
        wanted = {tag_key(name): " ".join(name.split()) for name in names if tag_key(name)}
        if not wanted:
            return {}
        slugs = {key: tag_slug(name) for key, name in wanted.items()}
        query = Q(slug__in=[slug for slug in slugs.values() if slug])
        for name in wanted.values():
            query |= Q(name__iexact=name)
        found = list(self.filter(query))
        by_key, by_slug = {tag_key(tag.name): tag for tag in found}, {tag.slug: tag for tag in found}
        meant = {key: by_key.get(key) or by_slug.get(slugs[key]) for key in wanted}
        return {key: tag for key, tag in meant.items() if tag is not None}


class Tag(models.Model):
    name = models.CharField(max_length=60, unique=True, validators=ONE_LINE_VALIDATORS)
    slug = models.SlugField(max_length=60, unique=True)

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reader_url("stories:tag", self.slug)


def is_live(status: str, published_at, now=None, expires_at=None) -> bool:
    """What `StoryQuerySet.live()` selects, for one story's status, publication and expiry times (at `now`).

    An embargo needs no test of its own: a story's publication time is never before its embargo ends (the
    `story_not_before_embargo` constraint), so an embargoed story is at most scheduled.
    """
    now = now or timezone.now()
    return (
        status == Status.PUBLISHED
        and published_at is not None
        and published_at <= now
        and (expires_at is None or expires_at > now)
    )


def is_expired(status: str, expires_at, now=None) -> bool:
    """Published, with its expiry time passed: gone from every list, its address answering 410."""
    return status == Status.PUBLISHED and expires_at is not None and expires_at <= (now or timezone.now())


def is_embargoed(embargo_until, now=None) -> bool:
    """Under embargo at `now`: nothing of the story reaches the public until `embargo_until`, whatever its status."""
    return embargo_until is not None and embargo_until > (now or timezone.now())


def is_covered_live(live_started_at, live_ended_at) -> bool:
    """Live coverage started and not ended (a story's `live_started_at` and `live_ended_at`)."""
    return live_started_at is not None and live_ended_at is None


# A story's address from its headline, with room for a "-123" suffix within the slug field's 220 characters.
SLUG_BASE_MAX_LENGTH = 200


def story_slug_base(headline: str) -> str:
    return slugify(headline)[:SLUG_BASE_MAX_LENGTH].strip("-") or "story"


def last_modified(updated_at, published_at):
    """`Story.last_modified` from a row's two times: its publication, or a later edit of any kind.

    When the bytes of its pages last changed (HTTP's Last-Modified), not what readers are told: see `updated`.
    """
    return max(filter(None, [updated_at, published_at]))


def updated(modified_at, published_at):
    """`Story.updated` from a row's two times: its publication, or its last substantive change or notice.

    What readers and machines are told ("Updated", dateModified, a feed's updated date, a sitemap's lastmod): a
    typo fixed or an import leaves it. None for a story never published.
    """
    return max(filter(None, [modified_at, published_at]), default=None)


def is_scheduled(status: str, published_at, now=None) -> bool:
    """What `StoryQuerySet.scheduled()` selects: published, with its time still to come."""
    return status == Status.PUBLISHED and published_at is not None and published_at > (now or timezone.now())


def not_expired_at(at, story="") -> Q:
    """Whether the story (reached through the relation `story`, e.g. "story__", from another model) has no expiry
    or one still to come at `at`."""
    return Q(**{f"{story}expires_at__isnull": True}) | Q(**{f"{story}expires_at__gt": at})


class StoryQuerySet(models.QuerySet):
    def live(self, at=None):
        """What readers may see: published, already live and not expired (at `at`, by default now).

        `Status.PUBLISHED` alone includes scheduled stories, whose time has not come, and expired ones, whose
        time has gone: readers see `live()`. An embargoed story is at most scheduled (see `is_live`).
        """
        at = at or timezone.now()
        return self.filter(not_expired_at(at), status=Status.PUBLISHED, published_at__lte=at)

    # The name DESIGN.md gives it, which tests and tools use.
    published = live

    def scheduled(self):
        """Published with a time still in the future: readers cannot see them yet."""
        return self.filter(status=Status.PUBLISHED, published_at__gt=timezone.now())

    def expired(self, at=None):
        """Published, with their expiry time passed: their addresses answer 410 Gone."""
        return self.filter(status=Status.PUBLISHED, expires_at__lte=at or timezone.now())

    def embargoed(self, at=None):
        """Under embargo, whatever their status."""
        return self.filter(embargo_until__gt=at or timezone.now())

    def killed(self):
        """Taken down: their addresses answer 410 with the editor's notice."""
        return self.filter(status=Status.KILLED)

    def gone(self, at=None):
        """What once was public and no longer is for good: killed or expired stories (410, not 404)."""
        at = at or timezone.now()
        return self.filter(Q(status=Status.KILLED) | Q(status=Status.PUBLISHED, expires_at__lte=at))

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
    created_by = person_field(related_name="stories_created", editable=False)
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
    # The point of the picture every crop keeps (stories.renditions), in percent from the left and from the top.
    lead_image_focus_x = models.PositiveSmallIntegerField(
        "focal point across (%)",
        default=50,
        validators=[MaxValueValidator(100)],
        help_text="Where the subject is, from the left edge (0) to the right edge (100). Crops keep it in.",
    )
    lead_image_focus_y = models.PositiveSmallIntegerField(
        "focal point down (%)",
        default=50,
        validators=[MaxValueValidator(100)],
        help_text="From the top edge (0) to the bottom edge (100).",
    )
    # The lead image's size as readers see it (upright), read from a new upload when it is saved: pages give
    # their <img> its width and height, and list its renditions, without opening the file.
    lead_image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    lead_image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    opinions_closed = models.BooleanField(default=False, help_text="Stop accepting opinions on this story.")
    embargo_until = models.DateTimeField(
        "embargo until",
        null=True,
        blank=True,
        help_text="Nothing of the story reaches the public before this time, even once published. Only an "
        "editor can lift it early, with a reason.",
    )
    expires_at = models.DateTimeField(
        "expires",
        null=True,
        blank=True,
        help_text="After this time the story leaves every list, feed and sitemap and its address answers "
        "“410 Gone” (syndicated or time-limited material). Empty keeps it.",
    )
    # When readers were last told it changed: a substantive edit or a notice (correction, update…). A minor edit
    # (a typo) and an import leave it, so "Updated", dateModified and the feeds' updated date stay honest.
    modified_at = models.DateTimeField("substantively updated", null=True, blank=True, editable=False)
    # Reader search on PostgreSQL: the headline (weight A), body (C) and highlights (B) as one stored
    # vector, indexed (story_search_vector_idx). The database computes it (migration 0005's triggers)
    # whatever writes a story or its highlights: the admin, an import, a restored revision, a bulk
    # update. No code sets it: a full save sends the headline too, so the trigger replaces what it
    # sent. Empty on SQLite, which searches without it.
    search_vector = SearchVectorField(null=True, editable=False, serialize=False)
    # Live coverage (workflow.start_live / end_live): updates posted while it runs show on the story page,
    # newest first, and readers' pages fetch new ones without reloading. Started and never ended: still live.
    live_started_at = models.DateTimeField("live coverage started", null=True, blank=True, editable=False)
    live_ended_at = models.DateTimeField("live coverage ended", null=True, blank=True, editable=False)
    # The date line of the plain-text document the story was imported from (stories.ingest): with the headline, what
    # recognises that document when it is imported again, whatever the desk did with the story's own times since.
    source_date = models.DateTimeField("date of its source document", null=True, blank=True, editable=False)
    # Optimistic lock: a save based on an older version is refused (edit conflicts).
    version = models.PositiveIntegerField(default=1, editable=False)
    last_edited_by = person_field(editable=False)

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
            # The next story to expire (the page cache asks when the lists change next), read by index.
            models.Index(
                fields=["expires_at"],
                condition=Q(status="published", expires_at__isnull=False),
                name="story_expiry_idx",
            ),
        ]
        constraints = [
            # An embargo holds whatever writes the row: a story never goes live before its embargo ends.
            models.CheckConstraint(
                condition=Q(embargo_until__isnull=True)
                | Q(published_at__isnull=True)
                | Q(published_at__gte=models.F("embargo_until")),
                name="story_not_before_embargo",
                violation_error_message="A story cannot be published before its embargo ends.",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # Rich text is cleaned on every save, whoever writes it (admin, import, shell).
        self.clean_rich_text()
        self.measure_lead_image(kwargs.get("update_fields"))
        if kwargs.get("update_fields") is not None and "lead_image" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "lead_image_width", "lead_image_height"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reader_url("stories:detail", self.slug)

    def measure_lead_image(self, update_fields=None) -> None:
        """Read a newly uploaded lead image's upright size (its header only); no image, no size.

        Like Django's ImageField width and height fields, but turned as the EXIF orientation says (the renditions
        are) and never opening a stored file: a file already stored keeps the size measured when it came.
        """
        if update_fields is not None and "lead_image" not in update_fields:
            return
        if not self.lead_image:
            self.lead_image_width = self.lead_image_height = None
        elif not self.lead_image._committed:
            self.lead_image_width, self.lead_image_height = upright_size(self.lead_image.file)

    def clean_rich_text(self) -> None:
        """The body with only the allowed markup (stories.richtext); `save` and bulk edits call it."""
        self.body = sanitize_html(self.body)

    @property
    def is_live(self):
        return is_live(self.status, self.published_at, expires_at=self.expires_at)

    @property
    def is_embargoed(self):
        return is_embargoed(self.embargo_until)

    @property
    def is_expired(self):
        return is_expired(self.status, self.expires_at)

    @property
    def is_scheduled(self):
        return is_scheduled(self.status, self.published_at)

    @property
    def last_modified(self):
        """When readers' copy last changed in any way: its publication, or a later edit (even a typo fixed)."""
        return last_modified(self.updated_at, self.published_at)

    @property
    def updated(self):
        """When readers were last told it changed: its publication, or a later substantive change or notice."""
        return updated(self.modified_at, self.published_at)

    @property
    def has_live_coverage(self):
        """Live coverage was opened, whether or not it has ended since (the page shows its updates)."""
        return self.live_started_at is not None

    @property
    def is_covered_live(self):
        """Live coverage is running now: the desk posts updates and readers' pages fetch them."""
        return is_covered_live(self.live_started_at, self.live_ended_at)

    def is_owned_by(self, user):
        if not user.is_authenticated:
            return False
        if self.created_by_id == user.pk:
            return True
        # authors.all() so that a prefetch (the admin's, for one) answers without a query.
        return self.pk is not None and any(author.pk == user.pk for author in self.authors.all())


class StoryTimeCopy(models.Model):
    """A row of a story's many-to-many table as a list page reads it: it also holds its story's publication time,
    which the database keeps equal to the story's (triggers of migrations 0017 and 0018, on every write however
    made; stories/migrations/_story_time.py).

    A tag's or a person's newest stories are then a walk of one index (tag or person, newest first) that stops
    after a page, instead of fetching all of their stories to sort them. The copy is written in the same statement
    as the story's time, so a list reads whether a story's time has come from it, and the story's status and
    expiry from the story's row. Rows are written through the many-to-many field alone (these models are not
    managed): the table, its constraints and triggers belong to the field and the migrations.
    """

    story = models.ForeignKey(Story, on_delete=models.DO_NOTHING, related_name="+")
    published_at = models.DateTimeField(null=True, editable=False)

    class Meta:
        abstract = True
        managed = False


class TaggedStory(StoryTimeCopy):
    """The tags' table (`Story.tags`), read by a tag's page."""

    tag = models.ForeignKey(Tag, on_delete=models.DO_NOTHING, related_name="+")

    class Meta(StoryTimeCopy.Meta):
        db_table = "stories_story_tags"

    def __str__(self):
        return f"story {self.story_id} tagged {self.tag_id}"


class BylinedStory(StoryTimeCopy):
    """The bylines' table (`Story.authors`), read by an author's page."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, related_name="+")

    class Meta(StoryTimeCopy.Meta):
        db_table = "stories_story_authors"

    def __str__(self):
        return f"story {self.story_id} by {self.user_id}"


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


class CorrectionQuerySet(models.QuerySet):
    def shown(self, at=None):
        """The notices readers may see: those of live stories (at `at`, by default now)."""
        return self.filter(story__in=Story.objects.live(at=at))

    def newest_first(self):
        return self.order_by("-created_at", "-pk")


class Correction(models.Model):
    """A notice under a published story: a correction, a clarification, an update or an editor's note.

    Readers see each under its story, in time order with its kind, and all of them on /corrections/. Adding one
    tells readers the story changed (`Story.modified_at`: see workflow.edit_story).
    """

    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        CLARIFICATION = "clarification", "Clarification"
        UPDATE = "update", "Update"
        EDITORS_NOTE = "editors_note", "Editor’s note"

    # The kinds schema.org's `correction` of an article describes (CorrectionComment): what was wrong or unclear.
    # An update or an editor's note adds to the story instead.
    CORRECTING = frozenset({Kind.CORRECTION, Kind.CLARIFICATION})

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(max_length=14, choices=Kind.choices, default=Kind.CORRECTION)
    text = models.TextField(max_length=1000, validators=TEXT_VALIDATORS)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = person_field()

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.created_at:%Y-%m-%d}"


class StoryTransition(models.Model):
    """One row per status change: who moved which story from where to where, and why."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=12, choices=Status.choices)
    to_status = models.CharField(max_length=12, choices=Status.choices)
    actor = person_field()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"
