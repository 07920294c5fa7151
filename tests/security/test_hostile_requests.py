"""Oversized and malformed requests get a 400, a 404 or a form error, never a 500, on SQLite and PostgreSQL.

Every public URL is in PUBLIC_URLS with the parameters its view reads (a test walks the URL configuration,
so none is left out); each of HOSTILE_VALUES goes into each of those parameters and each path position, and
into every search box and autocomplete of the admin.
"""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from harness.forms import find_form
from stories import opinions, previews
from stories.admin import planning
from stories.models import Section, Story, Tag
from tests.factories import OpinionFactory, SectionFactory, StoryFactory, TagFactory, UserFactory

pytestmark = pytest.mark.slow

LONG = "x" * 10_000


@pytest.fixture
def client():
    # A crash must show up as a 500 response here, not as an exception in the test.
    return Client(raise_request_exception=False)


def _post_targets(client, story):
    """Where people post: the admin login and, once the story page has it, the opinion form."""
    targets = [reverse("admin:login")]
    form = find_form(client.get(story.get_absolute_url()).content.decode(), "body")
    if form is not None:
        targets.append(form["attrs"].get("action") or story.get_absolute_url())
    return targets


def _urls(story):
    return ["/", story.get_absolute_url(), "/search/", "/feed/", reverse("admin:login")]


QUERY_STRINGS = [
    f"q={LONG}",
    f"page={LONG}",
    "page=999999999999",
    "page=99999999999999999999999999999999",
    "page=-1",
    "page=0",
    "page=1e9",
    "page=%00",
    "q=%ff%fe%fd",
    "q=%c3%28",
    "q=%ed%a0%80",
    "q=%00",
    "q=tram%00line",
    "q=%",
    "q=%%%",
    "q=%zz",
    "section=%00&tag=%ff&date_from=2026-13-45&date_to=not-a-date",
    "date_from=99999-01-01&date_to=0000-00-00",
    "section=" + "a" * 5000,
    "q=a&q=b&q=c&page=1&page=2",
    "&".join(f"f{i}=x" for i in range(2500)),
    "q[]=x&q[0]=y",
    "ordering=-password&o=1.2.3",
]


@pytest.mark.django_db
@pytest.mark.parametrize("query", QUERY_STRINGS, ids=[q[:30] for q in QUERY_STRINGS])
def test_malformed_query_strings_never_crash(client, story, query):
    for url in _urls(story):
        response = client.get(f"{url}?{query}")
        assert response.status_code in (200, 301, 302, 400, 404), (url, response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/stories/%ff%fe/", "/stories/" + "a" * 5000 + "/", "/%00/", "/section/%c3%28/", "/tag/../../etc/passwd"],
)
def test_malformed_paths_are_not_found(client, story, path):
    assert client.get(path).status_code in (400, 404)


@pytest.mark.django_db
def test_an_unknown_host_is_refused(client):
    assert client.get("/", HTTP_HOST="evil.example").status_code == 400


@pytest.mark.django_db
def test_too_many_form_fields_is_a_400(client, story):
    fields = {f"f{i}": "x" for i in range(3000)}
    for url in _post_targets(client, story):
        assert client.post(url, fields).status_code == 400, url


@pytest.mark.django_db
def test_an_oversized_form_post_is_a_400(client, story):
    body = {"body": "x" * (6 * 1024 * 1024)}
    for url in _post_targets(client, story):
        assert client.post(url, body).status_code == 400, url


@pytest.mark.django_db
def test_a_post_with_broken_encoding_is_refused_cleanly(client, story):
    for content_type, data in [
        ("application/x-www-form-urlencoded", b"author_name=%ff%fe&body=%c3%28%00"),
        ("multipart/form-data; boundary=zz", b'--zz\r\nContent-Disposition: form-data; name="body"\r\n\r\n\xff\xfe'),
        ("multipart/form-data", b"no boundary at all"),
        ("application/json", b"{not json"),
    ]:
        for url in _post_targets(client, story):
            response = client.generic("POST", url, data, content_type=content_type)
            assert response.status_code < 500, (url, content_type, response.status_code)


@pytest.mark.django_db
def test_a_login_with_hostile_credentials_is_just_a_failed_login(client):
    for username, password in [(LONG, LONG), ("admin\x00", "x"), ("%ff", "\ud800".encode("utf-8", "surrogatepass"))]:
        response = client.post(reverse("admin:login"), {"username": username, "password": password})
        assert response.status_code in (200, 400, 429)


# --- What the requests reach: a story with its section, tag, byline and an opinion ---------------


@dataclass(frozen=True)
class Content:
    story: Story
    section: Section
    tag: Tag
    author: object
    preview_token: str
    calendar_token: str
    partner_token: str


@pytest.fixture
def content(db):
    """A published story with everything its addresses name: a section, a tag, a byline, an approved opinion."""
    section = SectionFactory()
    tag = TagFactory()
    author = UserFactory(username="byline", role="Writers")
    story = StoryFactory(published=True, section=section, authors=[author])
    story.tags.add(tag)
    OpinionFactory(story=story)
    token = previews.link_for(story).rstrip("/").rsplit("/", 1)[1]
    embargoed = StoryFactory(embargo_until=timezone.now() + timedelta(days=1))
    partner = previews.partner_link_for(embargoed, "Wire agency").rstrip("/").rsplit("/", 1)[1]
    return Content(
        story=story,
        section=section,
        tag=tag,
        author=author,
        preview_token=token,
        calendar_token=planning.calendar_token(author),
        partner_token=partner,
    )


# --- NUL, refused once for the whole site -------------------------------------------------

NUL_QUERIES = ["q=%00", "x=%00", "x=tram%00line", "%00=1", "q=a&q=%00", "x=%%00", "term=%00&app_label=stories"]


@pytest.mark.django_db
@pytest.mark.parametrize("query", NUL_QUERIES)
def test_a_nul_in_the_query_string_is_a_bad_request_on_every_page(client, editor, content, query):
    staff = Client(raise_request_exception=False)
    staff.force_login(editor)
    public = ["/", content.story.get_absolute_url(), "/search/", "/feed/", "/sitemap.xml", "/healthz", "/robots.txt"]
    desk = [reverse("admin:index"), reverse("admin:stories_story_changelist"), reverse("admin:autocomplete")]
    for who, urls in [(client, [*public, reverse("admin:login")]), (staff, desk)]:
        for url in urls:
            assert who.get(f"{url}?{query}").status_code == 400, url


@pytest.mark.django_db
@pytest.mark.parametrize("nul", ["%00", "tram%00line", "%00%00"])
def test_a_nul_in_the_path_is_not_found_on_every_page(client, editor, content, nul):
    staff = Client(raise_request_exception=False)
    staff.force_login(editor)
    public = [f"/authors/{nul}/", f"/stories/{nul}/", f"/section/{nul}/feed/", f"/sitemap-{nul}.xml", f"/{nul}"]
    desk = [f"/admin/{nul}/", f"/admin/stories/story/{nul}/change/", f"/admin/stories/{nul}/", f"/preview/link/{nul}/"]
    for who, paths in [(client, public), (staff, desk)]:
        for path in paths:
            assert who.get(path).status_code == 404, path


# --- Numbers: bounded like ?page= ---------------------------------------------------------

OUT_OF_BOUNDS = ["0", "1001", str(2**63), "9" * 5000, "1e3", "+2", " 2", "٢", "²"]


@pytest.mark.django_db
@pytest.mark.parametrize("number", OUT_OF_BOUNDS)
def test_a_page_number_out_of_bounds_is_not_found(client, content, number):
    lists = ["/", content.section.get_absolute_url(), content.tag.get_absolute_url(), "/search/?q=tram&"]
    for url in lists:
        joiner = "" if url.endswith("&") else "?"
        assert client.get(f"{url}{joiner}page={quote(number)}").status_code == 404, url


@pytest.mark.django_db
@pytest.mark.parametrize("number", OUT_OF_BOUNDS)
def test_an_opinions_page_out_of_bounds_shows_the_first(client, content, number):
    response = client.get(content.story.get_absolute_url(), {opinions.PAGE_PARAMETER: number})
    assert response.status_code == 200
    assert content.story.opinions.get().body in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("pk", [2**63, 2**64, 10**30])
def test_a_preview_of_a_key_past_the_database_integers_is_not_found(client, editor, pk):
    client.force_login(editor)
    assert client.get(reverse("stories:preview", args=[pk])).status_code == 404


# --- Every public URL, every parameter it reads, every path position -------------------------
#
# The table below names each public URL (everything outside the admin) with its path arguments (and
# where the test finds a real value for each) and the query parameters (or form fields) its view
# reads. test_every_public_url_is_in_the_table walks the URL configuration, so a new URL cannot
# escape the hostile values pushed through every entry.


class Raw(str):
    """Sent exactly as written: broken percent-escapes and bytes that are not UTF-8."""


@dataclass(frozen=True)
class Target:
    path: dict[str, Callable[[Content], str]] = field(default_factory=dict)
    params: tuple[str, ...] = ()
    method: str = "get"
    staff_only: bool = False  # also tried signed in as an editor


def _story_slug(c):
    return c.story.slug


def _section_slug(c):
    return c.section.slug


PUBLIC_URLS = {
    "healthz": Target(),
    "feed": Target(),
    "feed-atom": Target(),
    "section-feed": Target(path={"slug": _section_slug}),
    "section-feed-atom": Target(path={"slug": _section_slug}),
    "sitemap-index": Target(),
    "sitemap-news": Target(),
    "django.contrib.sitemaps.views.sitemap": Target(path={"section": lambda c: "stories"}, params=("p",)),
    "robots": Target(),
    # Uploaded images under SERVE_MEDIA (`make run`): any path, answered with a file of MEDIA_ROOT or a 404.
    "media": Target(path={"path": lambda c: "lead-images/none.png"}),
    "stories:home": Target(params=("page", "q", "section", "tag", "since", "until")),
    "stories:section": Target(path={"slug": _section_slug}, params=("page",)),
    "stories:tag": Target(path={"slug": lambda c: c.tag.slug}, params=("page",)),
    "stories:detail": Target(path={"slug": _story_slug}, params=(opinions.PAGE_PARAMETER,)),
    "stories:post_opinion": Target(
        path={"slug": _story_slug}, params=("author_name", "email", "body", "website", "started"), method="post"
    ),
    "stories:author": Target(path={"slug": lambda c: c.author.profile.slug}, params=("page",)),
    "stories:search": Target(params=("q", "page")),
    "stories:preview": Target(path={"pk": lambda c: str(c.story.pk)}, staff_only=True),
    "stories:preview-link": Target(path={"token": lambda c: c.preview_token}),
    "stories:partner-link": Target(path={"token": lambda c: c.partner_token}),
    "stories:corrections": Target(params=("page",)),
    "corrections-feed": Target(),
    "stories:live-updates": Target(path={"slug": _story_slug}),
    "stories:live-feed": Target(path={"slug": _story_slug}),
    # A person's assignments for their calendar app (stories.admin.planning): signed, no login.
    "assignment-calendar": Target(path={"token": lambda c: c.calendar_token}),
}
# A parameter no page reads: junk such as ?utm_source=… reaches every URL.
JUNK_PARAMETER = "utm_source"
GET_ANSWERS = {200, 301, 302, 400, 404, 410}
# The opinion form answers a stored opinion with 303 and a client over its rate limit with 429.
POST_ANSWERS = {303, 400, 404, 429}

_CONVERTER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def _public_routes(patterns=None, prefix="", namespace=""):
    """(name, route) of every URL pattern outside the admin; a pattern without a name is named by its route."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith(settings.ADMIN_PATH):
            continue
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _public_routes(pattern.url_patterns, route, inner)
        else:
            yield (namespace + pattern.name if pattern.name else route), route


def test_every_public_url_is_in_the_table():
    routes = dict(_public_routes())
    assert set(routes) == set(PUBLIC_URLS), "add the URL to PUBLIC_URLS, with the parameters its view reads"
    for name, route in routes.items():
        assert {m["name"] for m in _CONVERTER.finditer(route)} == set(PUBLIC_URLS[name].path), name


def _encoded(value) -> str:
    return str(value) if isinstance(value, Raw) else quote(value, safe="")


def _query(name, value) -> str:
    values = value if isinstance(value, list) else [value]
    return "&".join(f"{name}={_encoded(v)}" for v in values)


def _path(route, arguments) -> str:
    return "/" + _CONVERTER.sub(lambda m: arguments[m["name"]], route)


def _requests(name, target, content, value):
    """(where, path, query) of each request that carries `value` into one place of the URL."""
    route = dict(_public_routes())[name]
    valid = {arg: quote(get(content), safe="") for arg, get in target.path.items()}
    path = _path(route, valid)
    for param in (*target.params, JUNK_PARAMETER):
        yield param, path, _query(param, value)
    if not isinstance(value, list):
        for arg in target.path:
            yield f"<{arg}>", _path(route, {**valid, arg: _encoded(value)}), ""


def _opinion_fields(content) -> dict:
    started = opinions.form_token(content.story, issued_at=time.time() - 60)
    return {"author_name": "A reader", "email": "reader@example.com", "body": "Sensible.", "started": started}


def _send(client, target, content, where, path, query):
    if target.method == "get":
        return client.get(f"{path}?{query}" if query else path)
    fields = urlencode({k: v for k, v in _opinion_fields(content).items() if k != where})
    body = "&".join(filter(None, [fields, query]))
    return client.generic("POST", path, body, content_type="application/x-www-form-urlencoded")


def _cut(text, size=24):
    return text if len(text) <= size else text[:size] + "…"


HOSTILE_VALUES = {
    # NUL and other control characters
    "nul": "\x00",
    "nul-inside": "tram\x00line",
    "nul-overlong-utf8": Raw("%c0%80"),
    "controls": "\x01\x08\x0b\x0c\x1b[31m\x7f",
    "crlf-header": "a\r\nSet-Cookie: x=1",
    # numbers
    "zero": "0",
    "negative": "-1",
    "minus-zero": "-0",
    "float": "1.5",
    "exponent": "1e9",
    "huge-exponent": "1e400",
    "nan": "NaN",
    "infinity": "-inf",
    "hex": "0x10",
    "underscores": "1_000",
    "plus": "+2",
    "padded": " 2 ",
    "leading-zeros": "0" * 30 + "2",
    "bigint-max": str(2**63 - 1),
    "beyond-bigint": str(2**63),
    "beyond-uint64": str(2**64),
    "30-digits": "9" * 30,
    "5000-digits": "9" * 5000,  # past Python's own limit for turning text into an int
    "arabic-indic-digit": "٣",
    "superscript-digit": "²",
    "fullwidth-digit": "２",
    # text that is not UTF-8, or not text
    "invalid-utf8": Raw("%ff%fe%fd"),
    "truncated-utf8": Raw("%c3"),
    "bad-continuation": Raw("%c3%28"),
    "lone-high-surrogate": Raw("%ed%a0%80"),
    "lone-low-surrogate": Raw("%ed%b0%80"),
    "beyond-unicode": Raw("%f4%90%80%80"),
    "broken-escape": Raw("%"),
    "broken-escapes": Raw("%%%zz%u0000"),
    "noncharacters": "\ufffe\uffff",
    "private-use": "\ue000tram\ue001",
    # full-text query bombs: runs of every operator websearch_to_tsquery reads
    "dashes-33": "-" * 33,
    "dashes-200": "-" * 200,
    "spaced-dashes": "- " * 100,
    "word-then-dashes": "tram " + "-" * 100,
    "dashes-around-a-word": "-" * 40 + " tram " + "-" * 40,
    "dash-bang": "-!" * 100,
    "dash-pipe": "-|" * 100,
    "dash-amp": "-&" * 100,
    "dash-paren": "-(" * 100,
    "dash-angle": "-<" * 100,
    "dash-tab": "-\t" * 100,
    "dash-ideographic-space": "-\u3000" * 100,
    "bangs": "!" * 200,
    "pipes": "|" * 200,
    "amps": "&" * 200,
    "phrase-operators": "<->" * 66,
    "distance-operators": "<5>" * 66,
    "quotes": '"' * 200,
    "quoted-dashes": '"' + "-" * 100 + '" ' + "-" * 90,
    "parentheses": "(" * 100 + ")" * 100,
    "or-or": "or " * 66,
    "negated-or": "-or " * 50,
    "prefix-stars": ":*" * 100,
    "apostrophes": "'" * 200,
    "backslashes": "\\" * 200,
    "tsquery-syntax": '!(-"tram" | line) & c:* <-> -d' * 6,
    # long text
    "10000-characters": "x" * 10_000,
    "10000-accented": "é" * 10_000,
    "2500-emoji": "\U0001f600" * 2500,
    "10000-dashes": "-" * 10_000,
    # SQL and LIKE metacharacters
    "sql-or": "' OR 1=1 --",
    "sql-drop": "'; DROP TABLE stories_story; --",
    "sql-sleep": "1; SELECT pg_sleep(10)",
    "dollar-quotes": "$$ $x$",
    "like-percent": "%",
    "like-mixed": "%_\\%[a-z]^",
    "json": '{"a": [1, null]}',
    # invisible and right-to-left
    "rtl-override": "\u202etram",
    "zero-width": "\u200b" * 100,
    "byte-order-mark": "\ufeff",
    "bidi-isolates": "\u2066tram\u2069",
    "combining-marks": "a" + "\u0301" * 500,
    "mixed-scripts": "Tram מסילה 路面電車",
    # paths and markup
    "dot-dot": "../../etc/passwd",
    "slash": "a/b",
    "empty": "",
    "space": " ",
    "script": "<script>alert(1)</script>",
    "template": "{{ 7*7 }}{% debug %}",
    # dates out of every calendar
    "bad-date": "2026-13-45",
    "year-99999": "99999-01-01",
    "year-zero": "0000-00-00",
    "year-one": "0001-01-01",
    "year-9999": "9999-12-31",
    # the same parameter more than once
    "repeated": ["1", "2"],
    "repeated-hostile": ["1", "-" * 40, "9" * 30],
    "repeated-1500-times": ["1"] * 1500,
}


@pytest.mark.django_db
@pytest.mark.parametrize("value", list(HOSTILE_VALUES.values()), ids=list(HOSTILE_VALUES))
def test_hostile_values_in_every_parameter_and_path_position_never_crash(client, editor, content, value):
    staff = Client(raise_request_exception=False)
    staff.force_login(editor)
    failures = []
    for name, target in PUBLIC_URLS.items():
        answers = GET_ANSWERS if target.method == "get" else POST_ANSWERS
        for where, path, query in _requests(name, target, content, value):
            for who in [client, staff] if target.staff_only else [client]:
                status = _send(who, target, content, where, path, query).status_code
                if status not in answers:
                    failures.append((name, where, _cut(path + "?" + query, 60), status))
    assert not failures, "\n".join(map(str, failures))


# --- The admin's searches, for a signed-in editor -----------------------------------------


def _admin_searches():
    """(what, URL without its search term) of every admin list with a search box, and every autocomplete."""
    searches = []
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        if model_admin.search_fields:
            searches.append(
                (f"{meta.model_name} list", reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist") + "?q=")
            )
        for relation in meta.get_fields():
            if not relation.is_relation or relation.auto_created:  # the model's own fields, not reverse ones
                continue
            related_admin = admin.site._registry.get(relation.related_model)
            if related_admin is not None and related_admin.search_fields:
                arguments = urlencode(
                    {"app_label": meta.app_label, "model_name": meta.model_name, "field_name": relation.name}
                )
                searches.append(
                    (
                        f"{meta.model_name}.{relation.name} autocomplete",
                        f"{reverse('admin:autocomplete')}?{arguments}&term=",
                    )
                )
    return searches


def test_the_admin_has_searches_to_try():
    kinds = {what.split()[-1] for what, _ in _admin_searches()}
    assert kinds == {"list", "autocomplete"}


ADMIN_ANSWERS = {200, 302, 400, 403, 404}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value",
    [v for v in HOSTILE_VALUES.values() if not isinstance(v, list)],
    ids=[k for k, v in HOSTILE_VALUES.items() if not isinstance(v, list)],
)
def test_hostile_admin_searches_never_crash(client, editor, content, value):
    client.force_login(editor)
    failures = []
    for what, url in _admin_searches():
        status = client.get(url + _encoded(value)).status_code
        if status not in ADMIN_ANSWERS:
            failures.append((what, status))
    assert not failures, "\n".join(map(str, failures))
