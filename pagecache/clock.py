"""The clock of the page cache: when content changes with nobody touching the database.

A scheduled story goes live, a story expires, a change held for review is published at its time: the app that owns
the content registers where to read the next such time and what changed by then (`register_go_live`, from its
AppConfig.ready(); this package knows no model). The next time is remembered in the cache per purge sequence, and
the first request that finds it passed asks what changed (`changed_since`) and purges it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.cache import cache
from django.db import DatabaseError
from django.utils import timezone

NEXT_GO_LIVE_KEY = "newsroom:next-go-live"
WENT_LIVE_KEY = "newsroom:went-live:{at}"
# Re-read the scheduled go-live time at least this often: a safety net for rows changed outside the workflow.
NEXT_GO_LIVE_SECONDS = 300
# How long the last answer is kept all the same, for when the database cannot be asked again (see next_change).
KEEP_GO_LIVE_SECONDS = 24 * 60 * 60
# How long one request may take to find what changed, while the others are served fresh.
LOCK_SECONDS = 10


# What tells the cache when content goes live with nobody touching the database (a scheduled story). The app
# that owns the content registers it (its AppConfig.ready()): this module knows no model.
@dataclass(frozen=True)
class _GoLive:
    # The next time at which something not yet public becomes public, or None.
    next_time: Callable[[], datetime | None]
    # The scopes of what became public between two times (after the first, up to the second).
    went_live: Callable[[datetime, datetime], set[str]]


_go_live_sources: list[_GoLive] = []


def register_go_live(next_time: Callable[[], datetime | None], went_live: Callable[[datetime, datetime], set]):
    """Register `next_time()`, and `went_live(since, until)`, the scopes to purge once that time has passed."""
    source = _GoLive(next_time, went_live)
    if source not in _go_live_sources:
        _go_live_sources.append(source)


def next_change(sequence: int, remembered) -> tuple[float, float]:
    """(when the next scheduled content goes live or expires, 0 when nothing is due; when that was asked)."""
    asked = timezone.now().timestamp()
    if remembered is not None:
        known_sequence, at, known_asked = remembered
        # A time that has come is kept until its purge is made (`handled` then marks it done), whatever
        # purged meanwhile: asking again would only give the next one, and what changed at it would stay cached.
        if 0 < at <= asked or (known_sequence == sequence and asked - known_asked < NEXT_GO_LIVE_SECONDS):
            return at, known_asked
    try:
        times = [when for when in (source.next_time() for source in _go_live_sources) if when is not None]
    except DatabaseError:
        # The database is away. Its last answer still holds: once its time passes, the first request after the
        # database answers again purges what changed at it.
        if remembered is not None:
            return remembered[1], remembered[2]
        return 0, asked
    at = min(times).timestamp() if times else 0
    # Remembered with the sequence read *before* the query: a purge that commits meanwhile
    # moves readers to a new sequence, so an answer from older data is never trusted while the database answers.
    cache.set(NEXT_GO_LIVE_KEY, (sequence, at, asked), timeout=KEEP_GO_LIVE_SECONDS)
    return at, asked


def changed_since(at: float, asked: float) -> set[str] | None:
    """The scopes of what changed after `asked`, up to now, for this request to purge; None when another request
    is already finding them. A database error is raised, with the lock left for a request once it is back."""
    if not cache.add(WENT_LIVE_KEY.format(at=at), 1, timeout=LOCK_SECONDS):
        return None
    since, until = datetime.fromtimestamp(asked, UTC), timezone.now()
    try:
        return set().union(*(source.went_live(since, until) for source in _go_live_sources))
    except DatabaseError:
        cache.delete(WENT_LIVE_KEY.format(at=at))
        raise


def handled() -> None:
    """What was due is purged: should the database go away before anyone asks for the next time, it is not due
    again."""
    cache.set(NEXT_GO_LIVE_KEY, (None, 0, timezone.now().timestamp()), timeout=KEEP_GO_LIVE_SECONDS)
