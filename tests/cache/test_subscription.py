"""A purge announcement is read without waiting, and only when one may have arrived (newsroom.cache_backend).

The near cache reads its subscription at the start of every request. Each test here reads the way it does, against
a Redis of its own: what was announced is there at once, two announcements read in one go are both given, nothing
is given twice, and a lost connection is noticed (the near cache then stops and subscribes again).
"""

import time

import pytest
import redis as redis_py
from django.core.cache import caches

pytestmark = pytest.mark.slow

REDIS_PORT = 8164  # private_redis's


def _all_arrived(subscription) -> list[dict]:
    messages = []
    while (message := subscription.get_message()) is not None:
        messages.append(message)
    return messages


@pytest.fixture
def subscription(private_redis):
    subscribed = caches["default"].subscribe("purges")
    yield subscribed
    subscribed.close()


def test_nothing_announced_is_nothing_read(subscription):
    assert subscription.get_message() is None
    assert subscription.get_message() is None


def test_an_announcement_is_there_as_soon_as_it_is_published(subscription):
    caches["default"].publish("purges", "story:1")

    messages = _all_arrived(subscription)

    assert [(m["type"], m["data"]) for m in messages] == [("message", b"story:1")]
    assert subscription.get_message() is None


def test_announcements_that_arrived_together_are_each_given_once(subscription):
    # The first read takes both off the socket: the second is given from what redis-py read, not lost.
    for scope in ("story:1", "story:2", "all"):
        caches["default"].publish("purges", scope)

    first = subscription.get_message()
    rest = _all_arrived(subscription)

    assert [m["data"] for m in [first, *rest]] == [b"story:1", b"story:2", b"all"]
    assert subscription.get_message() is None


def test_a_lost_connection_is_noticed(subscription, private_redis):
    # Redis closes the subscriber's connection: a read says so as soon as the socket is closed here too.
    redis_py.Redis.from_url(private_redis.url).client_kill_filter(_type="pubsub")

    with pytest.raises(redis_py.ConnectionError):
        for _ in range(100):
            subscription.get_message()
            time.sleep(0.01)
