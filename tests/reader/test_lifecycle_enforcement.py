"""An embargoed, expired or killed story reaches no reader: not its page, no list, feed, sitemap, search or link,
and no cached copy of one.

Each case is asked of every public address; the cached copies are asked again after the story is killed or
expires, or once its embargo ends, with the page cache on (local memory, and Redis with this process's near cache).
"""

import io
import re
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pagecache
from harness.engines import redis_cache_settings, throwaway_redis
from stories import previews, workflow
from stories.importing import parse
from stories.models import Correction, Opinion, Status
from tests.factories import SectionFactory, StoryFactory, TagFactory, UserFactory
from tests.imports.commands import run_import
from tests.opinion_helpers import post_opinion

pytestmark = pytest.mark.django_db

REDIS_PORT = 8193
HEADLINE = "Ferry operator admits falsified safety logs"
WORD = "ferry"  # in the neighbours' headlines too: a search that finds nothing would prove nothing
# The headline's words after the searched one: search marks the word it found (<mark>Ferry</mark>).
TAIL = "admits falsified safety logs"
CLARIFICATION = "The safety logs covered the winter crossings only."
NOTICE = "This story was removed on legal advice while a court reviews it."


@pytest.fixture(scope="module")
def redis_server():
    with throwaway_redis(REDIS_PORT) as server:
        yield server


@pytest.fixture(params=["local memory", "Redis"])
def page_store(request, settings):
    """The page cache on local memory (the default) or on Redis with the near cache, as tests/cache runs it."""
    if request.param == "Redis":
        settings.CACHES = redis_cache_settings(request.getfixturevalue("redis_server"))
        pagecache.cache.clear()
    return request.param


@pytest.fixture
def desk(db):
    """Around the story: its section, tag and byline, and a live story on each side of it."""
    section = SectionFactory(name="City", slug="city")
    tag = TagFactory(name="Transport", slug="transport")
    author = UserFactory(username="marta", first_name="Marta", last_name="Lind", public_slug="marta-lind")
    now = timezone.now()
    neighbours = []
    for title, hours in [("Ferry bakery reopens after the storm", 3), ("Night ferry routes redrawn", 0.5)]:
        story = StoryFactory(
            title=title, status=Status.PUBLISHED, published_at=now - timedelta(hours=hours), section=section
        )
        story.tags.add(tag)
        story.authors.add(author)
        Correction.objects.create(story=story, text=f"An earlier version of “{title}” misspelt a name.")
        neighbours.append(story)
    return {"section": section, "tag": tag, "author": author, "older": neighbours[0], "newer": neighbours[1]}


def _subject(desk, **fields):
    slug = "ferry-operator-admits-falsified-safety-logs"  # the one an import of its headline looks for
    story = StoryFactory(title=HEADLINE, slug=slug, section=desk["section"], **fields)
    story.tags.add(desk["tag"])
    story.authors.add(desk["author"])
    Correction.objects.create(story=story, kind=Correction.Kind.CLARIFICATION, text=CLARIFICATION)
    return story


def public_addresses(desk) -> list[str]:
    """Every public address that lists or links a story of the section, tag and byline."""
    return [
        "/",
        "/section/city/",
        "/tag/transport/",
        "/authors/marta-lind/",
        f"/search/?q={WORD}",
        f"/?q={WORD}",
        "/feed/",
        "/feed/atom/",
        "/section/city/feed/",
        "/section/city/feed/atom/",
        "/sitemap.xml",
        "/sitemap-stories.xml",
        "/sitemap-news.xml",
        # Every notice readers may see, and their feed.
        "/corrections/",
        "/corrections/feed/",
        # The neighbours' pages: previous / next, related stories and their structured data.
        desk["older"].get_absolute_url(),
        desk["newer"].get_absolute_url(),
    ]


def _listing_addresses(desk) -> list[str]:
    """The addresses that name the story while it is live (the sitemap index names only the sitemaps)."""
    return [url for url in public_addresses(desk) if url != "/sitemap.xml"]


def _text(response) -> str:
    return response.content.decode()


def _assert_nowhere(client, desk, story):
    for url in public_addresses(desk):
        response = client.get(url)
        assert response.status_code == 200, url
        text = _text(response)
        assert TAIL not in text, url
        assert story.slug not in text, url
        assert CLARIFICATION not in text, url


def _assert_everywhere(client, desk, story):
    for url in _listing_addresses(desk):
        response = client.get(url)
        assert response.status_code == 200, url
        text = _text(response)
        assert story.slug in text, url
        if "sitemap" not in url:
            assert TAIL in text, url


def _embargoed(desk, editor):
    """Published with its embargo still running: held until the embargo ends."""
    story = _subject(desk, status=Status.REVIEW, embargo_until=timezone.now() + timedelta(hours=2))
    return workflow.publish(story, editor)


def _embargoed_draft(desk, editor):
    return _subject(desk, embargo_until=timezone.now() + timedelta(hours=2))


def _expired(desk, editor):
    now = timezone.now()
    return _subject(
        desk, status=Status.PUBLISHED, published_at=now - timedelta(hours=1), expires_at=now - timedelta(minutes=1)
    )


def _killed(desk, editor):
    story = _subject(desk, status=Status.PUBLISHED, published_at=timezone.now() - timedelta(hours=1))
    return workflow.kill(story, editor, NOTICE)


CASES = {"embargoed": _embargoed, "embargoed draft": _embargoed_draft, "expired": _expired, "killed": _killed}
# What the story's own address answers.
STORY_PAGE_STATUS = {"embargoed": 404, "embargoed draft": 404, "expired": 410, "killed": 410}


@pytest.fixture(params=list(CASES))
def case(request, desk, editor):
    return request.param, CASES[request.param](desk, editor)


def test_a_story_out_of_reach_is_on_no_public_page_feed_or_sitemap(client, desk, case):
    _, story = case
    _assert_nowhere(client, desk, story)


def test_the_neighbours_are_still_listed(client, desk, case):
    """The pages asked above do list stories: the neighbours are on them, each linking the other."""
    older, newer = desk["older"], desk["newer"]
    for url in _listing_addresses(desk):
        text = _text(client.get(url))
        if url not in (older.get_absolute_url(), newer.get_absolute_url()):
            assert older.slug in text and newer.slug in text, url
    assert newer.get_absolute_url() in _text(client.get(older.get_absolute_url()))
    assert older.get_absolute_url() in _text(client.get(newer.get_absolute_url()))


def test_its_own_address_answers_404_or_410(client, desk, case):
    name, story = case
    response = client.get(story.get_absolute_url())
    assert response.status_code == STORY_PAGE_STATUS[name]
    text = _text(response)
    if name == "killed":
        assert NOTICE in text
        assert HEADLINE not in text
        assert "This story has been removed" in text
    if name == "expired":
        assert "This story is no longer available" in text
        assert "The city council on Tuesday" not in text  # the story itself is not shown


def test_its_opinion_form_takes_nothing(client, desk, case):
    _, story = case
    response = post_opinion(client, story)
    assert response.status_code == 404
    assert not Opinion.objects.filter(story=story).exists()


def test_a_signed_preview_link_shows_a_killed_story_to_nobody(client, desk, case):
    """A preview link made before the kill stops working with it; other stories are the desk's to share."""
    name, story = case
    response = client.get(previews.link_for(story))
    if name == "killed":
        assert response.status_code == 410
        assert HEADLINE not in _text(response)
        assert NOTICE in _text(response)
    else:
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
        assert response["X-Robots-Tag"] == "noindex"


def test_an_embargoed_story_previews_with_its_embargo(client, desk, editor):
    story = _embargoed(desk, editor)
    text = _text(client.get(previews.link_for(story)))
    assert "Embargoed until" in text
    assert "Do not publish before then." in text


# --- Cached copies ---------------------------------------------------------------------------------------


def _warm(client, desk, story):
    """Every address asked twice while the story is live: the second answer comes from the page cache."""
    for url in [*public_addresses(desk), story.get_absolute_url()]:
        assert client.get(url).status_code == 200, url
        assert client.get(url)["X-Cache"] == "hit", url
    _assert_everywhere(client, desk, story)


@pytest.mark.usefixtures("page_store")
def test_a_killed_story_leaves_every_cached_page(client, desk, editor, django_capture_on_commit_callbacks):
    story = _subject(desk, status=Status.PUBLISHED, published_at=timezone.now() - timedelta(hours=1))
    _warm(client, desk, story)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.kill(story, editor, NOTICE)

    _assert_nowhere(client, desk, story)
    response = client.get(story.get_absolute_url())
    assert response.status_code == 410
    assert NOTICE in _text(response) and HEADLINE not in _text(response)


@pytest.mark.usefixtures("page_store")
def test_an_expiring_story_leaves_every_cached_page_at_its_time_with_no_write(client, desk, monkeypatch):
    now = timezone.now()
    story = _subject(
        desk, status=Status.PUBLISHED, published_at=now - timedelta(hours=1), expires_at=now + timedelta(hours=1)
    )
    _warm(client, desk, story)

    almost = now + timedelta(minutes=59)
    monkeypatch.setattr(timezone, "now", lambda: almost)
    _assert_everywhere(client, desk, story)

    later = now + timedelta(hours=1, minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    _assert_nowhere(client, desk, story)
    assert client.get(story.get_absolute_url()).status_code == 410


def _database_down(execute, sql, params, many, context):
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")


@pytest.mark.usefixtures("page_store")
def test_a_story_expiring_while_the_database_is_down_leaves_the_cached_pages_once_it_is_back(client, desk, monkeypatch):
    """An outage serves the pages as they were, never an error page everywhere; the expiry is purged by the first
    request the database answers, however long ago the time passed."""
    now = timezone.now()
    story = _subject(
        desk, status=Status.PUBLISHED, published_at=now - timedelta(hours=1), expires_at=now + timedelta(minutes=6)
    )
    urls = ["/", "/section/city/", story.get_absolute_url()]
    for url in urls:
        client.get(url)
    # Six and a half minutes later on every clock: past the expiry, and past the five minutes the next time was
    # once remembered for (after which nothing said the story was due to expire).
    later, real = now + timedelta(minutes=6, seconds=30), time.time() + 390
    monkeypatch.setattr(timezone, "now", lambda: later)
    monkeypatch.setattr(time, "time", lambda: real)
    with connection.execute_wrapper(_database_down):
        for url in urls:
            assert client.get(url).status_code == 200, url  # the pages as they were: no 503 everywhere
    for url in urls[:2]:
        assert TAIL not in client.get(url).content.decode(), url
    assert client.get(story.get_absolute_url()).status_code == 410


def test_a_handled_go_live_leaves_the_cache_serving_through_an_outage(client, desk, monkeypatch, settings):
    """Once what was due is purged, an outage that starts before anyone asks for the next time serves the cache."""
    now = timezone.now()
    story = _subject(
        desk, status=Status.PUBLISHED, published_at=now - timedelta(hours=1), expires_at=now + timedelta(hours=1)
    )
    later = now + timedelta(hours=1, minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert TAIL not in client.get("/").content.decode()  # the expiry is purged, and the page stored again
    client.get("/")
    with connection.execute_wrapper(_database_down):
        response = client.get("/")
    assert (response.status_code, response["X-Cache"]) == (200, "hit")
    assert story.slug not in response.content.decode()


def _max_age(response) -> int:
    found = re.search(r"max-age=(\d+)", response["Cache-Control"])
    return int(found.group(1))


@pytest.mark.usefixtures("page_store")
def test_browsers_and_cdns_are_not_told_to_keep_an_expiring_story_past_its_time(client, desk, monkeypatch):
    """Their copies cannot be purged: a public page's max-age never reaches past the next expiry, and it carries
    no stale allowance then."""
    now = timezone.now()
    story = _subject(
        desk, status=Status.PUBLISHED, published_at=now - timedelta(hours=1), expires_at=now + timedelta(hours=1)
    )
    assert "stale-while-revalidate" in client.get("/")["Cache-Control"]
    # The story page carries its opinion form's per-visit token: browsers ask again each time anyway.
    assert "no-cache" in client.get(story.get_absolute_url())["Cache-Control"]

    almost = now + timedelta(minutes=59, seconds=30)
    monkeypatch.setattr(timezone, "now", lambda: almost)
    for url in ["/", "/section/city/", "/feed/", "/sitemap-news.xml"]:
        for _ in range(2):  # computed, then from the cache
            response = client.get(url)
            assert response.status_code == 200, url
            assert _max_age(response) <= 30, url
            assert "stale" not in response["Cache-Control"], url
            assert "public" in response["Cache-Control"], url


@pytest.mark.usefixtures("page_store")
def test_an_embargoed_story_joins_the_cached_pages_when_its_embargo_ends_with_no_write(
    client, desk, editor, monkeypatch, django_capture_on_commit_callbacks
):
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        story = _embargoed(desk, editor)
    for url in public_addresses(desk):
        client.get(url)
        assert client.get(url)["X-Cache"] == "hit", url
    _assert_nowhere(client, desk, story)

    almost = now + timedelta(hours=1, minutes=59)
    monkeypatch.setattr(timezone, "now", lambda: almost)
    _assert_nowhere(client, desk, story)
    assert client.get(story.get_absolute_url()).status_code == 404

    later = now + timedelta(hours=2, minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    _assert_everywhere(client, desk, story)
    assert client.get(story.get_absolute_url()).status_code == 200


@pytest.mark.usefixtures("page_store")
def test_a_lifted_embargo_puts_the_story_on_the_cached_pages_at_once(
    client, desk, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        story = _embargoed(desk, editor)
    for url in public_addresses(desk):
        client.get(url)
    _assert_nowhere(client, desk, story)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.lift_embargo(story, editor, "The minister spoke early")

    _assert_everywhere(client, desk, story)


# --- The staff export, and an import of it --------------------------------------------------------------


def _export(folder, *args) -> str:
    out = io.StringIO()
    call_command("export_stories", "--output", str(folder), *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("name", ["embargoed", "embargoed draft", "killed"])
def test_an_export_leaves_a_killed_or_embargoed_story_out_unless_asked_for_by_name(tmp_path, desk, editor, name):
    story = CASES[name](desk, editor)
    status = "killed" if name == "killed" else "embargoed"

    out = _export(tmp_path / "all")
    assert not (tmp_path / "all" / f"{story.slug}.txt").exists()
    assert (tmp_path / "all" / f"{desk['older'].slug}.txt").exists()
    assert f"Left out 1 {'killed' if name == 'killed' else 'under embargo'} story (--status {status}" in out

    out = _export(tmp_path / "asked", "--status", status)
    document = parse((tmp_path / "asked" / f"{story.slug}.txt").read_text(encoding="utf-8"))
    assert document.headline == HEADLINE
    assert f"{story.slug}.txt: " + ("killed" if name == "killed" else "under embargo until") in out
    assert "Exported 1 story" in out


def test_an_expired_story_is_exported_with_the_published_ones(tmp_path, desk, editor):
    story = _expired(desk, editor)
    _export(tmp_path, "--status", "expired")
    assert [path.stem for path in tmp_path.glob("*.txt")] == [story.slug]


@pytest.mark.parametrize("publish", [False, True])
def test_importing_a_killed_story_back_does_not_bring_it_back(tmp_path, desk, editor, publish):
    story = _killed(desk, editor)
    _export(tmp_path, "--status", "killed")
    document = tmp_path / f"{story.slug}.txt"
    document.write_text(document.read_text(encoding="utf-8").replace("tram extension", "tram plan"), encoding="utf-8")

    out, err, error = run_import(document, *(["--publish"] if publish else []))

    assert error is not None, (out, err, document.read_text())
    assert "was killed" in err
    story.refresh_from_db()
    assert story.status == Status.KILLED
    assert "tram extension" in story.body
    assert client_answers(story) == 410


def test_publishing_a_killed_story_through_an_import_is_refused(desk, editor):
    story = _killed(desk, editor)
    with pytest.raises(workflow.TransitionError, match="was killed"):
        workflow.publish_imported([(story, timezone.now())], None)
    story.refresh_from_db()
    assert story.status == Status.KILLED


def client_answers(story) -> int:
    return Client().get(story.get_absolute_url()).status_code


def test_reverse_url_names_used_above_exist():
    assert reverse("feed") == "/feed/"
    assert reverse("section-feed-atom", args=["city"]) == "/section/city/feed/atom/"
    assert reverse("sitemap-news") == "/sitemap-news.xml"
