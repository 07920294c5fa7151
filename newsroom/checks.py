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
