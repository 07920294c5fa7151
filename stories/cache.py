"""Versioned cache keys for public pages.

Every cached public page is stored under the current *content version*. Any
change readers could see (publish, unpublish, edit, correction, approved
opinion) bumps the version, so no stale page is ever served again: exact
invalidation without tracking which page shows which story.

A cache outage (Redis down) must never break the site: reads fall back to
"no cache" and writes are skipped.
"""

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)

VERSION_KEY = "newsroom:public-version"


def public_version() -> int:
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, 1, timeout=None)
            version = cache.get(VERSION_KEY) or 1
        return int(version)
    except Exception:  # the cache is an optimisation; its outage is not an error page
        logger.warning("Cache unavailable while reading the public version")
        return 0


def purge_public_pages() -> None:
    """Make every cached public page stale (called after a commit that readers would see)."""
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:
            cache.add(VERSION_KEY, 2, timeout=None)
    except Exception:
        logger.warning("Cache unavailable while purging public pages")
