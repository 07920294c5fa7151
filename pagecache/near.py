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
    """A copy is trusted only while this process is subscribed to the purge announcements.

    `ticket()` reads whatever arrived (without waiting) at the start of each request: an
    announcement drops the copies that depend on any scope it names (all of them for `everything`),
    and a reconnection, after which some may have been missed, drops every copy. A request may
    store what it read from the shared cache only with the ticket it started with: if anything
    was announced since, its reads may be older than the announcement, and it stores nothing.

    Without a shared cache that announces (local memory, the default) there is nothing to do.
    Pages are anything with `scope_names` and a `fresh_until` timestamp.
    """

    def __init__(self, channel: str, on_failure: Callable[[str], None], everything: str = "all"):
        self._channel = channel
        self._everything = everything
        self._on_failure = on_failure
        self._lock = threading.Lock()
        self._pages: OrderedDict[str, object] = OrderedDict()
        self._listener = None
        self._backend = None
        self._pid = 0
        self._generation = 0
        # When the next scheduled content goes live (0: nothing is scheduled; None: not known since the last purge).
        self._go_live = None

    def ticket(self) -> int | None:
        """This request's ticket: None when the copies cannot be trusted (not listening)."""
        if not settings.CACHE_NEAR_PAGES:
            return None
        try:
            with self._lock:
                if not self._listening():
                    return None
                while (message := self._listener.get_message()) is not None:
                    self._heard(message)
                return self._generation
        except Exception:
            self._on_failure("listening for purges")  # which stops this near cache too
            return None

    def get(self, ticket: int, digest: str):
        with self._lock:
            page = self._pages.get(digest)
            if page is None or ticket != self._generation or self._go_live is None:
                return None
            if page.fresh_until <= time.time() or (self._go_live and self._go_live <= timezone.now().timestamp()):
                # The shared cache decides what happens next: recompute, serve stale, or go live.
                del self._pages[digest]
                return None
            self._pages.move_to_end(digest)
            return page

    def learn(self, ticket: int, go_live: float) -> None:
        """The next go-live time this request read from the shared cache."""
        with self._lock:
            if ticket == self._generation:
                self._go_live = go_live

    def next_go_live(self) -> float:
        """The next go-live time this process knows (0: nothing is due, or not known)."""
        with self._lock:
            return self._go_live or 0

    def keep(self, ticket: int, digest: str, page) -> None:
        with self._lock:
            if ticket != self._generation:
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

    def _heard(self, message) -> None:
        """An announced purge drops the copies it touches; a (re)subscription, after which some may
        have been missed, drops every copy."""
        if message.get("type") != "message":
            self._forget()
            return
        self._generation += 1
        self._go_live = None  # a purge may have scheduled something: the shared cache says
        data = message.get("data") or b""
        scopes = set((data.decode() if isinstance(data, bytes) else str(data)).split())
        if self._everything in scopes:
            self._pages.clear()
        elif scopes:
            for digest in [digest for digest, page in self._pages.items() if page.scope_names & scopes]:
                del self._pages[digest]

    def _forget(self) -> None:
        self._generation += 1
        self._pages.clear()
        self._go_live = None

    def _stop(self) -> None:
        listener, self._listener, self._backend = self._listener, None, None
        self._forget()
        if listener is not None and self._pid == os.getpid():
            with contextlib.suppress(Exception):  # the connection may be gone already
                listener.close()
