import contextlib

import pytest
from django.contrib.auth.models import Group

from tests.factories import UserFactory


def _member(group_name, username):
    if not Group.objects.filter(name=group_name).exists():
        # A transactional test's flush removes the data migration's roles; later tests need them back.
        from tests.story_admin_helpers import ensure_roles

        ensure_roles()
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def writer(db):
    return _member("Writers", "writer")


@pytest.fixture
def other_writer(db):
    return _member("Writers", "other_writer")


@pytest.fixture
def editor(db):
    return _member("Editors", "editor")


@pytest.fixture
def moderator(db):
    return _member("Moderators", "moderator")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def reader(db):
    """A logged-in person with no staff role."""
    return UserFactory(username="reader")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Most tests create and log in staff; the production hasher's deliberate cost is not what they measure
    # (tests/test_security_login.py checks the real validators and login behaviour).
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
        from tests.story_admin_helpers import ensure_roles

        ensure_roles()


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    # A test may have stopped the cache server its settings still point at (the outage tests).
    with contextlib.suppress(Exception):
        cache.clear()
