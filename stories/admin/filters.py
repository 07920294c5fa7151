"""The desk's list filters: the story list's and the opinion queue's."""

from django.contrib import admin
from django.db.models import Count, Exists, F, Min, OuterRef, Q, Subquery

from .. import counts, workflow
from ..models import OpinionStatus, display_name


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            ("draft", "Draft"),
            ("review", "In review"),
            ("scheduled", "Scheduled"),
            ("live", "Published (live)"),
            ("embargoed", "Under embargo"),
            ("expired", "Expired"),
            ("killed", "Killed"),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "draft":
                return queryset.drafts()
            case "review":
                return queryset.in_review()
            case "scheduled":
                return queryset.scheduled()
            case "live":
                return queryset.live()
            case "embargoed":
                return queryset.embargoed()
            case "expired":
                return queryset.expired()
            case "killed":
                return queryset.killed()
        return queryset


class SectionFilter(admin.RelatedOnlyFieldListFilter):
    """Sections holding at least one of the stories listed: one index probe per section, no DISTINCT over the
    whole archive."""

    def field_choices(self, field, request, model_admin):
        stories = model_admin.get_queryset(request).filter(section=OuterRef("pk"))
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(include_blank=False, limit_choices_to=Q(Exists(stories)), ordering=ordering)


class AuthorFilter(admin.RelatedOnlyFieldListFilter):
    """The people on the byline of at least one of the stories listed, by name."""

    def field_choices(self, field, request, model_admin):
        # One lookup per person: the first of their stories found. PostgreSQL turns an IN or EXISTS into a
        # join of every story with its byline (the whole archive); a LIMIT 1 subquery it runs per person.
        stories = model_admin.get_queryset(request).order_by().filter(**{self.field_path: OuterRef("pk")})
        users = (
            field.related_model._default_manager.alias(first_story=Subquery(stories.values("pk")[:1]))
            .filter(first_story__isnull=False)
            .order_by("first_name", "last_name")
        )
        return [(u.pk, display_name(u)) for u in users]


class OpinionStatusFilter(admin.SimpleListFilter):
    """Status with a count for each; with no status chosen the queue shows what is pending."""

    title = "status"
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        # Each count walks opinion_queue_idx and stops past EXACT_COUNT_LIMIT: "Approved (10,000+)". Only opinions
        # on stories the person may open count (OpinionAdmin.get_queryset).
        queue = model_admin.get_queryset(request)
        limit = counts.EXACT_COUNT_LIMIT
        found = counts.capped_counts([queue.filter(status=v) for v in OpinionStatus.values], limit)
        return [
            (value, f"{label} ({counts.shown_count(n, limit)})")
            for (value, label), n in zip(OpinionStatus.choices, found, strict=True)
        ]

    def value(self):
        return super().value() or OpinionStatus.PENDING

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }
        yield {
            "selected": self.value() == self.ALL,
            "query_string": changelist.get_query_string({self.parameter_name: self.ALL}),
            "display": "All",
        }

    def queryset(self, request, queryset):
        if self.value() == self.ALL:
            return queryset
        return queryset.filter(status=self.value())


class OpinionStoryFilter(admin.RelatedFieldListFilter):
    """The stories whose opinions have waited longest for a moderator, each with how many wait on it.

    Not every story with an opinion (on a large archive, most of them): the first few in the queue's own
    order, found among the oldest pending opinions (opinion_queue_idx), and the story already chosen, if any.
    Any other story is a search away, or one click on the "(all)" link beside it in the queue.
    """

    title_text = "story with pending opinions"
    shown = 20
    # Oldest pending opinions read to find them: at least `shown` stories unless a few stories hold them all.
    read = 200

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = self.title_text

    def field_choices(self, field, request, model_admin):
        # Only stories the person may open, like the queue itself (OpinionAdmin.get_queryset).
        oldest = model_admin.get_queryset(request).pending().order_by("created_at").values("story_id")[: self.read]
        stories = workflow.visible_stories(request.user)
        choices = self._waiting(stories.filter(pk__in=oldest), self.shown)
        listed = {str(pk) for pk, _ in choices}
        ids = [v for v in self.lookup_val or [] if v.isascii() and v.isdigit() and len(v) <= 19]  # a bigint's digits
        chosen = {str(int(v)) for v in ids} - listed
        if chosen:
            # One exact lookup each: Django answers an out-of-range id with no row rather than an error.
            choices += self._waiting(stories.filter(Q.create([("pk", v) for v in chosen], connector=Q.OR)))
        return choices

    @staticmethod
    def _waiting(stories, limit=None):
        """(pk, "Headline (pending count)") of the stories, the one waiting longest first."""
        pending = Q(opinions__status=OpinionStatus.PENDING)
        rows = (
            stories.annotate(
                waiting=Count("opinions", filter=pending), since=Min("opinions__created_at", filter=pending)
            )
            .order_by(F("since").asc(nulls_last=True), "pk")
            .values_list("pk", "title", "waiting")[:limit]
        )
        return [(pk, f"{title} ({waiting})" if waiting else title) for pk, title, waiting in rows]
