import contextlib
import importlib

import pytest
from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import connection

from harness.engines import redis_cache_settings, throwaway_redis
from tests.factories import StoryFactory, UserFactory


def ensure_roles():
    """Recreate the role groups of the data migrations (stories/migrations/0002_roles.py, and the permissions
    later ones grant: 0013_writers_add_tags.py).

    A transactional test ends with a flush, and the flush takes the migration's
    groups with it; tests that run after one need them back.
    """
    create_permissions(apps.get_app_config("stories"), verbosity=0)
    roles = {
        name: list(codenames)
        for name, codenames in importlib.import_module("stories.migrations.0002_roles").ROLES.items()
    }
    for name, codenames in importlib.import_module("stories.migrations.0013_writers_add_tags").GRANTS.items():
        roles[name] += codenames
    for name, codenames in roles.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(Permission.objects.filter(content_type__app_label="stories", codename__in=codenames))


def _staff_member(name, username=None, **fields):
    """A fixture for one member of staff; their username is the fixture's name unless given."""

    @pytest.fixture(name=name)
    def member(db):
        return UserFactory(username=username or name, **fields)

    return member


writer = _staff_member("writer", role="Writers")
other_writer = _staff_member("other_writer", role="Writers")
editor = _staff_member("editor", role="Editors")
moderator = _staff_member("moderator", role="Moderators")
admin_user = _staff_member("admin_user", username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def story(db):
    """A published story; files that need a particular one define their own."""
    return StoryFactory(published=True)


@pytest.fixture
def private_redis(request, settings):
    """A Redis of the test's own, which the site's cache uses; never the shared one on 6379.

    Each test file that uses it names its port (REDIS_PORT), so parallel test processes never race for one.
    """
    with throwaway_redis(request.module.REDIS_PORT) as server:
        settings.CACHES = redis_cache_settings(server)
        yield server


@pytest.fixture
def reader(db):
    """A logged-in person with no staff role."""
    return UserFactory(username="reader")


@pytest.fixture
def database_features_known():
    """For query counts: Django probes the database's JSON support once per connection; that probe is not the page's."""
    assert connection.features.supports_json_field


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Most tests create and log in staff; the production hasher's deliberate cost is not what they measure
    # (tests/security/test_login.py checks the real validators and login behaviour).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _roles(request):
    """Every database test starts with the role groups of the data migration.

    A transactional test (the browser tests) ends with a flush that empties
    auth_group too; tests that run after it would otherwise find no roles.
    """
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not {"db", "transactional_db", "live_server"} & names:
        return
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & names
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    if Group.objects.count() < 3:
        ensure_roles()


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch):
    from django.core.cache import cache

    import pagecache as page_cache

    # This process's view of the cache starts anew too: no outage pause, no purge owed, no near copies.
    monkeypatch.setattr(page_cache, "_down_until", 0.0)
    monkeypatch.setattr(page_cache, "_owed", set())
    near = page_cache.NearCache(page_cache.CHANGES_CHANNEL, on_failure=page_cache._cache_failed)
    monkeypatch.setattr(page_cache, "_near", near)
    cache.clear()
    yield
    # A test may have stopped the cache server its settings still point at (the outage tests).
    with contextlib.suppress(Exception):
        cache.clear()
