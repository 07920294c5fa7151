"""The pages this process served lately, kept in its own memory in front of the shared cache."""

import contextlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.utils import timezone


class NearCache:
    """A copy is trusted only while this process is subscribed to the version announcements.

    `ticket()` reads whatever arrived (without waiting) at the start of each request, and
    any announcement, or a reconnection after which some may have been missed, drops every
    copy and the version they were made under. A request may store what it read from the
    shared cache only with the ticket it started with: if anything was announced since,
    its reads may be older than the announcement, and it stores nothing.

    Without a shared cache that announces (local memory, the default) there is nothing to do.
    Pages are anything with a `version` and a `fresh_until` timestamp.
    """

    def __init__(self, channel: str, on_failure: Callable[[str], None]):
        self._channel = channel
        self._on_failure = on_failure
        self._lock = threading.Lock()
        self._pages: OrderedDict[str, object] = OrderedDict()
        self._listener = None
        self._backend = None
        self._pid = 0
        self._generation = 0
        self._version = None
        self._go_live = 0.0

    def ticket(self) -> int | None:
        """This request's ticket: None when the copies cannot be trusted (not listening)."""
        if not settings.CACHE_NEAR_PAGES:
            return None
        try:
            with self._lock:
                if not self._listening():
                    return None
                while self._listener.get_message(timeout=0) is not None:
                    self._forget()
                return self._generation
        except Exception:
            self._on_failure("listening for purges")  # which stops this near cache too
            return None

    def get(self, ticket: int, digest: str):
        with self._lock:
            page = self._pages.get(digest)
            if page is None or ticket != self._generation or page.version != self._version:
                return None
            if page.fresh_until <= time.time() or (self._go_live and self._go_live <= timezone.now().timestamp()):
                # The shared cache decides what happens next: recompute, serve stale, or go live.
                del self._pages[digest]
                return None
            self._pages.move_to_end(digest)
            return page

    def learn(self, ticket: int, version: int, go_live: float) -> None:
        """The version (and next go-live time) this request read from the shared cache."""
        with self._lock:
            if ticket == self._generation and version != self._version:
                self._pages.clear()
                self._version, self._go_live = version, go_live

    def keep(self, ticket: int, digest: str, page) -> None:
        with self._lock:
            if ticket != self._generation or page.version != self._version:
                return
            self._pages[digest] = page
            self._pages.move_to_end(digest)
            while len(self._pages) > settings.CACHE_NEAR_PAGES:
                self._pages.popitem(last=False)

    def stop(self) -> None:
        with self._lock:
            self._stop()

    def _listening(self) -> bool:
        backend = caches["default"]
        if self._listener is not None and self._backend is backend and self._pid == os.getpid():
            return True
        self._stop()
        subscribe = getattr(backend, "subscribe", None)
        if subscribe is None:
            return False
        self._listener = subscribe(self._channel)
        self._backend, self._pid = backend, os.getpid()
        return True

    def _forget(self) -> None:
        self._generation += 1
        self._pages.clear()
        self._version, self._go_live = None, 0.0

    def _stop(self) -> None:
        listener, self._listener, self._backend = self._listener, None, None
        self._forget()
        if listener is not None and self._pid == os.getpid():
            with contextlib.suppress(Exception):  # the connection may be gone already
                listener.close()
