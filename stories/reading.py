"""What the reader pages read: plain rows, each page's data in as few queries as it can be.

The templates get dicts, not model instances: a list page is one query (its stories with their section,
byline and highlights folded in as JSON by the database), the story page one for the story and everything
around it, and one for its opinions. Building model instances, managers and prefetches cost more than the
queries themselves. Queries whose shape is the same on every page are built by the ORM once per process
(`CompiledQuery`) and run with each page's arguments; PostgreSQL then runs them as prepared statements.

Every read goes through `Story.objects.live()`, so drafts, stories in review and scheduled stories never reach
a reader.
"""

import json
from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Aggregate, F, JSONField, OuterRef, Q, Subquery, Value
from django.db.models.functions import JSONObject
from django.utils import timezone

from .compiled import CompiledQuery, Marker, db_datetime, db_key, planned_each_time
from .links import reader_url
from .models import Correction, Highlight, Section, Story, Tag, is_live, last_modified, name_from

RELATED_STORIES = 4


class JSONList(Aggregate):
    """Rows folded into one JSON array: a page's short lists arrive inside one query."""

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSONB_AGG", **extra_context)


def _json_list(queryset, **fields):
    # Grouping on a constant folds every row into one (a Value never reaches GROUP BY).
    return Subquery(
        queryset.order_by()
        .annotate(_one=Value(1))
        .values("_one")
        .annotate(items=JSONList(JSONObject(**fields)))
        .values("items")
    )


def _json(value):
    """A JSON column as the driver gave it (text on some databases), read; None for an empty list."""
    return json.loads(value) if isinstance(value, str) else value


def _outer(field, depth):
    """`field` of the row `depth` subqueries out (OuterRef of OuterRef …)."""
    reference = OuterRef(field)
    for _ in range(depth - 1):
        reference = OuterRef(reference)
    return reference


def _db_time(when):
    return Story._meta.get_field("published_at").get_db_prep_value(when, connection)


# Values no story, person, section or clock has, standing in for the arguments while a query is compiled.
KEY = Marker(-918_273_645, adapt=db_key)  # one prepared statement whatever the key's size
SLUG = Marker("-marker-slug-918273645-")
NOW = Marker(datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC), adapt=_db_time)


# --- People, sections, images ---------------------------------------------------------------


def _byline_list(story_ref):
    people = get_user_model()
    return _json_list(
        people.objects.filter(bylines=story_ref),
        pk="pk",
        username=people.USERNAME_FIELD,
        first_name="first_name",
        last_name="last_name",
        public_slug="profile__slug",
    )


def _highlight_list():
    return _json_list(Highlight.objects.filter(story=OuterRef("pk")), pk="pk", text="text", position="position")


def byline(items) -> list[dict]:
    """A byline as pages show it, from its JSON: each person's name and author page (None without a public slug),
    in the order of the people's accounts (the same on every page)."""
    people = []
    for item in sorted(items or (), key=lambda person: person["pk"]):
        name = name_from(item["first_name"], item["last_name"], item["username"])
        slug = item.get("public_slug")
        people.append({"name": name, "url": reader_url("stories:author", slug) if slug else None})
    return people


def _section(name, slug) -> dict | None:
    return {"name": name, "slug": slug, "url": reader_url("stories:section", slug)} if slug else None


def _image(name, alt="", caption="") -> dict | None:
    return {"url": default_storage.url(name), "alt": alt, "caption": caption} if name else None


def sections() -> list[dict]:
    """The site's sections in navigation order: name, slug, description and address of each."""
    return _addressed(Section.objects.values("pk", "name", "slug", "description"))


def _addressed(sections) -> list[dict]:
    return [{**section, "url": reader_url("stories:section", section["slug"])} for section in sections]


# --- Story cards: the lists -------------------------------------------------------------------

CARD_FIELDS = ("pk", "title", "slug", "standfirst", "published_at", "lead_image", "lead_image_alt")


def _card_values(queryset, *extra):
    return queryset.values(
        *CARD_FIELDS,
        *extra,
        section_name=F("section__name"),
        section_slug=F("section__slug"),
        byline_list=_byline_list(OuterRef("pk")),
        highlight_list=_json_list(
            Highlight.objects.filter(story=OuterRef("pk")), pk="pk", text="text", position="position"
        ),
    )


def card(row) -> dict:
    """A story as a list shows it: headline, address, time, section, byline, highlights and image."""
    highlights = sorted(_json(row["highlight_list"]) or (), key=lambda h: (h["position"], h["pk"]))
    return {
        "pk": row["pk"],
        "title": row["title"],
        "slug": row["slug"],
        "url": reader_url("stories:detail", row["slug"]),
        "standfirst": row["standfirst"],
        "published_at": db_datetime(row["published_at"]),
        "section": _section(row["section_name"], row["section_slug"]),
        "byline": byline(_json(row["byline_list"])),
        "highlights": [h["text"] for h in highlights],
        "image": _image(row["lead_image"], row["lead_image_alt"]),
    }


def _page_of(stories, offset: int, limit: int, *extra):
    """The cards of `stories` (newest first) from `offset`, in one query.

    The page's keys are found first, in a subquery: the database then builds the bylines and highlights of the
    page's stories alone, not of every story an offset skips, and a prepared statement's generic plan (made
    without the values) has only the index walk to choose.
    """
    keys = stories.newest_first().values("pk")[offset : offset + limit]
    return _card_values(Story.objects.filter(pk__in=Subquery(keys)).newest_first(), *extra)


def cards(queryset, offset: int, limit: int) -> list[dict]:
    """The cards of `queryset` (stories readers may see: the front page's filters) from `offset`, newest first,
    in one query planned for its values (words, dates, a section or a tag select few stories or many)."""
    with planned_each_time():
        return [card(row) for row in _page_of(queryset, offset, limit)]


def _list_query(offset, limit, *extra, now, **narrowed):
    return _page_of(Story.objects.live(at=now).filter(**narrowed), offset, limit, *extra)


def _compiled_list(lookup: str | None, *extra) -> CompiledQuery:
    if lookup is None:
        return CompiledQuery(lambda offset, limit, now: _list_query(offset, limit, *extra, now=now), now=NOW)
    return CompiledQuery(
        lambda offset, limit, now, key: _list_query(offset, limit, *extra, now=now, **{lookup: key}),
        now=NOW,
        key=KEY,
        # A person's stories are found by walking the newest stories or through their bylines, by how many they
        # have: one generic plan took 34 ms where the one for the person's key took 1.8.
        prepared=lookup != "authors",
    )


# The lists readers see: all live stories (the front page), or a section's, a tag's or a person's (by primary key).
LOOKUPS = {"front": None, "section": "section_id", "tag": "tags", "author": "authors"}
# Each list's query, built once per process and page position; a feed's also reads what its items say.
_LISTS = {kind: _compiled_list(lookup) for kind, lookup in LOOKUPS.items()}
_FEEDS = {kind: _compiled_list(lookup, "updated_at", "body") for kind, lookup in LOOKUPS.items()}


def _arguments(kind, key) -> dict:
    return {"now": timezone.now()} if kind == "front" else {"now": timezone.now(), "key": key}


def list_cards(kind: str, offset: int, limit: int, key=None) -> list[dict]:
    """The cards of a list readers see (`front`, or the `section`, `tag` or `author` whose primary key is `key`)."""
    return [card(row) for row in _LISTS[kind].rows((offset, limit), **_arguments(kind, key))]


def feed_items(kind: str, limit: int, key=None) -> list[dict]:
    """The newest `limit` stories of a list as its feed shows them: cards with their last change and body."""
    items = []
    for row in _FEEDS[kind].rows((0, limit), **_arguments(kind, key)):
        item = card(row)
        item["body"] = row["body"]
        item["last_modified"] = last_modified(db_datetime(row["updated_at"]), item["published_at"])
        items.append(item)
    return items


# --- The story page ---------------------------------------------------------------------------

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
    "opinions_closed",
)
LINK_FIELDS = {"pk": "pk", "title": "title", "slug": "slug", "published_at": "published_at", "section": "section__name"}


def _story_query(stories, *, now):
    """The story and everything its page shows around it, in ONE query.

    Highlights, byline, tags, corrections, previous and next story, related stories and the site's sections
    would cost a query each; each is folded into a JSON array by the database. Built once per process
    (`CompiledQuery`): only the story's key (or slug) and the current time vary.
    """
    published = Story.objects.live(at=now)
    # Related: newest first, sharing a tag or the section with the story.
    through = Story.tags.through
    story_tags = through.objects.filter(story_id=_outer("pk", 4)).values("tag_id")
    # A scalar subquery, probed per candidate while the reader-order index is walked: an EXISTS here would be
    # planned as a hash of every story sharing a tag, which grows with the archive.
    shared_tag = Subquery(through.objects.filter(story_id=OuterRef("pk"), tag_id__in=story_tags).values("pk")[:1])
    related_ids = (
        published.alias(shared_tag=shared_tag)
        .filter(Q(section_id=_outer("section_id", 2)) | Q(shared_tag__isnull=False))
        .exclude(pk=_outer("pk", 2))
        .newest_first()
        .values("pk")[:RELATED_STORIES]
    )
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
            Correction.objects.filter(story=OuterRef("pk")), kind="kind", text="text", created_at="created_at"
        ),
        related_list=_json_list(Story.objects.filter(pk__in=related_ids), **LINK_FIELDS),
        section_list=_json_list(
            Section.objects.all(), pk="pk", name="name", slug="slug", description="description", position="position"
        ),
        previous_link=Subquery(published.filter(older).newest_first().values(j=link)[:1]),
        next_link=Subquery(published.filter(newer).order_by("published_at", "pk").values(j=link)[:1]),
    )


_LIVE_STORY = CompiledQuery(
    lambda now, slug: _story_query(Story.objects.live(at=now).filter(slug=slug), now=now), now=NOW, slug=SLUG
)
_ANY_STORY = CompiledQuery(lambda now, key: _story_query(Story.objects.filter(pk=key), now=now), now=NOW, key=KEY)


def _link(data) -> dict | None:
    if not data:
        return None
    return {
        "pk": data["pk"],
        "title": data["title"],
        "url": reader_url("stories:detail", data["slug"]),
        "published_at": db_datetime(data.get("published_at")),
        "section": data.get("section"),
    }


def _story_page(row) -> dict:
    """The story page's context from the row of `_story_query`."""
    published_at = db_datetime(row["published_at"])
    updated_at = db_datetime(row["updated_at"])
    story = {
        "pk": row["pk"],
        "title": row["title"],
        "slug": row["slug"],
        "url": reader_url("stories:detail", row["slug"]),
        "standfirst": row["standfirst"],
        "body": row["body"],
        "dateline": row["dateline"],
        "published_at": published_at,
        "created_at": db_datetime(row["created_at"]),
        "updated_at": updated_at,
        "last_modified": last_modified(updated_at, published_at),
        "is_live": is_live(row["status"], published_at),
        "opinions_closed": bool(row["opinions_closed"]),
        "section": _section(row["section_name"], row["section_slug"]),
        "image": _image(row["lead_image"], row["lead_image_alt"], row["lead_image_caption"]),
    }
    highlights = sorted(_json(row["highlight_list"]) or (), key=lambda h: (h["position"], h["pk"]))
    corrections = [
        {
            "kind": Correction.Kind(item["kind"]).label,
            "text": item["text"],
            "created_at": db_datetime(item["created_at"]),
        }
        for item in _json(row["correction_list"]) or ()
    ]
    related = [_link(item) for item in _json(row["related_list"]) or ()]
    nav = sorted(_json(row["section_list"]) or (), key=lambda s: (s["position"], s["name"].lower()))
    return {
        "story": story,
        "highlights": [h["text"] for h in highlights],
        "byline": byline(_json(row["byline_list"])),
        "tags": sorted(_json(row["tag_list"]) or (), key=lambda t: t["name"].lower()),
        "corrections": sorted(corrections, key=lambda c: c["created_at"]),
        "related_stories": sorted(related, key=lambda s: s["published_at"], reverse=True),
        "previous_story": _link(_json(row["previous_link"])),
        "next_story": _link(_json(row["next_link"])),
        "nav_sections": [
            {
                "name": s["name"],
                "slug": s["slug"],
                "description": s["description"],
                "url": reader_url("stories:section", s["slug"]),
            }
            for s in nav
        ],
    }


def live_story_page(slug: str) -> dict | None:
    """The story page's data of the live story at `slug`, or None when readers may not see one there."""
    found = _LIVE_STORY.rows(now=timezone.now(), slug=slug)
    return _story_page(found[0]) if found else None


def any_story_page(pk: int) -> dict | None:
    """The story page's data of the story `pk` whatever its state (previews: the caller checked the right)."""
    found = _ANY_STORY.rows(now=timezone.now(), key=pk)
    return _story_page(found[0]) if found else None
