"""With Redis, each process serves hot pages from its own memory, and still never a page out of date.

A hit from the near cache costs no round trip to Redis (counted with Redis's own
command statistics). Purges reach every process because each one is announced on
Redis pub/sub before it returns: the tests purge from a separate process, restart
Redis behind the site, and unpublish a story while gunicorn's workers hold it.
"""

import re
import time

import pytest
import redis as redis_py
from django.test import Client

from harness.engines import throwaway_redis
from harness.servers import Browser, Site, prepare_site, production_env, run_manage
from stories import opinions
from stories.models import Story
from tests.factories import StoryFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

REDIS_PORT = 8146  # private_redis's
SITE_REDIS_PORT = 8145
SITE_PORT = 8157
DEMO_STORY = "/stories/city-council-approves-new-tram-line-after-two-year-debate/"


def lookups(server) -> int:
    """How many page lookups (MGET) Redis has answered so far."""
    stats = redis_py.Redis.from_url(server.url).info("commandstats")
    return stats.get("cmdstat_mget", {}).get("calls", 0)


def rename_behind_the_cache(story, title):
    Story.objects.filter(pk=story.pk).update(title=title)


def test_a_hit_is_served_from_the_process_memory_without_asking_redis(client, private_redis):
    story = StoryFactory(published=True, title="Council approves the eastern tram line")
    pages = ["/", story.get_absolute_url()]
    for url in pages:
        assert client.get(url)["X-Cache"] == "miss"
        client.get(url)  # the first request ever also made the version, and announced it
    before = lookups(private_redis)

    for _ in range(5):
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200
            assert response["X-Cache"] == "hit"
            assert story.title in response.text

    assert lookups(private_redis) == before


def test_each_reader_still_gets_a_form_token_and_a_nonce_of_their_own(client, private_redis, monkeypatch):
    story = StoryFactory(published=True)
    clock = [time.time()]
    monkeypatch.setattr(opinions.time, "time", lambda: clock[-1])

    def own_values(reader, cache_answer):
        clock.append(clock[-1] + 1)  # readers of the same second share a time token (stories.opinions)
        response = reader.get(story.get_absolute_url())
        assert response["X-Cache"] == cache_answer
        started = re.search(r'name="started" value="([^"]+)"', response.text).group(1)
        nonce = re.search(r'nonce="([^"]+)"', response.text).group(1)
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
        return started, nonce

    stored = own_values(client, "miss")
    readers = [own_values(Client(), "hit"), own_values(Client(), "hit")]

    # Neither the values the stored copy was rendered with, nor another reader's.
    assert len({stored[0], *(started for started, _ in readers)}) == 3
    assert len({stored[1], *(nonce for _, nonce in readers)}) == 3


def test_a_purge_announced_by_another_process_reaches_this_one(client, private_redis):
    story = StoryFactory(published=True, title="Council approves the eastern tram line")
    client.get(story.get_absolute_url())
    rename_behind_the_cache(story, "Council delays the eastern tram line")
    assert "approves" in client.get(story.get_absolute_url()).text  # this process's copy

    other = run_manage(
        "shell",
        "-c",
        "from pagecache import purge_everything; purge_everything()",
        env_extra={"CACHE_URL": private_redis.url},
    )
    assert other.returncode == 0, other.stderr

    response = client.get(story.get_absolute_url())
    assert "Council delays the eastern tram line" in response.text
    assert response["X-Cache"] == "miss"


def test_copies_are_dropped_when_redis_restarts(client, private_redis):
    story = StoryFactory(published=True, title="Council approves the eastern tram line")
    client.get(story.get_absolute_url())
    assert client.get(story.get_absolute_url())["X-Cache"] == "hit"
    rename_behind_the_cache(story, "Council delays the eastern tram line")

    # A restart loses every announcement made while the connection was down: copies cannot be trusted.
    private_redis.stop()
    private_redis.start()

    assert "Council delays the eastern tram line" in client.get(story.get_absolute_url()).text


def test_the_near_cache_holds_at_most_its_share_of_pages(client, private_redis, settings):
    settings.CACHE_NEAR_PAGES = 2
    stories = StoryFactory.create_batch(3, published=True)
    for story in stories:
        client.get(story.get_absolute_url())
        client.get(story.get_absolute_url())
    before = lookups(private_redis)

    for story in stories[1:]:
        assert client.get(story.get_absolute_url())["X-Cache"] == "hit"
    assert lookups(private_redis) == before
    assert client.get(stories[0].get_absolute_url())["X-Cache"] == "hit"  # from Redis: the oldest copy was let go
    assert lookups(private_redis) == before + 1


def test_no_near_cache_when_it_is_switched_off(client, private_redis, settings):
    settings.CACHE_NEAR_PAGES = 0
    story = StoryFactory(published=True)
    client.get(story.get_absolute_url())
    before = lookups(private_redis)
    for _ in range(3):
        assert client.get(story.get_absolute_url())["X-Cache"] == "hit"
    assert lookups(private_redis) == before + 3


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    return tmp_path_factory.mktemp("static")


def test_no_worker_shows_a_story_once_another_process_unpublished_it(static_root, tmp_path):
    with throwaway_redis(SITE_REDIS_PORT) as server:
        env = production_env(f"sqlite:///{tmp_path / 'site.sqlite3'}", static_root, CACHE_URL=server.url)
        prepare_site(env)
        site = Site(env, SITE_PORT, tmp_path / "site.log", workers=2, threads=1)
        site.start()
        try:
            reader = Browser(site.port)
            for _ in range(12):
                assert reader.get(DEMO_STORY).status == 200
                assert DEMO_STORY in reader.get("/").text
            before = lookups(server)
            for _ in range(30):
                assert reader.get(DEMO_STORY).headers["x-cache"] == "hit"
            # A worker asks Redis at most once (if all visits so far went to the other), then holds the page.
            assert lookups(server) - before <= site.workers, "the workers asked Redis for pages they hold"

            unpublished = run_manage(
                "shell",
                "-c",
                "from django.contrib.auth import get_user_model\n"
                "from stories import workflow\n"
                "from stories.models import Story\n"
                f"story = Story.objects.get(slug={DEMO_STORY.split('/')[2]!r})\n"
                "editor = get_user_model().objects.get(username='editor')\n"
                "workflow.unpublish(story, editor, 'Legal asked us to hold it')",
                env_extra={k: env[k] for k in ("DATABASE_URL", "CACHE_URL", "SECRET_KEY", "DEBUG")},
            )
            assert unpublished.returncode == 0, unpublished.stderr

            for _ in range(12):
                assert reader.get(DEMO_STORY).status == 404
                assert DEMO_STORY not in reader.get("/").text
        finally:
            site.stop()
        assert "Traceback" not in site.output()


def test_a_process_that_starts_while_redis_is_down_serves_pages_uncached(client, private_redis):
    story = StoryFactory(published=True)
    private_redis.stop()

    response = client.get(story.get_absolute_url())

    assert response.status_code == 200
    assert response["X-Cache"] == "bypass"
