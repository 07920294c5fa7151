"""When the cache (Redis) is down, readers still get every page, uncached, and nothing stale afterwards; when the
database is down, the cache keeps serving what it holds."""

import pytest
from django.db import OperationalError, connection
from redis.exceptions import ConnectionError as RedisConnectionError

import pagecache as page_cache
from stories import workflow
from stories.models import Story
from tests.factories import StoryFactory

pytestmark = pytest.mark.django_db

REDIS_PORT = 8147  # private_redis's


def test_pages_are_served_uncached_while_redis_is_down(
    client, editor, private_redis, django_capture_on_commit_callbacks
):
    story = StoryFactory(published=True, title="Council approves the eastern tram line")
    client.get("/")
    assert client.get("/")["X-Cache"] == "hit"  # really cached in Redis

    private_redis.stop()

    for url in ["/", story.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 200
        assert response["X-Cache"] == "bypass"
    # The newsroom keeps working too: a transition commits although its purge cannot reach Redis.
    with django_capture_on_commit_callbacks(execute=True):
        workflow.unpublish(story, editor, "Legal asked us to hold it")
    assert client.get(story.get_absolute_url()).status_code == 404
    assert story.title not in client.get("/").text


def test_a_purge_missed_during_an_outage_is_made_up_when_the_cache_returns(client, monkeypatch):
    story = StoryFactory(published=True, title="Council approves the eastern tram line")
    assert story.title in client.get("/").text

    def unreachable(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    with monkeypatch.context() as outage:
        outage.setattr(page_cache.cache, "incr", unreachable)
        Story.objects.filter(pk=story.pk).update(title="Council delays the eastern tram line")
        page_cache.purge_everything()  # lost: the cache is unreachable
        assert "Council delays" in client.get("/").text  # meanwhile pages are served uncached

    monkeypatch.setattr(page_cache, "_down_until", 0.0)  # the outage pause is over

    response = client.get("/")
    assert "Council delays" in response.text
    assert response["X-Cache"] == "miss"


def test_pages_are_cached_again_once_redis_restarts(client, private_redis, monkeypatch):
    StoryFactory(published=True, title="Council approves the eastern tram line")
    client.get("/")
    assert client.get("/")["X-Cache"] == "hit"

    private_redis.stop()
    assert client.get("/")["X-Cache"] == "bypass"
    private_redis.start()
    monkeypatch.setattr(page_cache, "_down_until", 0.0)  # the outage pause is over

    # The cache's one shared client reconnects by itself: no restart of the site.
    assert client.get("/")["X-Cache"] == "miss"
    assert client.get("/")["X-Cache"] == "hit"


# --- The database down, the cache up --------------------------------------------------------------------------


def _database_down(execute, sql, params, many, context):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


def test_cached_pages_keep_being_served_while_the_database_is_down(client, settings):
    story = StoryFactory(published=True, title="Council approves the eastern tram line")
    urls = ["/", story.get_absolute_url(), "/feed/"]
    for url in urls:
        client.get(url)
    sequence = page_cache._sequence()
    # The remembered go-live time has expired: the lookup has to ask the database, which is away.
    page_cache.cache.delete(page_cache.NEXT_GO_LIVE_KEY)

    with connection.execute_wrapper(_database_down):
        for url in urls:
            response = client.get(url)
            assert (response.status_code, response["X-Cache"]) == (200, "hit"), url
            assert story.title in response.text
        # A page never stored cannot be made: the 503 page, not a traceback.
        assert client.get("/search/?q=tram").status_code == 503

    # The database's outage never turned the cache off, nor emptied it: back at once, still warm.
    assert page_cache._cache_usable()
    assert page_cache._sequence() == sequence
    assert client.get("/")["X-Cache"] == "hit"


def test_a_page_past_its_lifetime_is_served_as_it_was_while_the_database_is_down(client, settings):
    StoryFactory(published=True, title="Council approves the eastern tram line")
    settings.CACHE_MIDDLEWARE_SECONDS = 0  # stored pages are past their lifetime at once
    first = client.get("/")

    with connection.execute_wrapper(_database_down):
        response = client.get("/")
    assert (response.status_code, response["X-Cache"]) == (200, "stale-if-error")
    assert response.content == first.content


def test_a_purged_page_is_not_served_while_the_database_is_down(client, editor, django_capture_on_commit_callbacks):
    story = StoryFactory(published=True, title="Council approves the eastern tram line")
    client.get(story.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        workflow.unpublish(story, editor, "Legal asked us to hold it")

    with connection.execute_wrapper(_database_down):
        response = client.get(story.get_absolute_url())
    # What was taken down stays down: the outage page, never the stored copy.
    assert response.status_code == 503
