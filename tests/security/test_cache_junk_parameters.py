"""Query parameters a page does not read stay out of the page cache: N junk variants, 1 render, 1 cache entry.

Links shared on social networks and in newsletters come back with `?utm_source=…`, `?fbclid=…`; a bot can add
`?x=<random>` to every request. Each variant used to be a new cache entry and a full render: a way around the
cache and a way to fill it. Each cached view declares the parameters it reads; the cache key is built from those
alone, in a fixed order, and the view is shown only those.
"""

import re
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest
import redis
from django.core.cache import caches

import pagecache as page_cache
from harness.engines import redis_cache_settings, throwaway_redis
from harness.servers import ROOT
from tests.factories import SectionFactory, StoryFactory, TagFactory, UserFactory

pytestmark = pytest.mark.django_db

VARIANTS = 25
REDIS_PORT = 8152


def junk(i: int) -> list[str]:
    """Parameters no page reads, as campaigns, trackers and cache-busting bots send them."""
    token = secrets.token_urlsafe(12)
    kinds = [
        [f"utm_source=newsletter-{i}", "utm_medium=email", f"utm_campaign=spring-{i}"],
        [f"fbclid=IwAR{token}"],
        [f"gclid={token}", f"utm_term=tram+{i}"],
        [f"x={token}"],
        [f"_={1700000000000 + i}"],
        [f"ref={token}", f"mc_eid={token}"],
        [f"{token}="],
        [f"PAGE={i}", f"Page={i}", f"page_={i}"],  # near misses of a parameter a page reads
        [f"q{i}=tram", f"opinions_page{i}=2"],
    ]
    return kinds[i % len(kinds)]


def variant(path: str, reads: list[str], i: int) -> str:
    """The address with the parameters the page reads, in a varying order, among junk ones."""
    parts = [*junk(i)]
    for n, read in enumerate(reads if i % 2 else reversed(reads)):
        parts.insert((n * 3 + i) % (len(parts) + 1), read)
    return f"{path}?{'&'.join(parts)}"


def page_entries() -> list[str]:
    return [key for key in caches["default"]._cache if page_cache.PAGE_KEY.format(digest="") in key]


@pytest.fixture
def newsroom(settings):
    settings.STORIES_PER_PAGE = 2
    city = SectionFactory(name="City", slug="city")
    transport = TagFactory(name="Transport", slug="transport")
    author = UserFactory(username="reporter", role="Writers", first_name="Ada", last_name="Reporter")
    stories = [StoryFactory(published=True, section=city, title=f"Tram line vote {i}") for i in range(5)]
    for story in stories:
        story.tags.add(transport)
        story.authors.add(author)
    return stories


def author_url(client, story) -> str:
    return re.search(r'href="(/authors/[^"]+/)"', client.get(story.get_absolute_url()).text).group(1)


def _story(client, stories):
    return stories[0].get_absolute_url()


def _author(client, stories):
    return author_url(client, stories[0])


# Every cached public page, each with the parameters it reads set (the same values in every variant).
PUBLIC_PAGES = {
    "home": ("/", []),
    "home, page 2": ("/", ["page=2"]),
    "home, filtered": (
        "/",
        ["q=tram", "section=city", "tag=transport", "since=2000-01-01", "until=2999-01-01", "page=1"],
    ),
    "section": ("/section/city/", []),
    "section, page 2": ("/section/city/", ["page=2"]),
    "tag": ("/tag/transport/", ["page=2"]),
    "author": (_author, ["page=1"]),
    "story": (_story, []),
    "story, opinions page": (_story, ["opinions_page=1"]),
    "search": ("/search/", ["q=tram"]),
    "search, page 1": ("/search/", ["q=tram", "page=1"]),
    "RSS feed": ("/feed/", []),
    "Atom feed": ("/feed/atom/", []),
    "section RSS feed": ("/section/city/feed/", []),
    "section Atom feed": ("/section/city/feed/atom/", []),
    "sitemap index": ("/sitemap.xml", []),
    "news sitemap": ("/sitemap-news.xml", []),
    "story sitemap": ("/sitemap-stories.xml", []),
    "story sitemap, page 1": ("/sitemap-stories.xml", ["p=1"]),
    "section sitemap": ("/sitemap-sections.xml", []),
    "home sitemap": ("/sitemap-home.xml", []),
}


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_junk_variants_of_every_public_page_share_one_render_and_one_cache_entry(client, newsroom, name):
    path, reads = PUBLIC_PAGES[name]
    path = path(client, newsroom) if callable(path) else path
    page_cache.cache.clear()

    answers = [client.get(variant(path, reads, i)) for i in range(VARIANTS)]

    assert [a.status_code for a in answers] == [200] * VARIANTS
    assert [a["X-Cache"] for a in answers] == ["miss"] + ["hit"] * (VARIANTS - 1)
    assert len(page_entries()) == 1


def test_the_parameters_a_page_reads_still_make_pages_of_their_own(client, newsroom):
    addresses = [
        "/",
        "/?page=2",
        "/?q=tram",
        "/?section=city",
        "/?tag=transport",
        "/?since=2020-01-01",
        "/?until=2999-01-01",
        "/section/city/?page=2",
        "/search/?q=tram",
        "/search/?q=vote",
        "/search/?q=tram&page=2",
        f"{newsroom[0].get_absolute_url()}?opinions_page=2",
    ]
    for address in addresses:
        assert client.get(address)["X-Cache"] == "miss", address
    assert len(page_entries()) == len(addresses)
    # The same parameters in another order, or repeated, are the same page (a view reads the last value).
    assert client.get("/?section=city&q=tram")["X-Cache"] == "miss"
    assert client.get("/?q=tram&section=city")["X-Cache"] == "hit"
    assert client.get("/?q=bus&q=tram&section=city&utm_source=x")["X-Cache"] == "hit"


def test_the_page_never_shows_a_parameter_it_does_not_read(client, newsroom):
    home = client.get("/?utm_source=newsletter&fbclid=IwAR0123&page=1").text
    assert "utm_source" not in home and "fbclid" not in home
    assert re.search(r'<a rel="next" href="\?page=2"', home)
    results = client.get("/search/?q=tram&utm_source=newsletter").text
    assert "utm_source" not in results


def test_logged_in_staff_see_the_same_page_as_readers(client, newsroom, editor):
    client.force_login(editor)
    home = client.get("/?utm_source=newsletter&page=1").text
    assert "utm_source" not in home
    assert re.search(r'<a rel="next" href="\?page=2"', home)


def test_host_names_in_other_cases_share_the_page(client, newsroom, settings):
    settings.ALLOWED_HOSTS = ["news.example.com"]
    assert client.get("/", headers={"host": "news.example.com"})["X-Cache"] == "miss"
    assert client.get("/", headers={"host": "NEWS.example.COM"})["X-Cache"] == "hit"


# --- Bounded memory --------------------------------------------------------------------------------------------


def test_the_test_suites_redis_is_bounded_and_evicts_least_recently_used_keys():
    with throwaway_redis(REDIS_PORT) as server:
        config = redis.Redis(port=server.port).config_get("maxmemory*")
    assert int(config["maxmemory"]) > 0
    assert config["maxmemory-policy"] == "allkeys-lru"


def test_the_redis_started_for_the_site_is_bounded_and_evicts_least_recently_used_keys(tmp_path):
    """scripts/ensure-redis starts redis-server with a memory bound: run it against a fake redis-server."""
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "arguments"
    (bin_dir / "redis-cli").write_text(f'#!/bin/sh\n[ -f "{record}" ] && exit 0\nexit 1\n')
    (bin_dir / "redis-server").write_text(f'#!/bin/sh\necho "$@" > "{record}"\n')
    for program in bin_dir.iterdir():
        program.chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin"}
    result = subprocess.run(
        ["bash", str(Path(ROOT, "scripts/ensure-redis"))], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    arguments = record.read_text().split()
    assert arguments[arguments.index("--maxmemory-policy") + 1] == "allkeys-lru"
    assert re.fullmatch(r"\d+(mb|gb)", arguments[arguments.index("--maxmemory") + 1])


def test_a_full_redis_forgets_old_pages_and_keeps_serving_from_the_cache(client, newsroom, settings):
    """With a bound and no eviction, a full Redis would refuse every write and the site would run uncached."""
    with throwaway_redis(REDIS_PORT) as server:
        settings.CACHES = redis_cache_settings(server)
        direct = redis.Redis(port=server.port)
        direct.config_set("maxmemory", direct.info("memory")["used_memory"] + 2 * 1024 * 1024)
        for i in range(100):  # 5 MB of other entries: more than the bound
            direct.set(f"filler:{i}", secrets.token_bytes(50_000))

        first, second = client.get("/"), client.get("/")

        assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
        # Redis's LRU is sampled, so which fillers went is not fixed; that some did, and the page stayed, is.
        assert sum(direct.exists(f"filler:{i}") for i in range(100)) < 100
        assert direct.info("stats")["evicted_keys"] > 0
