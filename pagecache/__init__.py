"""Caching of public pages, purged by scope, exactly.

A view says what its page shows by naming *scopes* (`depends_on(request, "story-12", "front")`): a story, a
list, the navigation. Each scope has a version in the cache; a stored page carries the versions of its
scopes as they were when it was rendered, and is served only while every one of them is still current.
A change readers could see purges the scopes it touches (`purge`, or `purge_on_commit` inside a
transaction): the pages showing it are never served again, and the rest of the site stays cached. Every
page also depends on `EVERYTHING`, which `purge_everything()` (and `manage.py purge_pages`) bumps. A view
that names no scope is not stored at all: a page nobody can purge would be wrong until it expires.

A purge also bumps one site-wide *purge sequence*. A page rendered while any purge ran is not stored
(what it read may be older than the purge); a page whose sequence is still current needs no check of
its scopes, so a quiet site serves each page in one round trip.

A scheduled story goes live (or a story expires) without anyone touching the database: the next such
time is remembered in the cache (per sequence) and the first request that finds it passed asks the app
which scopes changed and purges them, no cron needed (pagecache/clock.py).

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
purge is published with its scopes and confirmed before it returns, and every
request first reads whatever was announced (a non-blocking read of the socket),
so no request that starts after a purge returned is served a copy made before it.

A hot page past its lifetime is recomputed by one worker (a short lock taken
with `cache.add`) while the others keep serving the stale copy, or wait a
moment when there is none. When the database cannot be reached, a page past its
lifetime but never purged is served as it is (stale-if-error) instead of the 503 page. A go-live or expiry
time that passes during the outage is purged as soon as the database answers again: until then readers get
the pages as they were (a story appears or leaves late) rather than an error page everywhere. A kill or any
other write is purged when it commits, so no outage can bring it back.

A cache outage (Redis down) must never break the site: pages are then served
uncached, the cache is left alone for a few seconds instead of timing out on
every request, and the scopes this process could not purge meanwhile are purged
once it answers again. A database error is not a cache outage: it never turns the cache off.
"""

import hashlib
import logging
import time
from dataclasses import dataclass, replace
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.session import SessionStorage
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.http import HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.encoding import escape_uri_path
from django.utils.http import http_date, urlencode

from pagecache import clock, visits
from pagecache.clock import NEXT_GO_LIVE_KEY
from pagecache.clock import register_go_live as register_go_live  # the apps' hook, named here
from pagecache.near import NearCache

logger = logging.getLogger(__name__)

# The site-wide purge sequence, and each scope's version.
SEQUENCE_KEY = "newsroom:purge-sequence"
SCOPE_KEY = "newsroom:scope:{scope}"
# "v5": the layout of a stored _Page; change it with the class, so a deploy never reads an older layout.
PAGE_KEY = "newsroom:page:v6:{digest}"
LOCK_KEY = "newsroom:page-lock:{sequence}:{digest}"
# The pub/sub channel every purge is announced on, with its scopes.
CHANGES_CHANNEL = "newsroom:purges"
# The scope every page depends on.
EVERYTHING = "all"

# Seconds a stored page may be recomputed in the background after its lifetime.
STALE_SECONDS = 60
# How long one worker may hold the recompute lock, and how long others wait for it.
LOCK_SECONDS = 10
LOCK_WAIT_SECONDS = 1.0
LOCK_POLL_SECONDS = 0.02
# After a cache error, leave the cache alone this long (each try could cost a socket timeout).
OUTAGE_PAUSE_SECONDS = 5.0

_NO_STORE_DIRECTIVES = ("private", "no-store", "no-cache")
# Where django.contrib.messages keeps a reader's messages: a cookie, or a key of the session.
MESSAGES_COOKIE = CookieStorage.cookie_name
MESSAGES_SESSION_KEY = SessionStorage.session_key

_down_until = 0.0
# Scopes this process could not purge while the cache was away: purged once it answers again.
_owed: set[str] = set()


# --- Scopes and their versions -------------------------------------------------------------


def _new_version() -> int:
    # Time-based (microseconds), so a version that was evicted (or lost with Redis) never comes back as a
    # number that old pages are still stored under: a thousand purges per millisecond would be needed.
    return time.time_ns() // 1000


def _cache_usable() -> bool:
    return time.monotonic() >= _down_until


def _cache_failed(action: str, owed=()) -> None:
    global _down_until
    _down_until = time.monotonic() + OUTAGE_PAUSE_SECONDS
    _owed.update(owed)
    _near.stop()  # it may have missed announcements too
    logger.warning("Cache unavailable while %s; serving public pages uncached", action)


def _scope_keys(scopes) -> list[str]:
    return [SCOPE_KEY.format(scope=scope) for scope in scopes]


def _bump(keys: list[str]) -> None:
    """Add one to each key, starting a missing one at a new time-based version (never at 1)."""
    bump = getattr(cache, "bump", None)  # Redis: all of them in one atomic round trip
    if bump is not None:
        bump(keys, _new_version())
        return
    for key in keys:
        try:
            cache.incr(key)
        except ValueError:  # not there yet (evicted, a fresh cache)
            cache.set(key, _new_version(), timeout=None)


def _current_versions(keys: list[str]) -> dict[str, int]:
    """The current value of each key; a missing one is started (the pages stored under an older one are gone)."""
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        for key in missing:
            cache.add(key, _new_version(), timeout=None)
        found.update(cache.get_many(missing))
    return found


_before_purge: list = []
_after_purge: list = []


def before_purge(callback) -> None:
    """Have `callback()` called at the start of every purge, before any page is made stale (once per callback)."""
    if callback not in _before_purge:
        _before_purge.append(callback)


def after_purge(callback) -> None:
    """Have `callback(scopes)` called after every purge of this cache, with the scopes it purged: for the shared
    caches in front, which must drop their copies only once this cache can no longer hand the old page back."""
    if callback not in _after_purge:
        _after_purge.append(callback)


def purge(*scopes: str) -> bool:
    """Make every stored page that depends on any of `scopes` stale, at once; for after a commit.

    With no scope, only the purge sequence moves (the next go-live time is read again). False when the
    cache could not be reached: this process purges them once it answers again. The shared caches in front
    (`after_purge`) are told either way.
    """
    purged = _purge_here(set(scopes) | _owed)
    if scopes:
        for callback in _after_purge:
            try:
                callback(sorted(set(scopes)))
            except Exception:
                logger.exception("After purging public pages")
    return purged


def _purge_here(wanted: set[str]) -> bool:
    if not _cache_usable():
        _owed.update(wanted)
        return False
    for callback in _before_purge:
        try:
            callback()
        except Exception:
            logger.exception("Before purging public pages")  # the purge itself matters more
    try:
        # The sequence first: a page rendered meanwhile sees it moved and is not stored.
        _bump([SEQUENCE_KEY, *_scope_keys(sorted(wanted))])
        _owed.clear()
        publish = getattr(cache, "publish", None)  # only a shared cache announces: local memory is one process's
        if publish is not None:
            publish(CHANGES_CHANNEL, " ".join(sorted(wanted)))
    except Exception:
        _cache_failed("purging public pages", owed=wanted)
        return False
    return True


def purge_on_commit(*scopes: str) -> None:
    """Purge `scopes` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: purge(*scopes))


def purge_everything() -> bool:
    """Make every stored public page stale: for writes no receiver sees (a restore, raw SQL)."""
    return purge(EVERYTHING)


def depends_on(request, *scopes: str) -> None:
    """Say that the page this request renders shows `scopes`: it is purged with any of them."""
    found = getattr(request, _SCOPES, None)
    if found is None:
        found = set()
        setattr(request, _SCOPES, found)
    found.update(scopes)


_SCOPES = "_pagecache_scopes"


def _sequence() -> int | None:
    """The current purge sequence (None while the cache is unavailable); owed purges are made first."""
    if not _cache_usable():
        return None
    try:
        if _owed:
            purge()
            if not _cache_usable():
                return None
        return int(_current_versions([SEQUENCE_KEY])[SEQUENCE_KEY])
    except Exception:  # the cache is an optimisation; its outage is not an error page
        _cache_failed("reading the purge sequence")
        return None


def _go_live_now(at: float, asked: float) -> bool:
    """Purge what went live (or expired) since `asked`: one request does it, the others are served fresh meanwhile.

    False when the database cannot say what changed: the cache then serves what it has until it can.
    """
    try:
        scopes = clock.changed_since(at, asked)
    except DatabaseError:
        return False
    if scopes is not None:
        purge(*scopes)
        clock.handled()
    return True


# --- Who may get a shared page --------------------------------------------------------


def is_anonymous_reader(request) -> bool:
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
    # The purge sequence it was stored under, and the version of each of its scopes then: (name, version).
    sequence: int
    scopes: tuple[tuple[str, int], ...]
    # The page cut at each per-visit value: pieces[0], a value, pieces[1], a value, …, pieces[-1].
    pieces: tuple[bytes, ...]
    # Every header it is served with, as Django's response keeps them: (lowercased name, (name, value)).
    headers: tuple[tuple[str, tuple[str, str]], ...]
    etag: str
    last_modified: int
    fresh_until: float
    # The value between pieces[i] and pieces[i + 1] is slots[gaps[i]].
    gaps: tuple[int, ...] = ()
    # (name, args) of each per-visit value, made once per visit however often the page shows it.
    slots: tuple = ()

    @property
    def scope_names(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.scopes)


def _digest(request) -> str:
    """The page's cache key: its address, with only the query parameters its view reads (see cache_public).

    The host is lowercased (host names ignore case: "NEWS.example.com" is the same site); the path is the
    one Django decoded, written back in one spelling.
    """
    # The query string as `_read_only` wrote it: only the parameters the view reads, in one spelling.
    query = request.META.get("QUERY_STRING", "")
    address = f"{request.scheme}://{request.get_host().lower()}{escape_uri_path(request.path)}?{query}"
    return hashlib.md5(address.encode(), usedforsecurity=False).hexdigest()


def _read_only(request, reads: tuple[str, ...]) -> None:
    """Leave in the request only the query parameters in `reads`, in that order, each with its last value.

    The last value is the one `QueryDict.get` (and so every form and filter) reads. Whatever else the address
    carries (`utm_source`, `fbclid`, a random cache-buster) is gone before the view runs, so neither the
    page nor its cache key can depend on it.
    """
    if not request.META.get("QUERY_STRING"):
        return  # nothing to leave out (and no QueryDict to parse)
    query = request.GET
    kept = urlencode([(name, query[name]) for name in reads if name in query])
    request.META["QUERY_STRING"] = kept
    request.GET = QueryDict(kept, encoding=request.encoding)


_near = NearCache(CHANGES_CHANNEL, on_failure=_cache_failed, everything=EVERYTHING)


def _is_current(page: _Page, sequence: int) -> bool:
    """Whether no purge since the page was stored touched any of its scopes."""
    if page.sequence == sequence:
        return True  # nothing was purged at all
    found = cache.get_many(_scope_keys(name for name, _ in page.scopes))
    return all(found.get(SCOPE_KEY.format(scope=name)) == version for name, version in page.scopes)


def _lookup(digest: str) -> tuple[int | None, _Page | None, int | None, float]:
    """The current purge sequence, the page stored under `digest` if still current, this request's
    near-cache ticket, and when scheduled content next goes live or expires (0: nothing is due).

    From this process's own copy when it holds a fresh one, else from the shared cache (one round trip,
    two when purges ran since the page was stored). The sequence is None when this request must be
    served uncached: the cache is down, or a scheduled story has just gone live and is being purged.
    """
    if not _cache_usable():
        return None, None, None, 0
    ticket = _near.ticket()
    if ticket is not None and (page := _near.get(ticket, digest)) is not None:
        return page.sequence, page, ticket, _near.next_go_live()
    key = PAGE_KEY.format(digest=digest)
    try:
        found = {} if _owed else cache.get_many([SEQUENCE_KEY, NEXT_GO_LIVE_KEY, key])
        sequence = found.get(SEQUENCE_KEY)
        if sequence is None:  # purges are owed, or the sequence was evicted
            sequence = _sequence()
            if sequence is None:
                return None, None, None, 0
        at, asked = clock.next_change(sequence, found.get(NEXT_GO_LIVE_KEY))
        # Scheduled content just went live (or expired): one request purges it, and every request meanwhile is
        # served fresh from the database. With the database away, the cache serves what it has (see above).
        if at and at <= timezone.now().timestamp() and _go_live_now(at, asked):
            return None, None, None, 0
        page = found.get(key)
        if page is not None and not _is_current(page, sequence):
            page = None  # purged since: it may show what readers must no longer see
    except Exception:
        _cache_failed("looking up a page")
        return None, None, None, 0
    if ticket is not None:
        _near.learn(ticket, at)
        if page is not None and page.fresh_until > time.time():
            _near.keep(ticket, digest, page)
    return sequence, page, ticket, at


def _page_from(request, response, sequence: int, scopes: tuple = ()) -> _Page | None:
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
        sequence=sequence,
        scopes=scopes,
        pieces=pieces,
        headers=_shared_headers(response, etag, int(now), private),
        etag=etag,
        last_modified=int(now),
        fresh_until=now + settings.CACHE_MIDDLEWARE_SECONDS,
        gaps=gaps,
        slots=slots,
    )


def _pieces_digest(pieces: tuple[bytes, ...], gaps: tuple[int, ...]) -> str:
    """A digest of the stored page, the same for every reader (their values are not in it): 128 bits of SHA-256,
    which processors compute in hardware (a 12 KB page 7.5 µs, MD5's 16.5)."""
    digest = hashlib.sha256(repr(gaps).encode())
    for piece in pieces:
        digest.update(b"%d:" % len(piece))
        digest.update(piece)
    return digest.hexdigest()[:32]


def _shared_headers(response, etag: str, last_modified: int, private: bool) -> tuple:
    """Every header a stored page is served with, worked out once when it is stored."""
    headers = HttpResponseBase()
    # As the response keeps them: each was checked (encodable, one line) when the response set it.
    headers.headers._store.update(response.headers._store)
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
    return tuple(headers.headers._store.items())  # (lower-case name, (name, value)), as `_with_headers` sets them


def _with_headers(request, response, page: _Page, status: str, changes_at: float = 0):
    """The response with the page's headers and X-Cache; a 304 when the reader's copy is current."""
    # The headers were checked (encodable, one line each) by the response they were read from, when the page
    # was stored: set one by one, each was checked again on every hit (15 headers, 10 µs of a cached story's
    # 190). They go into the response's header store as that response kept them.
    response.headers._store.update(page.headers)
    _kept_until(response, changes_at)
    if page.scopes and "public" in response.get("Cache-Control", ""):
        # For a shared cache in front (Varnish's xkey, a CDN's surrogate keys): purged by the same names.
        response["Surrogate-Key"] = " ".join(scope for scope, _version in page.scopes)
    response["X-Cache"] = status
    if "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META:
        return get_conditional_response(request, etag=page.etag, last_modified=page.last_modified, response=response)
    return response


def _kept_until(response, changes_at: float) -> None:
    """Browsers and a CDN keep a public copy no later than `changes_at`, when the clock next changes what readers
    see (a scheduled story goes live, a story expires): nobody can purge their copies, so they are told when to
    ask again. Without this, a story expired at its time here lived on in them for max-age and its stale
    allowances (a minute and a half, ten minutes while the site errs)."""
    if not changes_at or "public" not in response.get("Cache-Control", ""):
        return
    left = int(changes_at - timezone.now().timestamp())
    if left >= settings.PUBLIC_MAX_AGE + settings.PUBLIC_STALE_WHILE_REVALIDATE + settings.PUBLIC_STALE_IF_ERROR:
        return
    response["Cache-Control"] = f"public, max-age={max(0, left)}"


def _serve(request, page: _Page, status: str, changes_at: float = 0):
    response = HttpResponse()
    answer = _with_headers(request, response, page, status, changes_at)
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


def _wait_for(key: str, sequence: int) -> _Page | None:
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(LOCK_POLL_SECONDS)
        page = _cache_call("waiting for a page", cache.get, key)
        if page is not None and page.sequence == sequence:
            return page
        if not _cache_usable():
            return None
    return None


def cache_public(view, *, reads=(), scopes=()):
    """Serve a public view's anonymous GETs from the cache (see the module docstring).

    `reads` names every query parameter the view reads (none by default). Its GETs, anonymous or not, see
    those alone, and the page is stored under those alone: `?utm_source=…`, `?fbclid=…` or `?x=<random>`
    is the same page, one render and one cache entry, instead of a new one each.
    `scopes` are scopes every page of the view depends on, for views that cannot name them themselves.
    """
    reads = tuple(dict.fromkeys(reads))  # the order given is the order of the key, and of the view's links

    @wraps(view)
    def cached_view(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        _read_only(request, reads)
        if not is_anonymous_reader(request):
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True)
            return response

        if scopes:
            depends_on(request, *scopes)
        digest = _digest(request)
        sequence, page, ticket, changes_at = _lookup(digest)
        if sequence is None:
            return _compute(request, view, args, kwargs, status="bypass")
        if page is not None and page.fresh_until > time.time():
            return _serve(request, page, "hit", changes_at)

        key = PAGE_KEY.format(digest=digest)
        lock = LOCK_KEY.format(sequence=sequence, digest=digest)
        locked = bool(_cache_call("locking a page", cache.add, lock, 1, timeout=LOCK_SECONDS))
        if not locked:
            # Another worker is recomputing this page: serve the stale copy, or wait for the new one.
            page = page or _wait_for(key, sequence)
            if page is not None:
                return _serve(request, page, "stale", changes_at)
        try:
            return _compute(
                request,
                view,
                args,
                kwargs,
                "miss",
                sequence=sequence,
                digest=digest,
                ticket=ticket,
                changes_at=changes_at,
            )
        except (OperationalError, InterfaceError):
            if page is None:
                raise  # the 503 page
            # The database is away, and the copy past its lifetime was never purged: it is still what readers saw.
            return _serve(request, page, "stale-if-error", changes_at)
        finally:
            if locked:
                _cache_call("unlocking a page", cache.delete, lock)

    return cached_view


def _compute(
    request,
    view,
    args,
    kwargs,
    status: str,
    sequence: int = 0,
    digest: str | None = None,
    ticket=None,
    changes_at: float = 0,
):
    """The view's response, stored under `digest` (in the shared cache, and near with `ticket`) when shareable."""
    response = view(request, *args, **kwargs)
    if hasattr(response, "render") and callable(response.render) and not response.is_rendered:
        response = response.render()
    page = _page_from(request, response, sequence)
    if page is None:
        return response
    shown = getattr(request, _SCOPES, None)
    if digest is not None and shown is not None and _cache_usable():
        page = _stored(digest, page, sorted({*shown, EVERYTHING}), ticket)
    return _with_headers(request, response, page, status, changes_at)


def _stored(digest: str, page: _Page, scopes: list[str], ticket) -> _Page:
    """Store `page` with the current versions of `scopes`, unless a purge ran since its sequence was read."""
    keys = _scope_keys(scopes)
    try:
        current = _current_versions([SEQUENCE_KEY, *keys])
    except Exception:
        _cache_failed("reading scope versions")
        return page
    if current[SEQUENCE_KEY] != page.sequence:
        return page  # purged while it was rendered: what it read may be older than the purge
    page = replace(page, scopes=tuple((scope, current[key]) for scope, key in zip(scopes, keys, strict=True)))
    timeout = settings.CACHE_MIDDLEWARE_SECONDS + max(STALE_SECONDS, settings.PUBLIC_STALE_IF_ERROR)
    _cache_call("storing a page", cache.set, PAGE_KEY.format(digest=digest), page, timeout=timeout)
    if ticket is not None:  # a failed store stops the near cache, which then refuses this ticket
        _near.keep(ticket, digest, page)
    return page
