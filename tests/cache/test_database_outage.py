"""When the database is down and the cache is up, the cache keeps serving what it holds, and nothing it should not.

A database error inside the cache's lookup was once taken for a cache failure: the whole cache was switched off,
readers got 503s for pages Redis still held, and the cache came back cold. Every test runs on local memory and on
Redis with the near cache.
"""

import pytest
from django.db import OperationalError, connection

import pagecache as page_cache
from stories import workflow
from tests.factories import StoryFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_store")]

REDIS_PORT = 8159


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
