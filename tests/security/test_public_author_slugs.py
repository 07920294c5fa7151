"""Public pages never publish a login name: people have a public slug of their own (stories.models.Profile).

The author page is /authors/<slug>/; the old address by username is a 404 like any unknown page. Bylines,
story cards, feeds, sitemaps and the JSON-LD name people by their name and link them by their slug. The
user admin edits the slug beside the names, and refuses names a byline cannot show (control characters,
line breaks).
"""

import importlib
import io
import json
import pkgutil
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

import stories.migrations
from stories.models import Correction, Profile
from tests.factories import OpinionFactory, SectionFactory, StoryFactory, TagFactory, UserFactory
from tests.story_admin_helpers import person_change_url, person_form_data

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

# Login names unlike the names bylines show, each of a shape Django allows (letters, digits, @ . + - _).
STAFF = [
    ("qx7-login", "Ann", "Lee", "Writers"),
    ("zeta.kappa99", "Bo", "Kim", "Writers"),
    ("m_ohlsen@desk", "Ann", "Lee", "Writers"),
    ("cy+night", "Cyril", "Oduya", "Editors"),
    ("lw-4410", "Li", "Wen", "Writers"),
]


@pytest.fixture
def newsroom(settings):
    settings.SITE_URL = "https://news.example"
    people = {
        login: UserFactory(username=login, first_name=first, last_name=last, role=group)
        for login, first, last, group in STAFF
    }
    city = SectionFactory(name="City", slug="city")
    transport = TagFactory(name="Transport", slug="transport")
    now = timezone.now()
    bylines = [["qx7-login"], ["qx7-login", "zeta.kappa99"], ["m_ohlsen@desk"], ["cy+night", "lw-4410"], ["lw-4410"]]
    stories = []
    for n, byline in enumerate(bylines):
        story = StoryFactory(
            published=True,
            published_at=now - timedelta(hours=n + 1),
            title=f"Tram line story number {n}",
            standfirst="The council voted.",
            dateline="HARBOUR CITY",
            section=city,
            authors=[people[login] for login in byline],
        )
        story.tags.add(transport)
        Correction.objects.create(story=story, text="An earlier version gave the wrong date.")
        OpinionFactory(story=story, author_name="A reader")
        stories.append(story)
    return {"people": people, "stories": stories}


def _logins():
    # Every member of staff: the newsroom's, and the fixtures' if a test made them.
    return [u.lower() for u in get_user_model().objects.filter(is_staff=True).values_list("username", flat=True)]


PUBLIC_PAGES = [
    "/",
    "/?q=tram",
    "/?section=city",
    "/?tag=transport",
    "/section/city/",
    "/tag/transport/",
    "/authors/ann-lee/",
    "/authors/ann-lee-2/",
    "/authors/bo-kim/",
    "/authors/cyril-oduya/",
    "/authors/li-wen/",
    "/search/?q=tram",
    "/feed/",
    "/feed/atom/",
    "/section/city/feed/",
    "/section/city/feed/atom/",
    "/sitemap.xml",
    "/sitemap-home.xml",
    "/sitemap-sections.xml",
    "/sitemap-stories.xml",
    "/sitemap-news.xml",
    "/robots.txt",
    "/no-such-page/",
    "/stories/no-such-story/",
]


def _everything(response):
    """What a visitor receives: the body and every header."""
    headers = " ".join(f"{name}: {value}" for name, value in response.items())
    return (headers + "\n" + response.content.decode()).lower()


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_no_public_page_shows_a_login_name(client, newsroom, url):
    response = client.get(url)
    assert response.status_code in (200, 404)
    received = _everything(response)
    assert [login for login in _logins() if login in received] == []


@pytest.mark.parametrize("n", range(5))
def test_no_story_page_or_its_structured_data_shows_a_login_name(client, newsroom, n):
    response = client.get(newsroom["stories"][n].get_absolute_url())
    assert response.status_code == 200
    received = _everything(response)
    assert [login for login in _logins() if login in received] == []
    data = _ld(response.content.decode())
    assert all(re.fullmatch(r"https://news\.example/authors/[a-z0-9-]+/", a["url"]) for a in data["author"])


@pytest.mark.parametrize("login", [login for login, *_ in STAFF] + ["nobody-at-all"])
def test_the_old_address_by_login_name_is_any_unknown_page(client, newsroom, login):
    response = client.get(f"/authors/{login}/")
    assert response.status_code == 404  # never a redirect that would confirm the name exists
    unknown = client.get("/authors/no-such-person-anywhere/")
    assert _without_per_visit_values(response) == _without_per_visit_values(unknown)


def _without_per_visit_values(response):
    return re.sub(r'(nonce|value)="[^"]*"', "", response.content.decode())


def _ld(html):
    match = re.search(r'<script type="application/ld\+json" nonce="[^"]+">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_bylines_link_each_person_by_their_public_slug(client, newsroom):
    html = client.get(newsroom["stories"][1].get_absolute_url()).content.decode()
    assert 'By <a rel="author" href="/authors/ann-lee/">Ann Lee</a> and ' in html
    assert '<a rel="author" href="/authors/bo-kim/">Bo Kim</a>' in html
    namesake = client.get(newsroom["stories"][2].get_absolute_url()).content.decode()
    assert '<a rel="author" href="/authors/ann-lee-2/">Ann Lee</a>' in namesake


def test_the_structured_data_links_each_author_by_their_public_slug(client, newsroom):
    data = _ld(client.get(newsroom["stories"][3].get_absolute_url()).content.decode())
    assert data["author"] == [
        {"@type": "Person", "name": "Cyril Oduya", "url": "https://news.example/authors/cyril-oduya/"},
        {"@type": "Person", "name": "Li Wen", "url": "https://news.example/authors/li-wen/"},
    ]


def test_an_author_page_lists_the_persons_published_stories_under_their_public_slug(client, newsroom):
    html = client.get("/authors/ann-lee/").content.decode()
    assert "<h1>Ann Lee</h1>" in html
    assert "Tram line story number 0" in html and "Tram line story number 1" in html
    assert "Tram line story number 2" not in html  # the other Ann Lee's
    assert '<link rel="canonical" href="https://news.example/authors/ann-lee/">' in html


def test_the_atom_feed_links_a_single_author_by_their_public_slug(client, newsroom):
    xml = client.get("/feed/atom/").content.decode()
    assert "<author><name>Li Wen</name><uri>https://news.example/authors/li-wen/</uri></author>" in xml
    assert "<author><name>Ann Lee, Bo Kim</name></author>" in xml


def test_a_person_without_a_public_slug_is_named_without_a_link_and_has_no_page(client, settings):
    settings.SITE_URL = "https://news.example"
    person = UserFactory(username="no-slug-login", first_name="Dana", last_name="Ruiz", public_slug=False)
    story = StoryFactory(published=True, authors=[person])
    html = client.get(story.get_absolute_url()).content.decode()
    assert "By Dana Ruiz" in html and 'rel="author"' not in html
    assert _ld(html)["author"] == [{"@type": "Person", "name": "Dana Ruiz"}]
    assert "no-slug-login" not in html
    assert client.get("/authors/dana-ruiz/").status_code == 404


# --- Making slugs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Ann Lee", "ann-lee"),
        ("  Ann \t  Lee ", "ann-lee"),
        ("Zoë Ångström-Ødegaard", "zoe-angstrom-degaard"),
        ("O'Brien, Seán", "obrien-sean"),
        ("李明", "author"),
        ("<script>alert(1)</script>", "scriptalert1script"),
        ("A" * 300, "a" * 74),
        ("", None),
        ("   ", None),
    ],
)
def test_a_slug_is_made_from_the_name(name, slug):
    assert Profile.objects.free_slug(name) == slug


def test_namesakes_get_numbered_slugs_and_no_slug_is_a_login_name():
    UserFactory(username="ann-lee", first_name="Someone", last_name="Else")
    made = [UserFactory(username=f"login{n}", first_name="Ann", last_name="Lee") for n in range(3)]
    assert [p.profile.slug for p in made] == ["ann-lee-2", "ann-lee-3", "ann-lee-4"]
    UserFactory(username="BO-KIM")
    assert UserFactory(username="kim", first_name="Bo", last_name="Kim").profile.slug == "bo-kim-2"


def test_the_migration_gives_every_named_person_a_slug_and_nobody_a_login_name():
    people = [
        UserFactory(username="ann-lee", first_name="Ann", last_name="Lee"),
        UserFactory(username="x1", first_name="Ann", last_name="Lee"),
        UserFactory(username="x2", first_name="", last_name=""),
        UserFactory(username="x3", first_name="李", last_name="明"),
        UserFactory(username="x4", first_name="Bo", last_name=""),
    ]
    UserFactory(username="kept", first_name="Kept", last_name="Slug", public_slug="chosen-one")
    Profile.objects.exclude(slug="chosen-one").delete()
    _migration().give_people_public_slugs(apps, None)
    slugs = {p.username: getattr(getattr(p, "profile", None), "slug", None) for p in _refetched(people)}
    assert slugs == {"ann-lee": "ann-lee-2", "x1": "ann-lee-3", "x2": None, "x3": "author", "x4": "bo"}
    assert Profile.objects.get(slug="chosen-one").user.username == "kept"


def _migration():
    # Found by name: the migration's number may change when branches merge.
    modules = pkgutil.iter_modules(stories.migrations.__path__)
    [name] = [m.name for m in modules if m.name.endswith("_people_public_slugs")]
    return importlib.import_module(f"stories.migrations.{name}")


def _refetched(people):
    return get_user_model().objects.filter(pk__in=[p.pk for p in people]).select_related("profile")


# --- The demo ---------------------------------------------------------------------------------------


def test_the_demo_staff_have_public_slugs_and_demo_bylines_link_to_them(client):
    call_command("seed_demo", stdout=io.StringIO())
    slugs = dict(Profile.objects.values_list("user__username", "slug"))
    assert slugs == {
        "admin": "ada-admin",
        "editor": "elena-editor",
        "writer": "walter-writer",
        "moderator": "mona-moderator",
    }
    html = client.get("/").content.decode()
    story = re.search(r'<h2 id="card-\d+" class="card-title"><a href="([^"]+)"', html).group(1)
    page = client.get(story).content.decode()
    assert re.search(r'<a rel="author" href="/authors/(walter-writer|elena-editor)/">', page)
    assert client.get("/authors/walter-writer/").status_code == 200
    assert client.get("/authors/writer/").status_code == 404


# --- The user admin: names and public slug ------------------------------------------------------------------


@pytest.fixture
def ann(db):
    return UserFactory(username="qx7-login", first_name="Ann", last_name="Lee", role="Writers")


def test_the_user_admin_shows_the_public_slug_beside_the_names(client, admin_user, ann):
    client.force_login(admin_user)
    html = client.get(person_change_url(ann)).content.decode()
    assert 'name="public_slug" value="ann-lee"' in html
    assert html.index('name="last_name"') < html.index('name="public_slug"') < html.index('name="email"')
    listed = client.get("/admin/auth/user/?q=ann-lee").content.decode()
    assert "qx7-login" in listed and "ann-lee" in listed


def test_a_new_public_slug_moves_the_author_page_and_every_byline(
    client, admin_user, ann, django_capture_on_commit_callbacks
):
    story = StoryFactory(published=True, authors=[ann])
    assert client.get("/authors/ann-lee/").status_code == 200  # cached now
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(person_change_url(ann), person_form_data(ann, public_slug="ann-lee-harbour"))
    assert response.status_code == 302
    assert Profile.objects.get(user=ann).slug == "ann-lee-harbour"
    client.logout()
    assert client.get("/authors/ann-lee/").status_code == 404
    assert client.get("/authors/ann-lee-harbour/").status_code == 200
    assert 'href="/authors/ann-lee-harbour/"' in client.get(story.get_absolute_url()).content.decode()


def test_a_renamed_person_keeps_their_address_and_the_byline_shows_the_new_name(
    client, admin_user, ann, django_capture_on_commit_callbacks
):
    story = StoryFactory(published=True, authors=[ann])
    client.get(story.get_absolute_url())  # cached with the old name
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(person_change_url(ann), person_form_data(ann, last_name="Lee-Okafor"))
    client.logout()
    assert '<a rel="author" href="/authors/ann-lee/">Ann Lee-Okafor</a>' in client.get(story.get_absolute_url()).text


def test_an_empty_public_slug_is_made_from_the_name(client, admin_user, ann):
    client.force_login(admin_user)
    client.post(person_change_url(ann), person_form_data(ann, first_name="Annika", public_slug=""))
    assert Profile.objects.get(user=ann).slug == "annika-lee"


def test_a_person_left_without_a_name_or_an_address_has_no_author_page(client, admin_user, ann):
    StoryFactory(published=True, authors=[ann])
    client.force_login(admin_user)
    client.post(person_change_url(ann), person_form_data(ann, first_name="", last_name="", public_slug=""))
    assert not Profile.objects.filter(user=ann).exists()
    client.logout()
    assert client.get("/authors/ann-lee/").status_code == 404


@pytest.mark.parametrize(
    "slug",
    [
        "bo-kim",  # another person's
        "BO-KIM",
        "qx7-login",  # the person's own login name
        "QX7-Login",
        "zeta-login",  # another person's login name
        "ann lee",
        "ann/lee",
        "ann.lee",
        "ann\x00lee",
        "../admin",
        "a" * 81,
    ],
)
def test_a_public_slug_that_is_taken_a_login_name_or_not_a_slug_is_refused(client, admin_user, ann, slug):
    UserFactory(username="someone", first_name="Bo", last_name="Kim")
    UserFactory(username="zeta-login", first_name="Zeta", last_name="Ng")
    client.force_login(admin_user)
    response = client.post(person_change_url(ann), person_form_data(ann, public_slug=slug))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["public_slug"]
    assert Profile.objects.get(user=ann).slug == "ann-lee"


# What word processors and terminals paste: every C0 and C1 control character, and the line breaks.
CONTROL_CHARACTERS = [chr(c) for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)] if chr(c) not in "\n\r\t"]
LINE_BREAKS = ["\n", "\r", "\r\n", "\t"]
HOSTILE = CONTROL_CHARACTERS + LINE_BREAKS


@pytest.mark.parametrize("field", ["first_name", "last_name"])
@pytest.mark.parametrize("character", HOSTILE, ids=lambda c: f"U+{ord(c[0]):04X}{'+' if len(c) > 1 else ''}")
def test_a_name_with_a_control_character_or_a_line_break_is_refused(client, admin_user, ann, field, character):
    before = getattr(ann, field)
    client.force_login(admin_user)
    response = client.post(person_change_url(ann), person_form_data(ann, **{field: f"An{character}na"}))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field]
    ann.refresh_from_db()
    assert getattr(ann, field) == before
    # At either end it is refused too, or trimmed with the spaces: never kept.
    client.post(person_change_url(ann), person_form_data(ann, **{field: f"{character}Anna{character}"}))
    ann.refresh_from_db()
    assert not any(c in getattr(ann, field) for c in HOSTILE)


@pytest.mark.parametrize("name", ["Zoë", "O'Brien-Ångström", "Nguyễn Văn", "李", "Anne-Marie", "D’Arcy"])
def test_names_of_every_alphabet_and_punctuation_are_kept(client, admin_user, ann, name):
    client.force_login(admin_user)
    response = client.post(person_change_url(ann), person_form_data(ann, first_name=name))
    assert response.status_code == 302
    ann.refresh_from_db()
    assert ann.first_name == name
