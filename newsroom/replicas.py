"""Anonymous readers' pages read from a streaming replica; everything else reads from the primary.

Set `REPLICA_DATABASE_URL` and the settings add the `replica` database, `ReplicaRouter` and
`ReplicaReadsMiddleware`. A request reads from the replica only when all of these hold:

- it is a GET or HEAD from an anonymous reader (no staff session, no message waiting: the public page cache's
  own test), so staff, every form sent, the workflow and the desk read and write on the primary, and a staff
  member never reads their own write from a replica that has not replayed it yet;
- the replica has replayed the primary's write-ahead log at least as far as the primary had written when the
  last purge of public pages began. Every purge records the primary's position first (`before_purge`), so a
  page rendered after a purge returns never comes from a replica that is missing the write it purged for: such
  a request reads from the primary instead. The check is one query on the replica, made on the request's first
  read only (a page served from the cache reads nothing and checks nothing);
- the replica answers. A replica that refuses a connection is left alone for `REPLICA_RETRY_SECONDS`, and a
  page whose replica connection failed half-way is rendered again from the primary: readers see no error.

The position is kept in the shared cache, raised and never lowered, so every worker on every host compares
with the newest purge.
"""

import contextvars
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

import pagecache
from newsroom.middleware import DatabaseUnavailableMiddleware

logger = logging.getLogger(__name__)

REPLICA = "replica"
POSITION_KEY = "newsroom:replica:purged-at-lsn"


@dataclass
class _Reads:
    """Where the current request reads: undecided until its first read, then one alias for the request."""

    eligible: bool
    alias: str | None = None


_reads: contextvars.ContextVar[_Reads | None] = contextvars.ContextVar("newsroom_replica_reads", default=None)
_down_until = 0.0


def _lsn_number(text: str) -> int:
    """A PostgreSQL log position ('16/B374D848') as one comparable number."""
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def primary_position() -> int | None:
    """How far the primary has written its log (None when the database is not PostgreSQL)."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return _lsn_number(cursor.fetchone()[0])


def before_purge() -> None:
    """Raise the recorded position to the primary's current one, before the purge makes any page stale."""
    position = primary_position()
    if position is None:
        return
    raise_to = getattr(cache, "raise_to", None)  # Redis: atomic, in one round trip
    if raise_to is not None:
        raise_to(POSITION_KEY, position)
        return
    if position > (cache.get(POSITION_KEY) or 0):  # one process's own cache: nobody races it
        cache.set(POSITION_KEY, position, timeout=None)


def _replica_caught_up() -> bool:
    """True when the replica has replayed everything up to the last purge's position (and answers)."""
    try:
        wanted = cache.get(POSITION_KEY) or 0
    except Exception:  # the cache is away: nothing says how far the replica must be, so read from the primary
        return False
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_last_wal_replay_lsn()::text")
        replayed = cursor.fetchone()[0]
    # A server that is not replaying (promoted, or the primary itself in a test) has nothing to wait for.
    return replayed is None or _lsn_number(replayed) >= wanted


def _mark_down(reason: str) -> None:
    global _down_until
    _down_until = time.monotonic() + settings.REPLICA_RETRY_SECONDS
    logger.warning("Replica unavailable (%s); readers read from the primary", reason)


def _choose() -> str:
    if time.monotonic() < _down_until:
        return DEFAULT_DB_ALIAS
    try:
        return REPLICA if _replica_caught_up() else DEFAULT_DB_ALIAS
    except (OperationalError, InterfaceError) as error:
        connections[REPLICA].close()
        _mark_down(type(error).__name__)
        return DEFAULT_DB_ALIAS


def reading_from() -> str:
    """The alias the current request reads from (the primary outside a request and for anyone but readers)."""
    reads = _reads.get()
    if reads is None or not reads.eligible:
        return DEFAULT_DB_ALIAS
    if reads.alias is None:
        reads.alias = _choose()
    return reads.alias


class ReplicaRouter:
    """Reads go where `reading_from` says; writes and migrations to the primary."""

    def db_for_read(self, model, **hints):
        return reading_from()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


class ReplicaReadsMiddleware:
    """Mark each request as a reader's or not, and render a page again from the primary if the replica failed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        eligible = request.method in ("GET", "HEAD") and pagecache.is_anonymous_reader(request)
        token = _reads.set(_Reads(eligible=eligible))
        try:
            return self.get_response(request)
        finally:
            _reads.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        request._replica_view = (view_func, view_args, view_kwargs)

    def process_exception(self, request, exception):
        reads = _reads.get()
        if reads is None or reads.alias != REPLICA or not isinstance(exception, OperationalError | InterfaceError):
            return None
        if not DatabaseUnavailableMiddleware._is_connection_error(exception):
            return None
        connections[REPLICA].close()
        _mark_down(type(exception).__name__)
        reads.alias = DEFAULT_DB_ALIAS
        view_func, view_args, view_kwargs = request._replica_view
        try:
            return view_func(request, *view_args, **view_kwargs)
        except Exception:
            return None  # the first failure stands: a 503 from the middleware that answers for outages
