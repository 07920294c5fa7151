"""Oversized and malformed requests get a 400, a 404 or a form error, never a 500."""

from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from stories import opinions, views
from stories.models import Section, Story, Tag
from tests.factories import OpinionFactory, SectionFactory, StoryFactory, TagFactory, UserFactory
from tests.payloads.forms import find_form

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


@pytest.fixture
def content(db):
    section = SectionFactory()
    tag = TagFactory()
    author = UserFactory(username="byline", role="Writers")
    story = StoryFactory(published=True, section=section, authors=[author])
    story.tags.add(tag)
    OpinionFactory(story=story)
    token = views.preview_link_for(story).rstrip("/").rsplit("/", 1)[1]
    return Content(story=story, section=section, tag=tag, author=author, preview_token=token)


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
