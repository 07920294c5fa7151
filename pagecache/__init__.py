"""Caching of public pages, with exact invalidation.

Every cached public page is stored under the current *content version*. Any
change readers could see (publish, unpublish, edit, correction, approved
opinion) bumps the version after its commit, so no stale page is ever served
again: exact invalidation without tracking which page shows which story.

A scheduled story goes live without anyone touching the database, so the
next go-live time is remembered in the cache (per version) and the version is
bumped by the first request that finds the time has passed: no cron needed.

Only anonymous GETs are cached. A page is never stored when the response is
not a 200, sets a cookie, changes the session or asks not to be cached (a
preview). Values that must differ on every visit (the CSRF token, the CSP
nonce, the opinion form's time token) are rendered through `visits.per_visit`, which
remembers them on the request: the stored copy is cut at each of them, and the
gaps are filled with fresh values each time the page is served. Nothing in the
stored text stands for a value (no placeholder that content could also hold), so
no headline, link or opinion can ever be filled with a later reader's token.

Each process also keeps the pages it served lately in its own memory (a near
cache), so a hit costs no round trip to Redis. Those copies are trusted only
while the process listens to the purge announcements on Redis pub/sub: every
version bump is published and confirmed before the purge returns, and every
request first reads whatever was announced (a non-blocking read of the socket),
so no request that starts after a purge returned is served a copy made before it.

A hot page past its lifetime is recomputed by one worker (a short lock taken
with `cache.add`) while the others keep serving the stale copy, or wait a
moment when there is none.

A cache outage (Redis down) must never break the site: pages are then served
uncached, the cache is left alone for a few seconds instead of timing out on
every request, and the version is bumped once it answers again, because a
purge may have been missed meanwhile.
"""

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.session import SessionStorage
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, QueryDict
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.encoding import escape_uri_path
from django.utils.http import http_date, urlencode

from pagecache import visits
from pagecache.near import NearCache

logger = logging.getLogger(__name__)

VERSION_KEY = "newsroom:public-version"
NEXT_GO_LIVE_KEY = "newsroom:next-go-live"
WENT_LIVE_KEY = "newsroom:went-live:{version}"
# "v4": the layout of a stored _Page; change it with the class, so a deploy never reads an older layout.
# The key holds no version, so one round trip fetches the version and the page together;
# the page carries the version it was made under and is served only while that is current.
PAGE_KEY = "newsroom:page:v4:{digest}"
LOCK_KEY = "newsroom:page-lock:{version}:{digest}"
# The pub/sub channel every version bump is announced on.
CHANGES_CHANNEL = "newsroom:public-version:changed"

# Seconds a stored page may be recomputed in the background after its lifetime.
STALE_SECONDS = 60
# How long one worker may hold the recompute lock, and how long others wait for it.
LOCK_SECONDS = 10
LOCK_WAIT_SECONDS = 1.0
LOCK_POLL_SECONDS = 0.02
# Re-read the scheduled go-live time at least this often: a safety net for rows changed outside the workflow.
NEXT_GO_LIVE_SECONDS = 300
# After a cache error, leave the cache alone this long (each try could cost a socket timeout).
OUTAGE_PAUSE_SECONDS = 5.0

_NO_STORE_DIRECTIVES = ("private", "no-store", "no-cache")
# Where django.contrib.messages keeps a reader's messages: a cookie, or a key of the session.
MESSAGES_COOKIE = CookieStorage.cookie_name
MESSAGES_SESSION_KEY = SessionStorage.session_key

_down_until = 0.0
_purge_owed = False


# --- The content version ----------------------------------------------------------------


def _new_version() -> int:
    # Time-based, so a version key that was evicted (or lost with Redis) never comes back
    # as a number that old pages are still stored under.
    return int(time.time() * 1000)


def _cache_usable() -> bool:
    return time.monotonic() >= _down_until


def _cache_failed(action: str) -> None:
    global _down_until, _purge_owed
    _down_until = time.monotonic() + OUTAGE_PAUSE_SECONDS
    _purge_owed = True
    _near.stop()  # it may have missed announcements too
    logger.warning("Cache unavailable while %s; serving public pages uncached", action)


def _bump_version() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version yet (evicted, fresh cache)
        cache.set(VERSION_KEY, _new_version(), timeout=None)
    _announce_new_version()


def _announce_new_version() -> None:
    """Tell every process's near cache that the version changed; returns once they can read it."""
    publish = getattr(cache, "publish", None)  # only a shared cache announces: local memory is one process's
    if publish is not None:
        publish(CHANGES_CHANNEL)


def public_version() -> int:
    """The current content version (0 while the cache is unavailable)."""
    global _purge_owed
    if not _cache_usable():
        return 0
    try:
        if _purge_owed:
            _bump_version()
            _purge_owed = False
        version = cache.get(VERSION_KEY)
        if version is None:
            if cache.add(VERSION_KEY, _new_version(), timeout=None):
                _announce_new_version()  # the old one was lost: copies made under it are no longer current
            version = cache.get(VERSION_KEY) or 0
        return int(version)
    except Exception:  # the cache is an optimisation; its outage is not an error page
        _cache_failed("reading the public version")
        return 0


def purge_public_pages() -> None:
    """Make every cached public page stale. Call it after a commit that readers would see."""
    global _purge_owed
    try:
        _bump_version()
        _purge_owed = False
    except Exception:
        _cache_failed("purging public pages")


def purge_public_pages_on_commit() -> None:
    """Purge once the current transaction commits (at once outside a transaction).

    For code that changes what readers see without going through the workflow:
    an admin save of a published story, a correction, a renamed section or tag.
    """
    transaction.on_commit(purge_public_pages)


# What tells the cache when content goes live with nobody touching the database (a scheduled story): a
# function returning the next such time, or None. The app that owns the content registers it (its
# AppConfig.ready()): this module knows no model.
_go_live_sources: list[Callable[[], datetime | None]] = []


def register_go_live(source: Callable[[], datetime | None]) -> None:
    """Register `source()`: the next time at which something not yet public becomes public, or None."""
    if source not in _go_live_sources:
        _go_live_sources.append(source)


def _next_go_live(version: int, remembered) -> float:
    """The timestamp at which the next scheduled content goes live, 0 when nothing is scheduled."""
    if remembered is not None and remembered[0] == version:
        return remembered[1]
    times = [when for when in (source() for source in _go_live_sources) if when is not None]
    at = min(times).timestamp() if times else 0
    # Remembered with the version read *before* the query: a purge that commits meanwhile
    # moves readers to a new version, so an answer from older data is never trusted.
    cache.set(NEXT_GO_LIVE_KEY, (version, at), timeout=NEXT_GO_LIVE_SECONDS)
    return at


# --- Who may get a shared page --------------------------------------------------------


def _is_anonymous_reader(request) -> bool:
    if MESSAGES_COOKIE in request.COOKIES:
        return False
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return True
    # Only a request that carries a session pays for loading it.
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    session = getattr(request, "session", None)
    return not (session is not None and session.get(MESSAGES_SESSION_KEY))


# --- Stored pages -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Page:
    version: int
    # The page cut at each per-visit value: pieces[0], a value, pieces[1], a value, …, pieces[-1].
    pieces: tuple[bytes, ...]
    headers: tuple
    etag: str
    last_modified: int
    fresh_until: float
    # The value between pieces[i] and pieces[i + 1] is slots[gaps[i]].
    gaps: tuple[int, ...] = ()
    # (name, args) of each per-visit value, made once per visit however often the page shows it.
    slots: tuple = ()


def _digest(request) -> str:
    """The page's cache key: its address, with only the query parameters its view reads (see cache_public).

    The host is lowercased (host names ignore case: "NEWS.example.com" is the same site); the path is the
    one Django decoded, written back in one spelling.
    """
    address = (
        f"{request.scheme}://{request.get_host().lower()}{escape_uri_path(request.path)}?{request.GET.urlencode()}"
    )
    return hashlib.md5(address.encode(), usedforsecurity=False).hexdigest()


def _read_only(request, reads: tuple[str, ...]) -> None:
    """Leave in the request only the query parameters in `reads`, in that order, each with its last value.

    The last value is the one `QueryDict.get` (and so every form and filter) reads. Whatever else the address
    carries (`utm_source`, `fbclid`, a random cache-buster) is gone before the view runs, so neither the
    page nor its cache key can depend on it.
    """
    query = request.GET
    if not query:
        return
    kept = urlencode([(name, query[name]) for name in reads if name in query])
    request.META["QUERY_STRING"] = kept
    request.GET = QueryDict(kept, encoding=request.encoding)


_near = NearCache(CHANGES_CHANNEL, on_failure=_cache_failed)


def _lookup(digest: str) -> tuple[int | None, _Page | None, int | None]:
    """The current version, the page stored for it, and this request's near-cache ticket.

    From this process's own copy when it holds a fresh one, else in one round trip to the
    shared cache. The version is None when this request must be served uncached: the cache
    is down, or a scheduled story has just gone live and the version is being bumped.
    """
    if not _cache_usable():
        return None, None, None
    ticket = _near.ticket()
    if ticket is not None and (page := _near.get(ticket, digest)) is not None:
        return page.version, page, ticket
    key = PAGE_KEY.format(digest=digest)
    try:
        found = {} if _purge_owed else cache.get_many([VERSION_KEY, NEXT_GO_LIVE_KEY, key])
        version = found.get(VERSION_KEY)
        if version is None:  # a purge is owed, or the version was evicted: no page can be current
            version = public_version()
            if not version:
                return None, None, None
        at = _next_go_live(version, found.get(NEXT_GO_LIVE_KEY))
        if at and at <= timezone.now().timestamp():
            # A scheduled story just went live: one request bumps the version, and every
            # request that still sees the old version meanwhile is served fresh from the database.
            if cache.add(WENT_LIVE_KEY.format(version=version), 1, timeout=LOCK_SECONDS):
                purge_public_pages()
            return None, None, None
    except Exception:
        _cache_failed("looking up a page")
        return None, None, None
    page = found.get(key)
    if page is not None and page.version != version:
        page = None  # made before the last purge: it may show what readers must no longer see
    if ticket is not None:
        _near.learn(ticket, version, at)
        if page is not None and page.fresh_until > time.time():
            _near.keep(ticket, digest, page)
    return version, page, ticket


def _page_from(request, response, version: int) -> _Page | None:
    """The shareable form of a response, or None when it must not be shared."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    if any(directive in response.get("Cache-Control", "") for directive in _NO_STORE_DIRECTIVES):
        return None
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return None
    pieces, gaps, slots = visits.cut_out(request, response.content)
    private = visits.is_private(slots)
    now = time.time()
    etag = f'W/"{_pieces_digest(pieces, gaps)}"'
    return _Page(
        version=version,
        pieces=pieces,
        headers=_shared_headers(response, etag, int(now), private),
        etag=etag,
        last_modified=int(now),
        fresh_until=now + settings.CACHE_MIDDLEWARE_SECONDS,
        gaps=gaps,
        slots=slots,
    )


def _pieces_digest(pieces: tuple[bytes, ...], gaps: tuple[int, ...]) -> str:
    """A digest of the stored page, the same for every reader (their values are not in it)."""
    digest = hashlib.md5(repr(gaps).encode(), usedforsecurity=False)
    for piece in pieces:
        digest.update(b"%d:" % len(piece))
        digest.update(piece)
    return digest.hexdigest()


def _shared_headers(response, etag: str, last_modified: int, private: bool) -> tuple:
    """Every header a stored page is served with, worked out once when it is stored."""
    headers = HttpResponse()
    for name, value in response.items():
        headers[name] = value
    headers["ETag"] = etag
    headers["Last-Modified"] = http_date(last_modified)
    patch_vary_headers(headers, ["Cookie"])
    if private:
        # The page carries values of this reader's visit (a form token): browsers may keep it, shared caches may not.
        patch_cache_control(headers, private=True, no_cache=True)
    else:
        patch_cache_control(
            headers,
            public=True,
            max_age=settings.PUBLIC_MAX_AGE,
            stale_while_revalidate=settings.PUBLIC_STALE_WHILE_REVALIDATE,
            stale_if_error=settings.PUBLIC_STALE_IF_ERROR,
        )
    return tuple(headers.items())


def _with_headers(request, response, page: _Page, status: str):
    """The response with the page's headers and X-Cache; a 304 when the reader's copy is current."""
    for name, value in page.headers:
        response[name] = value
    response["X-Cache"] = status
    if "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META:
        return get_conditional_response(request, etag=page.etag, last_modified=page.last_modified, response=response)
    return response


def _serve(request, page: _Page, status: str):
    response = HttpResponse()
    answer = _with_headers(request, response, page, status)
    if answer is not response:  # 304: no body, so nothing to fill in
        return answer
    response.content = visits.fill(page, request)
    return response


def _cache_call(action: str, method, *args, **kwargs):
    try:
        return method(*args, **kwargs)
    except Exception:
        _cache_failed(action)
        return None


def _wait_for(key: str, version: int) -> _Page | None:
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(LOCK_POLL_SECONDS)
        page = _cache_call("waiting for a page", cache.get, key)
        if page is not None and page.version == version:
            return page
        if not _cache_usable():
            return None
    return None


def cache_public(view, *, reads=()):
    """Serve a public view's anonymous GETs from the cache (see the module docstring).

    `reads` names every query parameter the view reads (none by default). Its GETs, anonymous or not, see
    those alone, and the page is stored under those alone: `?utm_source=…`, `?fbclid=…` or `?x=<random>`
    is the same page, one render and one cache entry, instead of a new one each.
    """
    reads = tuple(dict.fromkeys(reads))  # the order given is the order of the key, and of the view's links

    @wraps(view)
    def cached_view(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        _read_only(request, reads)
        if not _is_anonymous_reader(request):
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True)
            return response

        digest = _digest(request)
        version, page, ticket = _lookup(digest)
        if version is None:
            return _compute(request, view, args, kwargs, status="bypass")
        key = PAGE_KEY.format(digest=digest)
        lock = LOCK_KEY.format(version=version, digest=digest)
        if page is not None and page.fresh_until > time.time():
            return _serve(request, page, "hit")

        locked = bool(_cache_call("locking a page", cache.add, lock, 1, timeout=LOCK_SECONDS))
        if not locked:
            # Another worker is recomputing this page: serve the stale copy, or wait for the new one.
            page = page or _wait_for(key, version)
            if page is not None:
                return _serve(request, page, "stale")
        try:
            return _compute(request, view, args, kwargs, status="miss", version=version, digest=digest, ticket=ticket)
        finally:
            if locked:
                _cache_call("unlocking a page", cache.delete, lock)

    return cached_view


def _compute(request, view, args, kwargs, status: str, version: int = 0, digest: str | None = None, ticket=None):
    """The view's response, stored under `digest` (in the shared cache, and near with `ticket`) when shareable."""
    response = view(request, *args, **kwargs)
    if hasattr(response, "render") and callable(response.render) and not response.is_rendered:
        response = response.render()
    page = _page_from(request, response, version)
    if page is None:
        return response
    if digest is not None and _cache_usable():
        key = PAGE_KEY.format(digest=digest)
        _cache_call("storing a page", cache.set, key, page, timeout=settings.CACHE_MIDDLEWARE_SECONDS + STALE_SECONDS)
        if ticket is not None:  # a failed store stops the near cache, which then refuses this ticket
            _near.keep(ticket, digest, page)
    return _with_headers(request, response, page, status)
