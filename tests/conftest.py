import pytest
from django.contrib.auth.models import Group

from tests.factories import UserFactory


def _member(group_name, username):
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
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
