import pytest

import pagecache as page_cache
from harness.engines import redis_cache_settings, throwaway_redis


@pytest.fixture(scope="module")
def redis_server(request):
    """A Redis of the module's own, on its REDIS_PORT."""
    with throwaway_redis(request.module.REDIS_PORT) as server:
        yield server


@pytest.fixture(params=["local memory", "Redis"])
def page_store(request, settings):
    """The cache the site runs on: local memory (the default), or Redis with this process's near cache.

    A module opts in with `pytestmark = pytest.mark.usefixtures("page_store")`: each of its tests runs on both.
    """
    if request.param == "Redis":
        settings.CACHES = redis_cache_settings(request.getfixturevalue("redis_server"))
        page_cache.cache.clear()
    return request.param
