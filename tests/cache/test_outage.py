"""When the cache (Redis) is down, readers still get every page, uncached, and nothing stale afterwards."""

import pytest
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
