"""The story page's data: the story and everything around it, its first page of opinions included, in ONE query.

Highlights, byline, tags, corrections, previous and next story, related stories, the site's sections, live
updates and the first page of approved opinions (with their total and the moderation policy's closing delay)
would cost a query each; each is folded in by the database (`stories.reading`'s JSON lists). Built once per
process (`CompiledQuery`): only the story's key (or slug), the current time and the opinions' page size vary.
"""

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.db import connection, models
from django.db.models import Count, F, Func, Lookup, OuterRef, Q, Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone

from .compiled import CompiledQuery, db_datetime
from .links import reader_urls
from .models import (
    Correction,
    ModerationPolicy,
    Opinion,
    OpinionStatus,
    Status,
    Story,
    StoryTransition,
    Tag,
    TaggedStory,
    is_embargoed,
    is_live,
    last_modified,
    updated,
)
from .reading import (
    IMAGE_FIELDS,
    KEY,
    NOW,
    SLUG,
    _byline_list,
    _highlight_list,
    _json_list,
    _lead_image,
    _live_update_list,
    _newest,
    _outer,
    _section,
    _walked,
    byline,
    json_value,
    live_coverage,
    live_updates,
    navigation,
    notice,
    section_list,
)

RELATED_STORIES = 4


STORY_FIELDS = (
    "pk",
    "title",
    "slug",
    "standfirst",
    "body",
    "status",
    "dateline",
    "published_at",
    "created_at",
    "updated_at",
    "lead_image",
    "lead_image_alt",
    "lead_image_caption",
    *IMAGE_FIELDS,
    "opinions_closed",
    "embargo_until",
    "expires_at",
    "modified_at",
    "live_started_at",
    "live_ended_at",
)
LINK_FIELDS = {"pk": "pk", "title": "title", "slug": "slug", "published_at": "published_at", "section": "section__name"}


def _opinions(per_page):
    """The story's first page of approved opinions (newest first), their total and the policy's closing delay:
    what the Opinions section shows when no other page of opinions is asked for (stories.opinions)."""
    approved = Opinion.objects.filter(status=OpinionStatus.APPROVED)
    first_page = approved.filter(story=_outer("pk", 2)).order_by("-created_at", "-pk").values("pk")[:per_page]
    total = approved.filter(story=OuterRef("pk")).order_by().values("story").annotate(n=Count("pk")).values("n")
    return {
        "opinion_list": _json_list(
            Opinion.objects.filter(pk__in=Subquery(first_page)),
            pk="pk",
            author_name="author_name",
            body="body",
            created_at="created_at",
        ),
        "opinion_total": Subquery(total),
        "close_after_days": Subquery(ModerationPolicy.objects.order_by("pk").values("close_after_days")[:1]),
    }


class _InArray(Lookup):
    """`lhs = ANY(rhs)`: a value among an array's (PostgreSQL), which its primary key's index answers."""

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def _related_ids(now):
    """The keys of the story's related stories (depth 2 inside the story's query): the newest live stories that share
    its section or one of its tags, newest first.

    On PostgreSQL each of those is a short walk of an index, its section's (`story_section_feed_idx`) and each of its
    tags' (`story_tag_feed_idx`), that stops after RELATED_STORIES: the newest of those few candidates are the newest
    of all (a story among the newest of all is among the newest of its section or of a tag it shares). Walking the
    newest stories of the whole archive instead, each probed for the section or a tag, read 70 stories for a story of
    the benchmark, and all of them for a story that shares its section and its tags with none: 97,000 stories, 0.4
    seconds. SQLite has no arrays to gather the candidates in, and walks."""
    if connection.vendor != "postgresql":
        own_tags = TaggedStory.objects.filter(story_id=_outer("pk", 4)).values("tag_id")
        # A scalar subquery, probed per candidate while the reader-order index is walked: an EXISTS here would be
        # planned as a hash of every story sharing a tag, which grows with the archive.
        shared = Subquery(TaggedStory.objects.filter(story_id=OuterRef("pk"), tag_id__in=own_tags).values("pk")[:1])
        return (
            _newest(now)
            .alias(shared_tag=shared)
            .filter(Q(section_id=_outer("section_id", 2)) | Q(shared_tag__isnull=False))
            .exclude(pk=_outer("pk", 2))[:RELATED_STORIES]
        )
    in_section = _newest(now, section_id=_outer("section_id", 3)).exclude(pk=_outer("pk", 3))[:RELATED_STORIES]
    # A tag's newest, walked as its page walks them (the tags' table's copy of each story's time).
    by_tag = _walked(TaggedStory, now, tag_id=OuterRef("tag_id")).exclude(story_id=OuterRef("story_id"))
    in_tags = TaggedStory.objects.filter(story_id=_outer("pk", 3)).values(
        key=Func(ArraySubquery(by_tag[:RELATED_STORIES]), function="unnest", output_field=models.BigIntegerField())
    )
    keys = ArrayField(models.BigIntegerField())
    candidates = Func(ArraySubquery(in_section), ArraySubquery(in_tags), function="array_cat", output_field=keys)
    return _newest(now).filter(_InArray(F("pk"), candidates))[:RELATED_STORIES]


def _story_query(stories, *, now, opinions_per_page):
    """The story and everything its page shows around it, in ONE query (see the module)."""
    published = Story.objects.live(at=now)
    related_ids = _related_ids(now)
    # The outer bound (lte/gte) lets the index start at this story instead of at one end of the archive.
    when, key = OuterRef("published_at"), OuterRef("pk")
    older = Q(published_at__lte=when) & (Q(published_at__lt=when) | Q(pk__lt=key))
    newer = Q(published_at__gte=when) & (Q(published_at__gt=when) | Q(pk__gt=key))
    link = JSONObject(**LINK_FIELDS)
    return stories.order_by().values(
        *STORY_FIELDS,
        section_name=F("section__name"),
        section_slug=F("section__slug"),
        highlight_list=_highlight_list(),
        byline_list=_byline_list(OuterRef("pk")),
        tag_list=_json_list(Tag.objects.filter(stories=OuterRef("pk")), name="name", slug="slug"),
        correction_list=_json_list(
            Correction.objects.filter(story=OuterRef("pk")), pk="pk", kind="kind", text="text", created_at="created_at"
        ),
        related_list=_json_list(Story.objects.filter(pk__in=related_ids), **LINK_FIELDS),
        live_update_list=_live_update_list(),
        section_list=section_list(),
        previous_link=Subquery(published.filter(older).newest_first().values(j=link)[:1]),
        next_link=Subquery(published.filter(newer).order_by("published_at", "pk").values(j=link)[:1]),
        **_opinions(opinions_per_page),
    )


# A variant per page size of the opinions (settings.OPINIONS_PER_PAGE): one in production.
_LIVE_STORY = CompiledQuery(
    lambda per_page, now, slug: _story_query(
        Story.objects.live(at=now).filter(slug=slug), now=now, opinions_per_page=per_page
    ),
    now=NOW,
    slug=SLUG,
)
_ANY_STORY = CompiledQuery(
    lambda per_page, now, key: _story_query(Story.objects.filter(pk=key), now=now, opinions_per_page=per_page),
    now=NOW,
    key=KEY,
)


def _first_opinions(row) -> dict:
    """The Opinions section's first page, from the story's row (stories.opinions.section_context)."""
    shown = [
        {
            "pk": item["pk"],
            "author_name": item["author_name"],
            "body": item["body"],
            "created_at": db_datetime(item["created_at"]),
        }
        for item in json_value(row["opinion_list"]) or ()
    ]
    shown.sort(key=lambda opinion: (opinion["created_at"], opinion["pk"]), reverse=True)
    return {"opinions": shown, "total": row["opinion_total"] or 0, "close_after_days": row["close_after_days"]}


def _link(data, url) -> dict | None:
    if not data:
        return None
    return {
        "pk": data["pk"],
        "title": data["title"],
        "url": url("stories:detail", data["slug"]),
        "published_at": db_datetime(data.get("published_at")),
        "section": data.get("section"),
    }


def _story_page(row) -> dict:
    """The story page's context from the row of `_story_query`."""
    url = reader_urls()
    published_at = db_datetime(row["published_at"])
    updated_at = db_datetime(row["updated_at"])
    story = {
        "pk": row["pk"],
        "title": row["title"],
        "slug": row["slug"],
        "url": url("stories:detail", row["slug"]),
        "standfirst": row["standfirst"],
        "body": row["body"],
        "dateline": row["dateline"],
        "published_at": published_at,
        "created_at": db_datetime(row["created_at"]),
        "updated_at": updated_at,
        # Bytes (any edit, for HTTP) and news (what readers are told: "Updated", dateModified).
        "last_modified": last_modified(updated_at, published_at),
        "modified_at": (modified_at := db_datetime(row["modified_at"])),
        "updated": updated(modified_at, published_at),
        # The "Updated" line: readers were told of a change since it went live.
        "was_updated": bool(modified_at and published_at and modified_at > published_at),
        "is_live": is_live(row["status"], published_at, expires_at=db_datetime(row["expires_at"])),
        "status": row["status"],
        "embargo_until": (embargo := db_datetime(row["embargo_until"])),
        "is_embargoed": is_embargoed(embargo),
        "opinions_closed": bool(row["opinions_closed"]),
        "section": _section(row["section_name"], row["section_slug"], url),
        "image": _lead_image(row),
    }
    highlights = sorted(json_value(row["highlight_list"]) or (), key=lambda h: (h["position"], h["pk"]))
    corrections = [notice(item) for item in json_value(row["correction_list"]) or ()]
    related = [_link(item, url) for item in json_value(row["related_list"]) or ()]
    return {
        "story": story,
        "highlights": [h["text"] for h in highlights],
        "byline": byline(json_value(row["byline_list"]), url),
        "tags": sorted(json_value(row["tag_list"]) or (), key=lambda t: t["name"].lower()),
        "corrections": sorted(corrections, key=lambda c: (c["created_at"], c["pk"])),
        "related_stories": sorted(related, key=lambda s: s["published_at"], reverse=True),
        "live": live_coverage(row, live_updates(row["live_update_list"], story["url"])),
        "previous_story": _link(json_value(row["previous_link"]), url),
        "next_story": _link(json_value(row["next_link"]), url),
        "nav_sections": navigation(json_value(row["section_list"]), url),
        "first_opinions": _first_opinions(row),
    }


def live_story_page(slug: str) -> dict | None:
    """The story page's data of the live story at `slug`, or None when readers may not see one there."""
    found = _LIVE_STORY.rows((settings.OPINIONS_PER_PAGE,), now=timezone.now(), slug=slug)
    return _story_page(found[0]) if found else None


def gone_story(slug: str) -> dict | None:
    """What readers are told at the address of a story that was public and is gone for good (410), or None.

    A killed story shows the notice its editor wrote; an expired one a plain line. Drafts, stories in review,
    scheduled and embargoed stories are not "gone": readers never saw them (404).
    """
    found = Story.objects.gone().filter(slug=slug).values("pk", "title", "status", "published_at").first()
    if found is None:
        return None
    notice = ""
    if found["status"] == Status.KILLED:
        notice = (
            StoryTransition.objects.filter(story_id=found["pk"], to_status=Status.KILLED)
            .order_by("-created_at", "-pk")
            .values_list("comment", flat=True)
            .first()
        )
    return {"title": found["title"], "killed": found["status"] == Status.KILLED, "notice": notice or ""}


def any_story_page(pk: int) -> dict | None:
    """The story page's data of the story `pk` whatever its state (previews: the caller checked the right)."""
    found = _ANY_STORY.rows((settings.OPINIONS_PER_PAGE,), now=timezone.now(), key=pk)
    return _story_page(found[0]) if found else None
