"""The public reader site: the front page, story pages, sections, tags, authors and search.

Every read goes through `Story.objects.live()`, so drafts, stories in
review and scheduled stories never reach a reader. Each page runs a fixed,
small number of queries whatever the number of stories, highlights, authors,
tags, corrections or opinions (asserted by the query-count tests of tests/reader/).
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

import pagecache

from . import metadata, opinions, previews, reading, scopes, search, story_page, workflow
from .crossorigin import cross_origin_protected
from .filters import StoryFilter
from .links import reader_url
from .models import Status, Story, name_from
from .navigation import known_sections, nav_sections
from .rendering import RenderedOnce

# Deep offsets are slow on any database and no reader pages that far back.
MAX_PAGE = 1000


# --- Lists ---------------------------------------------------------------------------------


class ListPage:
    """One page of a list, fetched without counting the whole list.

    Asking for one row more than the page holds tells whether a next page
    exists; a COUNT over a million stories would cost more than the page.
    """

    def __init__(self, rows, number, per_page):
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


def list_page(request, fetch: Callable[[int, int], list], per_page=None) -> ListPage:
    """The requested page of a list, `fetch(offset, limit)` reading its rows; a page number that is not a page
    is a 404, never a 500."""
    number = bounded_number(request.GET.get("page") or "1", MAX_PAGE)
    if number is None:
        raise Http404("No such page.")
    per_page = per_page or settings.STORIES_PER_PAGE
    page = ListPage(fetch((number - 1) * per_page, per_page + 1), number, per_page)
    if number > 1 and not page.object_list:
        raise Http404("No such page.")
    return page


def _canonical(path, page):
    url = settings.SITE_URL.rstrip("/") + path
    return f"{url}?page={page.number}" if page.number > 1 else url


def _listed(request, kind, key=None) -> tuple[ListPage, reading.Listing]:
    """The requested page of a list readers see, and what its query read with it: the navigation's sections
    (given to the request) and the list's subject."""
    read = {}

    def fetch(offset, limit):
        found = read["listing"] = reading.listing(kind, offset, limit, key)
        if found.sections is not None:
            known_sections(request, found.sections)
        return found.cards

    page = list_page(request, fetch)
    return page, read["listing"]


def _story_list(page, path, **context):
    return {"page": page, "canonical_url": _canonical(path, page), **context}


def _filtered_cards(queryset):
    return lambda offset, limit: reading.cards(queryset.newest_first(), offset, limit)


# The front page's filter fields. Without a filter in the address they are the same on every visit
# (for the same sections): rendered once per process.
_FILTER_FIELDS = RenderedOnce("stories/_filter_fields.html")


def home(request):
    filterset = None
    if any(name in request.GET for name in StoryFilter.base_filters):
        # The filter's section choices are the navigation's list: one query for both.
        sections = nav_sections(request)
        filterset = StoryFilter(request.GET, queryset=Story.objects.live(), sections=sections)
        stories = filterset.qs  # validates the form: cleaned_data holds the filters that apply
        try:
            with search.refusals(filterset.form.cleaned_data.get("q") or ""):
                page = list_page(request, _filtered_cards(stories))
        except search.Refused:
            # Like any filter that cannot be used: reported, and ignored until corrected.
            filterset.form.add_error("q", search.REFUSED_MESSAGE)
            stories = filterset.filter_queryset(filterset.queryset.all())
            page = list_page(request, _filtered_cards(stories))
        filter_fields = _FILTER_FIELDS.render_now({"filter": filterset})
    else:  # the unfiltered front page, most visits: the newest stories and the navigation in one query
        page, _ = _listed(request, "front")
        sections = nav_sections(request)
        choices = tuple((s["slug"], s["name"]) for s in sections)
        filter_fields = _FILTER_FIELDS.render(
            choices, lambda: {"filter": StoryFilter(queryset=Story.objects.none(), sections=sections)}
        )
    # Any live story may answer a filter; the plain front page shows the newest.
    pagecache.depends_on(request, scopes.PEOPLE, scopes.LISTS)
    context = {
        "page": page,
        "filter": filterset,
        "filter_fields": filter_fields,
        "filtered": filterset is not None and filterset.is_filtering,
        "canonical_url": _canonical("/", page),
        "description": f"The latest news from {settings.SITE_NAME}, newest first.",
        "is_home": True,
    }
    return render(request, "stories/home.html", context)


def section(request, slug):
    page, _ = _listed(request, "section", slug)
    current = next((s for s in nav_sections(request) if s["slug"] == slug), None)
    if current is None:
        raise Http404("No such section.")
    pagecache.depends_on(request, scopes.section(slug), scopes.PEOPLE)
    description = current["description"] or f"The latest {current['name']} stories from {settings.SITE_NAME}."
    context = _story_list(
        page, current["url"], section=current, heading=current["name"], current_section=slug, description=description
    )
    return render(request, "stories/story_list.html", context)


def tag(request, slug):
    page, found = _listed(request, "tag", slug)
    # A tag without a live story: its list has no row to carry it.
    current = found.subject or reading.tag(slug)
    if current is None:
        raise Http404("No such tag.")
    pagecache.depends_on(request, scopes.tag(current["slug"]), scopes.PEOPLE)
    description = f"Stories tagged “{current['name']}” from {settings.SITE_NAME}, newest first."
    path = reader_url("stories:tag", current["slug"])
    context = _story_list(page, path, heading=current["name"], kicker="Tag", description=description)
    return render(request, "stories/story_list.html", context)


def author(request, slug):
    page, found = _listed(request, "author", slug)
    # By the person's public slug (Profile), read with the list: only people with a published byline have a
    # public page, and anyone else (or an unknown slug) stays unknown.
    person = found.subject
    if person is None:
        raise Http404("No such author.")
    pagecache.depends_on(request, scopes.author(slug), scopes.PEOPLE)
    name = name_from(person["first_name"], person["last_name"], person[get_user_model().USERNAME_FIELD])
    description = f"Stories by {name} for {settings.SITE_NAME}, newest first."
    path = reader_url("stories:author", slug)
    context = _story_list(page, path, heading=name, kicker="Stories by", description=description, author_page=True)
    return render(request, "stories/story_list.html", context)


def search_page(request):
    pagecache.depends_on(request, scopes.LISTS, scopes.PEOPLE)
    form = search.SearchForm(request.GET)
    page, capped = None, False
    if form.is_valid() and form.cleaned_data["q"]:
        query = form.cleaned_data["q"]

        def fetch(offset, limit):
            found = search.results(query, offset, limit)
            if found.sections is not None:  # read with the results
                known_sections(request, found.sections)
            return found.items

        try:
            with search.refusals(query):
                page = list_page(request, fetch)
        except search.Refused:
            form.add_error("q", search.REFUSED_MESSAGE)  # the form shows it; no results, no pages
        else:
            # The last page of the ranked matches: older ones may exist, and the front page's filter finds them.
            capped = (
                search.full_text()
                and not page.has_next
                and (page.number - 1) * settings.STORIES_PER_PAGE + len(page) >= search.MAX_RANKED
            )
    context = {"form": form, "page": page, "capped": capped, "max_ranked": search.MAX_RANKED}
    return render(request, "stories/search.html", context)


def corrections(request):
    """Every notice (correction, clarification, update, editor's note) of the stories readers may see, newest
    first: what the newsroom got wrong or changed, in one place."""
    pagecache.depends_on(request, scopes.CORRECTIONS, scopes.LISTS)
    page = list_page(request, reading.notices)
    context = {
        "page": page,
        "canonical_url": _canonical(reader_url("stories:corrections"), page),
        "description": "Every correction, clarification, update and editor’s note, newest first.",
    }
    return render(request, "stories/corrections.html", context)


# --- The story page ------------------------------------------------------------------------


def story_page_context(request, page: dict, *, opinion_form=None) -> dict:
    """Everything the story template needs, from `reading`'s page data (the public page, previews, the opinion
    form)."""
    canonical_url = settings.SITE_URL.rstrip("/") + page["story"]["url"]
    known_sections(request, page["nav_sections"])  # the navigation's, read with the story
    image = page["story"]["image"]  # its renditions were made when it was saved (stories.renditions)
    return {
        **page,
        "canonical_url": canonical_url,
        "social_image": metadata.social_image(image),
        "structured_data": metadata.news_article(page, canonical_url),
        "live_poll_seconds": settings.LIVE_POLL_SECONDS,
        **opinions.section_context(request, page["story"], form=opinion_form, first_page=page["first_opinions"]),
    }


def _live_story_page(slug) -> dict:
    page = story_page.live_story_page(slug)
    if page is None:
        raise Http404("No such story.")
    return page


def story_detail(request, slug):
    page = story_page.live_story_page(slug)
    if page is None:
        gone = story_page.gone_story(slug)
        if gone is None:
            raise Http404("No such story.")
        # Taken down or expired: "410 Gone" tells readers and search engines it is not coming back. Not stored
        # by the page cache (only a 200 is), so the story's address answers from the database until reinstated.
        return render(request, "stories/gone.html", {"gone": gone}, status=410)
    context = story_page_context(request, page)
    _story_page_shows(request, page)
    return render(request, "stories/story_detail.html", context)


def _story_page_shows(request, page) -> None:
    """The scopes of the story page: the story, its opinions, the names and links around it."""
    story = page["story"]
    links = [*page["related_stories"], page["previous_story"], page["next_story"]]
    tag_slugs = [tag["slug"] for tag in page["tags"]]
    pagecache.depends_on(
        request,
        scopes.story(story["pk"]),
        scopes.opinions(story["pk"]),
        scopes.OPINION_POLICY,
        scopes.PEOPLE,
        scopes.NAVIGATION,
        *(scopes.story(link["pk"]) for link in links if link is not None),
        *(scopes.tag(slug) for slug in tag_slugs),
        *(scopes.related_tag(slug) for slug in tag_slugs),
        *([scopes.related_section(story["section"]["slug"])] if story["section"] else []),
    )


# --- Live coverage -----------------------------------------------------------------------------


def live_updates(request, slug):
    """The updates of a story's live coverage as HTML, for readers' open pages to fetch
    (newsroom/static/js/live-updates.js).

    One small query, and cached by the page cache under the story's scope: every update posted, edited or
    deleted purges it (stories.purging), so a thousand readers polling are served the stored copy, mostly as
    "304 Not Modified" (their If-None-Match names it).
    """
    live = reading.live_story_updates(slug)
    if live is None:
        raise Http404("No live coverage here.")
    pagecache.depends_on(request, scopes.story(live["pk"]))
    return render(request, "stories/live_updates.html", {"live": live})


# --- Previews and partner links (the editorial workflow's; see StoryAdmin) ---------------------


def _private(response):
    # A preview is for one person: never stored by a shared cache, never indexed.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _gone_response(request, slug):
    """A killed story's notice (410) where a signed link would have shown it: the kill ends every link."""
    gone = story_page.gone_story(slug) or {"title": "", "killed": True, "notice": ""}
    return _private(render(request, "stories/gone.html", {"gone": gone}, status=410))


def _embargo_notice(page, partner=None) -> dict | None:
    """The banner of a story under embargo: until when, and (a partner link) whom it was shared with."""
    story = page["story"]
    if not story["is_embargoed"]:
        return None
    return {"until": story["embargo_until"], "partner": partner}


def _preview_response(request, pk, *, partner=None, staff=False):
    page = story_page.any_story_page(pk)
    if page is None:  # deleted meanwhile
        raise Http404("No such story.")
    if page["story"]["status"] == Status.KILLED and not staff:
        return _gone_response(request, page["story"]["slug"])
    context = {
        **story_page_context(request, page),
        "preview": True,
        "embargo_notice": _embargo_notice(page, partner),
    }
    return _private(render(request, "stories/story_detail.html", context))


@staff_member_required
def story_preview(request, pk):
    """Staff who may see a story read it in the public template, whatever its state."""
    if pk > previews.MAX_ID or not workflow.visible_stories(request.user).filter(pk=pk).exists():
        raise Http404("No such story.")
    return _preview_response(request, pk, staff=True)


def story_preview_link(request, token):
    """The signed preview link: an expired or tampered token is a 404, like any story readers may not see."""
    pk = previews.story_key(token)
    if pk is None:
        raise Http404("No such preview.")
    return _preview_response(request, pk)


def partner_link(request, token):
    """The signed partner link: the named partner reads the embargoed story, marked with its embargo and their
    name. A tampered or out-of-date token is a 404; a killed story answers 410 with its notice."""
    grant = previews.partner_grant(token)
    if grant is None:
        raise Http404("No such link.")
    found = Story.objects.filter(pk=grant["pk"]).values("embargo_until").first()
    if found is None or not previews.partner_link_valid(grant, found["embargo_until"]):
        raise Http404("No such link.")
    return _preview_response(request, grant["pk"], partner=grant["partner"])


# The opinion form belongs to nobody's session, so no CSRF token protects anything there: the browser's own
# Sec-Fetch-Site / Origin headers refuse a post another site sends (stories/crossorigin.py). Without a token the
# story page sets no CSRF cookie and carries no value tied to one. Every staff form keeps Django's CSRF check.
@csrf_exempt
@cross_origin_protected
@require_POST
def post_opinion(request, slug):
    """A reader sends an opinion from the story page's form; it waits for a moderator (see stories/opinions.py).

    An accepted opinion only redirects: the page's lists are read only when it is shown again with
    the form's errors (story_page_context).
    """
    story = get_object_or_404(Story.objects.live(), slug=slug)

    def render_page(form, status):
        context = story_page_context(request, _live_story_page(slug), opinion_form=form)
        return render(request, "stories/story_detail.html", context, status=status)

    return opinions.receive(request, story, render_page)
