"""`check --deploy` warns when production keeps its cache in each process's memory.

The page cache's purges, and the opinion and login rate limits, live in Django's default cache: in local
memory each worker has its own, so a purge reaches one worker and the others keep serving the old page.
"""

import pytest
from django.core.checks import Tags, run_checks

from harness.servers import PRODUCTION_ENV, run_manage

LOCAL_MEMORY = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "newsroom"}}
REDIS = {"default": {"BACKEND": "newsroom.cache_backend.RedisCache", "LOCATION": "redis://127.0.0.1:6379/1"}}
NO_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


def _cache_warnings():
    """What `check --deploy --tag caches` reports of the cache's place."""
    found = run_checks(include_deployment_checks=True, tags=[Tags.caches])
    return [message for message in found if message.id == "newsroom.W001"]


def test_deploy_check_fails_production_settings_with_the_cache_in_local_memory():
    env = {**PRODUCTION_ENV, "CACHE_URL": "locmemcache://newsroom"}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_extra=env)
    assert result.returncode != 0
    assert "newsroom.W001" in result.stderr
    assert "stale pages" in result.stderr and "CACHE_URL" in result.stderr


def test_it_warns_with_the_cache_in_local_memory_and_debug_off(settings):
    settings.DEBUG = False
    settings.CACHES = LOCAL_MEMORY
    [warning] = _cache_warnings()
    assert "one process only" in warning.msg
    assert "Redis" in warning.hint


@pytest.mark.parametrize("caches", [REDIS, NO_CACHE], ids=["Redis", "no cache at all"])
def test_it_is_silent_with_a_shared_cache_or_none(settings, caches):
    settings.DEBUG = False
    settings.CACHES = caches
    assert _cache_warnings() == []


def test_it_is_silent_with_debug_on(settings):
    settings.DEBUG = True
    settings.CACHES = LOCAL_MEMORY
    assert _cache_warnings() == []
