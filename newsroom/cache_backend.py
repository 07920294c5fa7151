"""Django's Redis cache, with one client per connection pool and a way to announce changes.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` around the
shared pool on every cache call, and redis-py fills a table of response
callbacks in each constructor: about 0.15 ms per call, more than the round
trip to Redis itself. A `redis.Redis` is safe to share between threads (each
command takes a connection from the pool), so each pool gets one, made once.

`publish` and `subscribe` carry change announcements between processes over
Redis pub/sub (see `pagecache`, whose near cache listens for purges); `bump`
moves several counters in one atomic round trip; `raise_to` keeps the largest number it was given.
"""

import select

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def publish(self, channel: str, message: str = "") -> None:
        """Announce `message` on `channel`, returning once every subscriber on this host has it.

        Redis writes a published message to its subscribers' sockets in the same turn of its
        event loop as the reply to PUBLISH; a PING answered afterwards proves that turn is over.
        """
        client = self._cache.get_client(write=True)
        client.publish(self.make_key(channel), message.encode())
        client.ping()

    def bump(self, keys: list[str], start: int) -> None:
        """Add one to each key, in one transaction; a missing key starts at `start` (then gets its one).

        Django keeps integers as plain numbers, so INCR works on them and `get` reads them back.
        """
        pipeline = self._cache.get_client(write=True).pipeline(transaction=True)
        for key in keys:
            made = self.make_key(key)
            pipeline.set(made, start, nx=True)
            pipeline.incr(made)
        pipeline.execute()

    _RAISE = (
        "local v = redis.call('GET', KEYS[1]) "
        "if not v or tonumber(v) < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end"
    )

    def raise_to(self, key: str, value: int) -> None:
        """Set `key` to `value` unless it already holds a larger number, atomically (never lowered by a race)."""
        self._cache.get_client(write=True).eval(self._RAISE, 1, self.make_key(key), value)

    def subscribe(self, channel: str) -> "Subscription":
        """A `Subscription` to `channel`, once Redis has confirmed it.

        Besides each announcement it yields a `subscribe` message whenever redis-py reconnects it after a
        lost connection.
        """
        listener = self._cache.get_client().pubsub()
        listener.subscribe(self.make_key(channel))
        confirmation = listener.get_message(timeout=self._options_timeout())
        if confirmation is None or confirmation["type"] != "subscribe":
            listener.close()
            raise ConnectionError("Redis did not confirm the subscription")
        return Subscription(listener)

    def _options_timeout(self) -> float:
        return float(self._options.get("socket_timeout") or 1.0)


class Subscription:
    """A redis-py `PubSub`, read without waiting: `get_message()` is the next message that has arrived, or None.

    redis-py reads a `PubSub` without waiting by setting its socket's timeout to zero, reading (which raises when
    nothing came) and setting the timeout back: five system calls and an exception. A near cache reads at the start
    of every request, and nothing has come almost every time; under load the read cost a cached story page 5 points
    of its share of the ceiling. One poll of the socket says whether anything came; redis-py reads only then, or
    when it holds bytes it read before and has not parsed yet (two messages read at once). A message on the socket
    is never missed: `RedisCache.publish` returns once it is there.

    The socket and the parser's buffer are redis-py's own: where they are not as expected (disconnected, another
    parser), redis-py reads as it would without this, and reconnects.
    """

    def __init__(self, pubsub):
        self.pubsub = pubsub
        self._socket = None
        self._poll = select.poll()

    def get_message(self):
        return self.pubsub.get_message(timeout=0) if self._may_have_message() else None

    def close(self) -> None:
        self.pubsub.close()

    def _may_have_message(self) -> bool:
        connection = self.pubsub.connection
        sock = getattr(connection, "_sock", None)
        buffer = getattr(getattr(connection, "_parser", None), "_buffer", None)
        if sock is None or not hasattr(buffer, "unread_bytes"):
            return True
        if buffer.unread_bytes():
            return True
        if sock is not self._socket:  # the first read, or redis-py reconnected
            if self._socket is not None:
                self._poll.unregister(self._socket)
            self._poll.register(sock, select.POLLIN)
            self._socket = sock
        return bool(self._poll.poll(0))  # readable, or closed (POLLHUP, POLLERR): redis-py finds out which
