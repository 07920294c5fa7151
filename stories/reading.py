"""What the reader pages read: plain rows, each page's data in as few queries as it can be.

The templates get dicts, not model instances: a list page is one query (its stories with their section and
byline, and the front page's lead story's highlights, folded in as JSON by the database), the story page one for
the story and everything around it (`stories.story_page`). Building model instances, managers and prefetches
cost more than the queries themselves. Queries whose shape is the same on every page are built by the ORM once per
process (`CompiledQuery`) and run with each page's arguments; PostgreSQL then runs them as prepared statements.

Every read goes through `Story.objects.live()`, so drafts, stories in review and scheduled stories never reach
a reader.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Aggregate, Case, F, JSONField, OuterRef, Q, Subquery, TextField, Value, When, Window
from django.db.models.functions import JSONObject, RowNumber
from django.db.models.lookups import Exact
from django.utils import timezone

from . import renditions
from .compiled import CompiledQuery, Marker, db_datetime, db_key, planned_each_time
from .links import reader_url, reader_urls
from .models import (
    BylinedStory,
    Correction,
    Highlight,
    LiveUpdate,
    Section,
    Status,
    Story,
    Tag,
    TaggedStory,
    is_covered_live,
    last_modified,
    name_from,
    not_expired_at,
    updated,
)


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


def json_value(value):
    """A JSON column as the driver gave it (text on some databases), read; None for an empty list.

    By orjson: a story page's ten lists (2.8 KB) in 11 µs instead of json's 37."""
    return orjson.loads(value) if isinstance(value, str) else value


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


def byline(items, url=reader_url) -> list[dict]:
    """A byline as pages show it, from its JSON: each person's name and author page (None without a public slug),
    in the order of the people's accounts (the same on every page)."""
    people = []
    for item in sorted(items or (), key=lambda person: person["pk"]):
        name = name_from(item["first_name"], item["last_name"], item["username"])
        slug = item.get("public_slug")
        people.append({"name": name, "url": url("stories:author", slug) if slug else None})
    return people


def _section(name, slug, url=reader_url) -> dict | None:
    return {"name": name, "slug": slug, "url": url("stories:section", slug)} if slug else None


IMAGE_FIELDS = ("lead_image_width", "lead_image_height", "lead_image_focus_x", "lead_image_focus_y")


def _image(row, shape: str, caption="") -> dict | None:
    """A story's lead image as a page shows it: the original's address, alt text, caption, and the renditions a
    browser picks from (`picture`: the whole picture or its 16:9 crop, stories.renditions)."""
    name = row["lead_image"]
    if not name:
        return None
    focus = (row["lead_image_focus_x"], row["lead_image_focus_y"])
    size = (row["lead_image_width"], row["lead_image_height"])
    return {
        "url": default_storage.url(name),
        "alt": row["lead_image_alt"],
        "caption": caption,
        "name": name,
        "focus": focus,
        "picture": renditions.picture(name, *size, focus, default_storage, shape=shape),
    }


def _lead_image(row) -> dict | None:
    """The story page's lead image, with the addresses of Google's crops (`renditions`, by shape)."""
    image = _image(row, "whole", row["lead_image_caption"])
    if image is not None:
        image["renditions"] = renditions.social_urls(image["name"], image["focus"], default_storage)
    return image


NAV_FIELDS = ("pk", "name", "slug", "description", "position")


def section_list():
    """The site's sections as one JSON array: the navigation, read inside a page's own query."""
    return _json_list(Section.objects.all(), **{name: name for name in NAV_FIELDS})


def navigation(items, url=reader_url) -> list[dict]:
    """The site's sections in navigation order (position, then name), from their JSON or rows: name, slug,
    description and address of each."""
    ordered = sorted(items or (), key=lambda s: (s["position"], s["name"].lower()))
    return [{**section, "url": url("stories:section", section["slug"])} for section in ordered]


# The navigation's sections, for a page whose own query did not read them (a list past its end, the 404 page).
_SECTIONS = CompiledQuery(lambda: Section.objects.values(*NAV_FIELDS))


def sections() -> list[dict]:
    """The site's sections in navigation order: name, slug, description and address of each."""
    return navigation(_SECTIONS.rows(), reader_urls())


def on_one_row(**columns):
    """`columns` on one row of a list only, NULL on the others: what a page needs once (the navigation, the tag
    it is of) read with its list. Which row holds them is the database's choice; `Listing` finds it."""
    first = Exact(Window(RowNumber()), 1)
    return {name: Case(When(first, then=value), output_field=JSONField()) for name, value in columns.items()}


# The tag a list page is of, by the slug in its address, for a tag without a live story (whose list has no row to
# carry it): one small query, built once.
_TAG = CompiledQuery(lambda slug: Tag.objects.filter(slug=slug).values("pk", "name", "slug"), slug=SLUG)


def tag(slug: str) -> dict | None:
    """The tag at `slug` (pk, name, slug), or None."""
    found = _TAG.rows(slug=slug)
    return found[0] if found else None


# --- Story cards: the lists -------------------------------------------------------------------

CARD_FIELDS = (
    "pk",
    "title",
    "slug",
    "standfirst",
    "published_at",
    "lead_image",
    "lead_image_alt",
    *IMAGE_FIELDS,
    "live_started_at",
    "live_ended_at",
)


def _card_values(queryset, *, lead=False, bylines=True, **once):
    """The cards' columns, and what the page reads once (`once`, on one row).

    A card's highlights are shown by the front page's lead card alone: with `lead` the newest row reads its
    highlights, and no other row does. Every card's read cost PostgreSQL a subquery each, 0.5 ms of a list of 21
    that showed none of them. Without `bylines` no row reads its byline (an author's page: its heading names them).
    """
    columns = {}
    if bylines:
        columns["byline_list"] = _byline_list(OuterRef("pk"))
    if lead:
        newest = Exact(Window(RowNumber(), order_by=[F("published_at").desc(), F("pk").desc()]), 1)
        columns["highlight_list"] = Case(When(newest, then=_highlight_list()), output_field=JSONField())
    return queryset.values(
        *CARD_FIELDS,
        section_name=F("section__name"),
        section_slug=F("section__slug"),
        **columns,
        **on_one_row(**once),
    )


def _highlights(row) -> list[str]:
    """The texts of a row's highlights (its `highlight_list`; none read), in their order."""
    listed = json_value(row.get("highlight_list")) or ()
    return [h["text"] for h in sorted(listed, key=lambda h: (h["position"], h["pk"]))]


def card(row, url=reader_url) -> dict:
    """A story as a list shows it: headline, address, time, section, byline, highlights and image."""
    return {
        "pk": row["pk"],
        "title": row["title"],
        "slug": row["slug"],
        "url": url("stories:detail", row["slug"]),
        "standfirst": row["standfirst"],
        "published_at": db_datetime(row["published_at"]),
        "section": _section(row["section_name"], row["section_slug"], url),
        "byline": byline(json_value(row.get("byline_list")), url),
        "highlights": _highlights(row),
        "image": _image(row, "wide"),
        # Live coverage running: the card says so, as the story page does.
        "covered_live": is_covered_live(row["live_started_at"], row["live_ended_at"]),
    }


def _page_of(stories, offset: int, limit: int):
    """The cards of `stories` (newest first) from `offset`, in one query."""
    return _page_by_keys(stories.newest_first().values("pk"), offset, limit)


def _page_by_keys(keys, offset: int, limit: int, values=_card_values, **once):
    """The rows (`values`: cards, else feed items) of the stories whose keys `keys` gives, newest first, from
    `offset`, in one query.

    The page's keys are found first, in a subquery: the database then builds the bylines and highlights of the
    page's stories alone, not of every story an offset skips, and a prepared statement's generic plan (made
    without the values) has only the index walk to choose.
    """
    page = Story.objects.filter(pk__in=Subquery(keys[offset : offset + limit]))
    return values(page.newest_first(), **once)


def _walked(through, now, **narrowed):
    """The keys of the live stories of a tag or a person (`narrowed`), newest first, read from the tags' or the
    bylines' table (`TaggedStory`, `BylinedStory`): its index walks their stories by the publication time each row
    carries, and stops after the page.

    That time is the story's own (the database keeps it so), and it alone says whether the story's time has come:
    asked of the story's row as well, PostgreSQL priced its generic plan (made without the time) at twice the
    walk and planned the list again on every page.
    """
    return (
        through.objects.filter(
            not_expired_at(now, story="story__"), published_at__lte=now, story__status=Status.PUBLISHED, **narrowed
        )
        .order_by("-published_at", "-story_id")
        .values("story_id")
    )


def cards(queryset, offset: int, limit: int) -> list[dict]:
    """The cards of `queryset` (stories readers may see: the front page's filters) from `offset`, newest first,
    in one query planned for its values (words, dates, a section or a tag select few stories or many)."""
    with planned_each_time():
        url = reader_urls()
        return [card(row, url) for row in _page_of(queryset, offset, limit)]


def _by_slug(model, slug):
    # Slugs are unique: no order (the model's own would sort the one row).
    return Subquery(model.objects.filter(slug=slug).order_by().values("pk")[:1])


def _public_person(slug):
    """The active person whose public slug (Profile) is `slug`, if any: an author page's subject. Never by the
    login name: /authors/<username>/ is any unknown page."""
    return get_user_model().objects.filter(is_active=True, profile__slug=slug).order_by()


def _person_json():
    """A person as an author page names them: key, names and login name (the name people see without names)."""
    username = get_user_model().USERNAME_FIELD
    return JSONObject(pk="pk", first_name="first_name", last_name="last_name", **{username: username})


def _newest(now, **narrowed):
    """The keys of the live stories narrowed by `narrowed`, newest first (the feed index)."""
    return Story.objects.live(at=now).filter(**narrowed).newest_first().values("pk")


# The keys of each list's stories, newest first, by the key its page or feed has: a list page has the slug in
# its address (the section or tag is found inside the list's query), a feed has the section it is of.
_KEYS = {
    "front": lambda now, key: _newest(now),
    "section": lambda now, slug: _newest(now, section_id=_by_slug(Section, slug)),
    "tag": lambda now, slug: _walked(TaggedStory, now, tag=_by_slug(Tag, slug)),
    "author": lambda now, slug: _walked(BylinedStory, now, user_id=Subquery(_public_person(slug).values("pk")[:1])),
    "section feed": lambda now, pk: _newest(now, section_id=pk),
}
# What a list page reads once with its cards: the navigation, and the tag or person its heading names.
_ONCE = {
    "front": lambda key: {"section_list": section_list()},
    "section": lambda slug: {"section_list": section_list()},
    "tag": lambda slug: {
        "section_list": section_list(),
        "subject": Subquery(
            Tag.objects.filter(slug=slug).order_by().values(j=JSONObject(pk="pk", name="name", slug="slug"))
        ),
    },
    "author": lambda slug: {
        "section_list": section_list(),
        "subject": Subquery(_public_person(slug).values(j=_person_json())),
    },
}
_MARKERS = {"front": None, "section": SLUG, "tag": SLUG, "author": SLUG, "section feed": KEY}


def _cards_of(kind: str) -> Callable:
    """How the list `kind` reads its cards at a page's offset: the front page's first page leads with its newest
    story, the one card that shows its highlights (stories/home.html); an author's page names the author in its
    heading, and its cards leave the byline out (stories/story_list.html)."""
    return lambda offset: functools.partial(
        _card_values, lead=kind == "front" and offset == 0, bylines=kind != "author"
    )


def _compiled_list(kind: str, values_at: Callable, once=None) -> CompiledQuery:
    """The list `kind`, its rows read by `values_at(offset)` (a `.values()` of the page's stories)."""

    def build(offset, limit, now, key=None):
        return _page_by_keys(_KEYS[kind](now, key), offset, limit, values_at(offset), **(once(key) if once else {}))

    markers = {"now": NOW} if _MARKERS[kind] is None else {"now": NOW, "key": _MARKERS[kind]}
    return CompiledQuery(build, **markers)


def _feed_values(queryset):
    """What a feed's item says. A summary is the story's standfirst, else its highlights, else its first
    paragraph: highlights and body are read only for a story without a standfirst (a body is most of a row)."""
    without_standfirst = Q(standfirst="")
    return queryset.values(
        "pk",
        "title",
        "slug",
        "standfirst",
        "published_at",
        "updated_at",
        "modified_at",
        section_name=F("section__name"),
        byline_list=_byline_list(OuterRef("pk")),
        highlight_list=Case(When(without_standfirst, then=_highlight_list()), output_field=JSONField()),
        body_text=Case(When(without_standfirst, then=F("body")), default=Value(""), output_field=TextField()),
    )


# The lists readers see, each query built once per process and page position: the front page, a section's or a
# tag's (by slug), a person's (by primary key), each with what its page reads once; the feeds' (front, section
# by primary key), which also read what their items say.
_LISTS = {kind: _compiled_list(kind, _cards_of(kind), once=_ONCE[kind]) for kind in _ONCE}
_FEEDS = {
    "front": _compiled_list("front", lambda offset: _feed_values),
    "section": _compiled_list("section feed", lambda offset: _feed_values),
}


def _arguments(kind, key) -> dict:
    return {"now": timezone.now()} if kind == "front" else {"now": timezone.now(), "key": key}


@dataclass
class Listing:
    """A page of a list as its page shows it: the cards, and what the page read with them (None when the list
    had no row to carry it): the navigation's sections and, for a tag, the tag (pk, name, slug)."""

    cards: list[dict]
    sections: list[dict] | None = None
    subject: dict | None = None


def listing(kind: str, offset: int, limit: int, key=None) -> Listing:
    """The cards of a list readers see (`front`; the `section` or `tag` whose slug is `key`; the `author` whose
    primary key is `key`) from `offset`, with the navigation's sections and the tag, in one query."""
    url = reader_urls()
    found = Listing([])
    for row in _LISTS[kind].rows((offset, limit), **_arguments(kind, key)):
        found.cards.append(card(row, url))
        # Each on one row (PostgreSQL's JSONB_AGG of no sections is NULL, where SQLite's is an empty list).
        if row["section_list"] is not None:
            found.sections = navigation(json_value(row["section_list"]), url)
        if row.get("subject") is not None:
            found.subject = json_value(row["subject"])
    return found


def feed_items(kind: str, limit: int, key=None) -> list[dict]:
    """The newest `limit` stories of a list as its feed shows them: headline, address, standfirst, body, time,
    section name, byline, when readers were last told they changed (`updated`: publication, a substantive change
    or a notice) and when their text last changed in any way (`last_modified`, for HTTP). `highlights` and `body`
    are read only for a story without a standfirst, where a feed's summary falls back on them (else they are
    empty)."""
    items, url = [], reader_urls()
    for row in _FEEDS[kind].rows((0, limit), **_arguments(kind, key)):
        published_at = db_datetime(row["published_at"])
        items.append(
            {
                "pk": row["pk"],
                "title": row["title"],
                "url": url("stories:detail", row["slug"]),
                "standfirst": row["standfirst"],
                "highlights": _highlights(row),
                "body": row["body_text"],
                "published_at": published_at,
                "section_name": row["section_name"],
                "byline": byline(json_value(row["byline_list"]), url),
                "updated": updated(db_datetime(row["modified_at"]), published_at),
                "last_modified": last_modified(db_datetime(row["updated_at"]), published_at),
            }
        )
    return items


# --- Notices: corrections, clarifications, updates, editor's notes ----------------------------------


def notice(item, story_url: str | None = None) -> dict:
    """A notice as pages show it, from its row: its kind (value and label), text and time; with `story_url`, its
    address under that story."""
    kind = Correction.Kind(item["kind"])
    found = {
        "pk": item["pk"],
        "kind": kind.value,
        "label": kind.label,
        "text": item["text"],
        "created_at": db_datetime(item["created_at"]),
        "correcting": kind in Correction.CORRECTING,  # a CorrectionComment in the story's structured data
    }
    if story_url is not None:
        found["url"] = f"{story_url}#notice-{item['pk']}"
    return found


def _notices_query(offset, limit, now):
    return (
        Correction.objects.shown(at=now)
        .newest_first()
        .values("pk", "kind", "text", "created_at", story_title=F("story__title"), story_slug=F("story__slug"))[
            offset : offset + limit
        ]
    )


# Every notice readers may see, newest first: the corrections page and its feed, one query a page.
_NOTICES = CompiledQuery(_notices_query, now=NOW)


def notices(offset: int, limit: int) -> list[dict]:
    """The notices of live stories, newest first, from `offset`: each with its story's headline and address."""
    found = []
    for row in _NOTICES.rows((offset, limit), now=timezone.now()):
        story_url = reader_url("stories:detail", row["story_slug"])
        found.append({**notice(row, story_url), "story": {"title": row["story_title"], "url": story_url}})
    return found


# --- Live coverage ------------------------------------------------------------------------------


def _live_update_list():
    """A story's live updates as one JSON array (the story page's query, and the fragment's)."""
    return _json_list(
        LiveUpdate.objects.filter(story=OuterRef("pk")),
        pk="pk",
        headline="headline",
        body="body",
        pinned="pinned",
        created_at="created_at",
        updated_at="updated_at",
        first_name="author__first_name",
        last_name="author__last_name",
        username=f"author__{get_user_model().USERNAME_FIELD}",
    )


def live_updates(items, story_url: str) -> list[dict]:
    """A story's live updates as pages show them, from their JSON: key events (pinned) first, then newest first;
    each with its time, its author's name and its permalink under the story."""
    found = []
    for item in json_value(items) or ():
        author = None
        if item.get("username") is not None:
            author = name_from(item["first_name"] or "", item["last_name"] or "", item["username"])
        found.append(
            {
                "pk": item["pk"],
                "headline": item["headline"],
                "body": item["body"],
                "pinned": bool(item["pinned"]),
                "created_at": db_datetime(item["created_at"]),
                "updated_at": db_datetime(item["updated_at"]),
                "author": author,
                "anchor": f"update-{item['pk']}",
                "url": f"{story_url}#update-{item['pk']}",
            }
        )
    found.sort(key=lambda u: u["pk"], reverse=True)
    found.sort(key=lambda u: u["created_at"], reverse=True)
    found.sort(key=lambda u: not u["pinned"])
    return found


def live_coverage(row, updates: list[dict]) -> dict | None:
    """What a page says of a story's live coverage (None when it never had any): when it started and ended,
    whether it runs now, and its updates."""
    started = db_datetime(row["live_started_at"])
    if started is None and not updates:
        return None
    ended = db_datetime(row["live_ended_at"])
    return {
        "started_at": started,
        "ended_at": ended,
        "running": is_covered_live(started, ended),
        "updates": updates,
        "last_update_at": max((u["updated_at"] for u in updates), default=None),
    }


def _live_fragment_query(now, slug):
    return (
        Story.objects.live(at=now)
        .filter(slug=slug)
        .order_by()
        .values("pk", "title", "slug", "live_started_at", "live_ended_at", live_update_list=_live_update_list())
    )


# The updates readers' open pages poll for, and the story's live feed: one small query.
_LIVE_UPDATES = CompiledQuery(_live_fragment_query, now=NOW, slug=SLUG)


def live_story_updates(slug: str) -> dict | None:
    """The live coverage of the live story at `slug` (see `live_coverage`), with the story's key and address;
    None when readers may not see a story there or it never had live coverage."""
    found = _LIVE_UPDATES.rows(now=timezone.now(), slug=slug)
    if not found:
        return None
    row = found[0]
    url = reader_url("stories:detail", row["slug"])
    coverage = live_coverage(row, live_updates(row["live_update_list"], url))
    if coverage is None:
        return None
    return {**coverage, "pk": row["pk"], "title": row["title"], "slug": row["slug"], "url": url}
