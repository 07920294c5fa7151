"""The project's own system checks, beside Django's."""

from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.core.checks import Tags, Warning, register
from django.utils.module_loading import import_string


@register(Tags.caches, deploy=True)
def check_cache_is_shared(app_configs, **kwargs):
    """Production keeps its cache where every worker sees it.

    The page cache's purges (and the opinion and login rate limits) live in the default cache: in local memory
    each worker process has its own, so a purge reaches the worker that made it and the others keep serving the
    old page until it expires. A dummy cache stores nothing, so nothing goes stale: not warned.
    """
    if settings.DEBUG:
        return []
    try:
        backend = import_string(settings.CACHES["default"]["BACKEND"])
    except (ImportError, KeyError):
        return []  # Django's own checks and the first request report a cache that cannot be loaded
    if not issubclass(backend, LocMemCache):
        return []
    return [
        Warning(
            "The cache is in local memory (CACHE_URL=locmemcache://): the page cache's purges reach one process "
            "only, so with several workers readers get stale pages (and the opinion and login rate limits are "
            "counted per process).",
            hint="Set CACHE_URL to Redis, e.g. redis://127.0.0.1:6379/0.",
            id="newsroom.W001",
        )
    ]


@register(Tags.security, deploy=True)
def check_uploads_are_served_elsewhere(app_configs, **kwargs):
    """Production serves uploads from the web server or an object store, not from the site (SERVE_MEDIA).

    The site's own file view is for `make run`: it holds a worker for every image a reader's browser fetches.
    """
    if settings.DEBUG or not settings.SERVE_MEDIA:
        return []
    return [
        Warning(
            "SERVE_MEDIA is on with DEBUG off: every uploaded image a reader loads takes one of the site's workers.",
            hint="Turn SERVE_MEDIA off and serve MEDIA_ROOT at MEDIA_URL from the web server or an object store "
            "(README: Uploaded images).",
            id="newsroom.W002",
        )
    ]
