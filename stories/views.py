"""The public reader site: the front page, story pages, sections, tags, authors and search.

Every read goes through `Story.objects.live()`, so drafts, stories in
review and scheduled stories never reach a reader. Each page runs a fixed,
small number of queries whatever the number of stories, highlights, authors,
tags, corrections or opinions (asserted by the query-count tests of tests/reader/).
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Aggregate, JSONField, OuterRef, Q, Subquery, Value
from django.db.models.functions import JSONObject
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

import pagecache

from . import opinions, previews, scopes, search, workflow
from .compiled import CompiledQuery, Marker, db_datetime, db_key
from .filters import StoryFilter
from .links import reader_url
from .models import Correction, Highlight, Section, Story, Tag, author_url, display_name
from .navigation import nav_sections
from .rendering import RenderedOnce

# Deep offsets are slow on any database and no reader pages that far back.
MAX_PAGE = 1000
RELATED_STORIES = 4


# --- Lists ---------------------------------------------------------------------------------


class ListPage:
    """One page of stories, fetched without counting the whole list.

    Asking for one row more than the page holds tells whether a next page
    exists; a COUNT over a million stories would cost more than the page.
    """

    def __init__(self, queryset, number, per_page):
        offset = (number - 1) * per_page
        rows = list(queryset[offset : offset + per_page + 1])
        self.object_list = rows[:per_page]
        self.number = number
        self.has_next = len(rows) > per_page
        self.has_previous = number > 1
        self.next_page_number = number + 1
        self.previous_page_number = number - 1

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)


def bounded_number(raw: str, maximum: int) -> int | None:
    """`raw` as a number from 1 to `maximum`, or None: ASCII digits only (no sign, space, exponent or
    other script's digits), and no more of them than `maximum` has (Python refuses to read a number of
    more than 4,300 digits, and the database one past its integers)."""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(maximum))):
        return None
    number = int(raw)
    return number if 1 <= number <= maximum else None


def _page_number(request) -> int:
    number = bounded_number(request.GET.get("page") or "1", MAX_PAGE)
    if number is None:
        raise Http404("No such page.")
    return number


def list_page(request, queryset, per_page=None) -> ListPage:
    """The requested page of `queryset`; a page number that is not a page is a 404, never a 500."""
    number = _page_number(request)
    page = ListPage(queryset, number, per_page or settings.STORIES_PER_PAGE)
    if number > 1 and not page.object_list:
        raise Http404("No such page.")
    return page


def _canonical(request, path, page):
    url = settings.SITE_URL.rstrip("/") + path
    return f"{url}?page={page.number}" if page.number > 1 else url


def _story_list(request, template_context, queryset, path):
    page = list_page(request, queryset.newest_first().with_reader_relations())
    return {"page": page, "canonical_url": _canonical(request, path, page), **template_context}


# The front page's filter fields. Without a filter in the address they are the same on every visit
# (for the same sections): rendered once per process.
_FILTER_FIELDS = RenderedOnce("stories/home.html#filter-fields")


def home(request):
    # The filter's section choices are the navigation's list: one query for both.
    sections = nav_sections(request)
    filterset = None
    if any(name in request.GET for name in StoryFilter.base_filters):
        filterset = StoryFilter(request.GET, queryset=Story.objects.live(), sections=sections)
        stories = filterset.qs  # validates the form: cleaned_data holds the filters that apply
        try:
            with search.refusals(filterset.form.cleaned_data.get("q") or ""):
                page = list_page(request, stories.newest_first().with_reader_relations())
        except search.Refused:
            # Like any filter that cannot be used: reported, and ignored until corrected.
            filterset.form.add_error("q", search.REFUSED_MESSAGE)
            stories = filterset.filter_queryset(filterset.queryset.all())
            page = list_page(request, stories.newest_first().with_reader_relations())
        filter_fields = _FILTER_FIELDS.render_now({"filter": filterset})
    else:  # the unfiltered front page, most visits: nothing to filter, and blank fields
        stories = Story.objects.live()
        choices = tuple((s.slug, s.name) for s in sections)
        filter_fields = _FILTER_FIELDS.render(
            choices, lambda: {"filter": StoryFilter(queryset=stories, sections=sections)}
        )
        page = list_page(request, stories.newest_first().with_reader_relations())
    # Any live story may answer a filter; the plain front page shows the newest.
    pagecache.depends_on(request, scopes.PEOPLE, scopes.LISTS)
    context = {
        "page": page,
        "filter": filterset,
        "filter_fields": filter_fields,
        "filtered": filterset is not None and filterset.is_filtering,
        "canonical_url": _canonical(request, "/", page),
    }
    return render(request, "stories/home.html", context)


def section(request, slug):
    current = next((s for s in nav_sections(request) if s.slug == slug), None)
    if current is None:
        raise Http404("No such section.")
    pagecache.depends_on(request, scopes.section(current.slug), scopes.PEOPLE)
    context = {"section": current, "heading": current.name, "current_section": current}
    queryset = Story.objects.live().filter(section=current)
    return render(
        request, "stories/story_list.html", _story_list(request, context, queryset, current.get_absolute_url())
    )


def tag(request, slug):
    current = get_object_or_404(Tag, slug=slug)
    pagecache.depends_on(request, scopes.tag(current.slug), scopes.PEOPLE)
    context = {"tag": current, "heading": current.name, "kicker": "Tag"}
    queryset = Story.objects.live().filter(tags=current)
    return render(
        request, "stories/story_list.html", _story_list(request, context, queryset, current.get_absolute_url())
    )


def author(request, slug):
    # By the person's public slug (Profile), never their login name: /authors/<username>/ is any unknown page.
    people = get_user_model()
    shown = ("pk", people.USERNAME_FIELD, "first_name", "last_name", "profile__slug")  # what a byline shows
    found = people.objects.select_related("profile").only(*shown).filter(is_active=True)
    person = get_object_or_404(found, profile__slug=slug)
    pagecache.depends_on(request, scopes.author(slug), scopes.PEOPLE)
    context = {"author": person, "heading": display_name(person), "kicker": "Stories by"}
    queryset = Story.objects.live().filter(authors=person)
    context = _story_list(request, context, queryset, person.profile.get_absolute_url())
    # Only people with a published byline have a public page; anyone else stays unknown.
    if not context["page"].object_list:
        raise Http404("No such author.")
    return render(request, "stories/story_list.html", context)


def search_page(request):
    pagecache.depends_on(request, scopes.LISTS, scopes.PEOPLE)
    form = search.SearchForm(request.GET)
    page, results, capped = None, [], False
    if form.is_valid() and form.cleaned_data["q"]:
        query = form.cleaned_data["q"]
        try:
            with search.refusals(query):
                page = list_page(request, search.search(Story.objects.live(), query))
        except search.Refused:
            form.add_error("q", search.REFUSED_MESSAGE)  # the form shows it; no results, no pages
        else:
            results = search.results(page.object_list, query)
            # The last page of the ranked matches: older ones may exist, and the front page's filter finds them.
            capped = (
                search.full_text()
                and not page.has_next
                and (page.number - 1) * settings.STORIES_PER_PAGE + len(page) >= search.MAX_RANKED
            )
    context = {"form": form, "page": page, "results": results, "capped": capped, "max_ranked": search.MAX_RANKED}
    return render(request, "stories/search.html", context)


# --- The story page ------------------------------------------------------------------------


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


@dataclass(frozen=True)
class StoryLink:
    """Just enough of another story to link to it."""

    pk: int
    title: str
    slug: str
    published_at: datetime | None
    section: str | None

    def get_absolute_url(self):
        return reader_url("stories:detail", self.slug)

    @classmethod
    def from_json(cls, data):
        if not data:
            return None
        when = db_datetime(data.get("published_at"))
        return cls(
            pk=data["pk"], title=data["title"], slug=data["slug"], published_at=when, section=data.get("section")
        )


@dataclass(frozen=True)
class CorrectionNote:
    """A correction or update as the story page shows it."""

    kind: str
    text: str
    created_at: datetime

    def get_kind_display(self):
        return Correction.Kind(self.kind).label

    @classmethod
    def from_json(cls, data):
        return cls(kind=data["kind"], text=data["text"], created_at=db_datetime(data["created_at"]))


LINK_FIELDS = {"pk": "pk", "title": "title", "slug": "slug", "published_at": "published_at", "section": "section__name"}


def _outer(field, depth):
    """`field` of the row `depth` subqueries out (OuterRef of OuterRef …)."""
    reference = OuterRef(field)
    for _ in range(depth - 1):
        reference = OuterRef(reference)
    return reference


def _surroundings_query(*, pk, now):
    """Highlights, byline, tags, corrections, previous and next story, related stories and the site's
    sections, in ONE query.

    The story page has a budget of a few queries; these eight lists would cost eight on their own,
    so each is folded into a JSON array by the database. (Its `nav_sections` stands in for the lazy
    one of the `site` context processor.) Built once per process (`CompiledQuery`): only the story's
    key and the current time vary.
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
    people = get_user_model()
    return (
        Story.objects.filter(pk=pk)
        .order_by()
        .values(
            highlight_list=_json_list(
                Highlight.objects.filter(story=OuterRef("pk")), pk="pk", text="text", position="position"
            ),
            byline=_json_list(
                people.objects.filter(bylines=OuterRef("pk")),
                pk="pk",
                username=people.USERNAME_FIELD,
                first_name="first_name",
                last_name="last_name",
                public_slug="profile__slug",
            ),
            tag_list=_json_list(Tag.objects.filter(stories=OuterRef("pk")), name="name", slug="slug"),
            correction_list=_json_list(
                Correction.objects.filter(story=OuterRef("pk")), kind="kind", text="text", created_at="created_at"
            ),
            related_list=_json_list(Story.objects.filter(pk__in=related_ids), **LINK_FIELDS),
            section_list=_json_list(Section.objects.all(), name="name", slug="slug", position="position"),
            previous_link=Subquery(published.filter(older).newest_first().values(j=link)[:1]),
            next_link=Subquery(published.filter(newer).order_by("published_at", "pk").values(j=link)[:1]),
        )
    )


def _db_time(when):
    return Story._meta.get_field("published_at").get_db_prep_value(when, connection)


# Values no story and no clock has, standing in for the two arguments while the query is compiled.
_surroundings = CompiledQuery(
    _surroundings_query,
    pk=Marker(-918_273_645, adapt=db_key),
    now=Marker(datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC), adapt=_db_time),
)


def _story_surroundings(story) -> dict:
    """The story page's lists, from the one query of `_surroundings_query`."""
    found = _surroundings.rows(pk=story.pk, now=timezone.now())
    # Each column is a JSON document (text on some databases), or NULL for an empty list; no row if just deleted.
    row = {name: json.loads(value) if isinstance(value, str) else value for name, value in (found or [{}])[0].items()}
    people = get_user_model()
    byline = []
    for item in row.get("byline") or []:
        person = people(
            pk=item["pk"],
            first_name=item["first_name"],
            last_name=item["last_name"],
            **{people.USERNAME_FIELD: item["username"]},
        )
        person.public_slug = item.get("public_slug")  # as with_reader_relations gives it: see models.author_url
        byline.append(person)
    highlights = [Highlight(story=story, **item) for item in row.get("highlight_list") or []]
    sections = [Section(**item) for item in row.get("section_list") or []]
    related_links = [StoryLink.from_json(item) for item in row.get("related_list") or []]
    corrections = [CorrectionNote.from_json(item) for item in row.get("correction_list") or []]
    return {
        # In the orders the other pages show them (with_reader_relations, Section.Meta.ordering).
        "byline": sorted(byline, key=lambda person: person.pk),
        "highlights": sorted(highlights, key=lambda h: (h.position, h.pk)),
        "corrections": sorted(corrections, key=lambda c: c.created_at),
        "tags": sorted(row.get("tag_list") or [], key=lambda t: t["name"].lower()),
        "related_stories": sorted(related_links, key=lambda s: s.published_at, reverse=True),
        "previous_story": StoryLink.from_json(row.get("previous_link")),
        "next_story": StoryLink.from_json(row.get("next_link")),
        "nav_sections": sorted(sections, key=lambda s: (s.position, s.name.lower())),
    }


def _ld_json(data) -> str:
    """JSON safe inside a <script> element (the escapes of Django's json_script)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return mark_safe(text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026"))  # noqa: S308


def _news_article(story, byline, corrections, tags, canonical_url) -> str:
    site = settings.SITE_URL.rstrip("/")
    people = []
    for person in byline:
        entry = {"@type": "Person", "name": display_name(person)}
        if url := author_url(person):  # their public slug's page; a person without one has none
            entry["url"] = site + url
        people.append(entry)
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": canonical_url,
        "url": canonical_url,
        "headline": story.title,
        "datePublished": story.published_at.isoformat() if story.published_at else None,
        "dateModified": story.last_modified.isoformat(),
        "author": people,
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME, "url": site + "/"},
    }
    if story.standfirst:
        data["description"] = story.standfirst
    if story.section_id:
        data["articleSection"] = story.section.name
    if tags:
        data["keywords"] = [t["name"] for t in tags]
    if story.dateline:
        data["locationCreated"] = {"@type": "Place", "name": story.dateline}
    if story.lead_image:
        data["image"] = [site + story.lead_image.url]
    if corrections:
        data["correction"] = [
            {"@type": "CorrectionComment", "text": c.text, "datePublished": c.created_at.isoformat()}
            for c in corrections
        ]
    return _ld_json(data)


def story_page_context(request, story, *, opinion_form=None) -> dict:
    """Everything the story template needs (shared by the public page, previews and the opinion form)."""
    surroundings = _story_surroundings(story)
    canonical_url = settings.SITE_URL.rstrip("/") + story.get_absolute_url()
    return {
        "story": story,
        "canonical_url": canonical_url,
        "structured_data": _news_article(
            story, surroundings["byline"], surroundings["corrections"], surroundings["tags"], canonical_url
        ),
        **surroundings,
        **opinions.section_context(request, story, form=opinion_form),
    }


def _published_story(slug):
    """The live story at `slug` and its section (its short lists come with _story_surroundings)."""
    return get_object_or_404(Story.objects.live().select_related("section"), slug=slug)


def story_detail(request, slug):
    story = _published_story(slug)
    context = story_page_context(request, story)
    _story_page_shows(request, story, context)
    return render(request, "stories/story_detail.html", context)


def _story_page_shows(request, story, context) -> None:
    """The scopes of the story page: the story, its opinions, the names and links around it."""
    links = [*context["related_stories"], context["previous_story"], context["next_story"]]
    tag_slugs = [tag["slug"] for tag in context["tags"]]
    pagecache.depends_on(
        request,
        scopes.story(story.pk),
        scopes.opinions(story.pk),
        scopes.OPINION_POLICY,
        scopes.PEOPLE,
        scopes.NAVIGATION,
        *(scopes.story(link.pk) for link in links if link is not None),
        *(scopes.tag(slug) for slug in tag_slugs),
        *(scopes.related_tag(slug) for slug in tag_slugs),
        *([scopes.related_section(story.section.slug)] if story.section_id else []),
    )


# --- Previews (the editorial workflow's; see StoryAdmin) ---------------------


def _preview_response(request, story):
    response = render(request, "stories/story_detail.html", {**story_page_context(request, story), "preview": True})
    # A preview is for one person: never stored by a shared cache, never indexed.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@staff_member_required
def story_preview(request, pk):
    """Staff who may see a story read it in the public template, whatever its state."""
    if pk > previews.MAX_ID:
        raise Http404("No such story.")
    story = get_object_or_404(workflow.visible_stories(request.user).select_related("section"), pk=pk)
    return _preview_response(request, story)


def story_preview_link(request, token):
    """The signed preview link: an expired or tampered token is a 404, like any story readers may not see."""
    pk = previews.story_key(token)
    if pk is None:
        raise Http404("No such preview.")
    story = get_object_or_404(Story.objects.select_related("section"), pk=pk)
    return _preview_response(request, story)


@require_POST
def post_opinion(request, slug):
    """A reader sends an opinion from the story page's form; it waits for a moderator (see stories/opinions.py).

    An accepted opinion only redirects: the page's lists are read only when it is shown again with
    the form's errors (story_page_context).
    """
    story = _published_story(slug)

    def render_page(form, status):
        context = story_page_context(request, story, opinion_form=form)
        return render(request, "stories/story_detail.html", context, status=status)

    return opinions.receive(request, story, render_page)
