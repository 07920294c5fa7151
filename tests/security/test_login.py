"""Admin login: lockout per username and client, one answer for all failures, strong passwords, sessions that end."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from harness.servers import run_manage
from tests.factories import PASSWORD
from tests.security.hashing import CountingHasher, count_hashes

ATTACKER = "203.0.113.5"
COLLEAGUE = "203.0.113.6"


@pytest.fixture(autouse=True)
def _counting_hasher(settings):
    count_hashes(settings)


def _login(client, username, password, ip):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=ip,
    )


def _answer(response) -> str:
    """The page without what differs per request (CSRF token, nonce)."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'nonce="[^"]+"', "", html)


def test_lockout_settings_are_in_force():
    assert settings.AXES_FAILURE_LIMIT <= 10
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert "axes.middleware.AxesMiddleware" in settings.MIDDLEWARE
    assert settings.AUTHENTICATION_BACKENDS[0].startswith("axes.backends.")


@pytest.mark.django_db
def test_repeated_failures_lock_that_username_from_that_client(client, editor):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "editor", "wrong password", ATTACKER).status_code == 200
    assert _login(client, "editor", "wrong password", ATTACKER).status_code == 429
    locked = _login(client, "editor", PASSWORD, ATTACKER)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_lockout_does_not_shut_out_the_same_person_elsewhere_or_colleagues(client, editor, writer):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "editor", "wrong password", ATTACKER)
    assert _login(client, "editor", PASSWORD, COLLEAGUE).status_code == 302
    client.logout()
    assert _login(client, "writer", PASSWORD, ATTACKER).status_code == 302


@pytest.mark.django_db
def test_known_and_unknown_usernames_get_the_same_answer(client, editor):
    known = _login(client, "editor", "wrong password", ATTACKER)
    unknown = _login(client, "nobody-by-this-name", "wrong password", ATTACKER)
    assert known.status_code == unknown.status_code == 200
    assert _answer(known).replace('value="editor"', "") == _answer(unknown).replace('value="nobody-by-this-name"', "")
    assert "Please enter the correct username and password" in known.content.decode()


@pytest.mark.django_db
def test_unknown_usernames_cost_the_same_password_hashing_as_known_ones(client, editor):
    CountingHasher.calls = 0
    _login(client, "editor", "wrong password", ATTACKER)
    known = CountingHasher.calls
    CountingHasher.calls = 0
    _login(client, "nobody-by-this-name", "wrong password", ATTACKER)
    assert known >= 1
    assert CountingHasher.calls == known


@pytest.mark.django_db
def test_unknown_usernames_are_locked_out_the_same_way(client, editor):
    for username in ("editor", "nobody-by-this-name"):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            _login(client, username, "wrong password", ATTACKER)
    known = _login(client, "editor", "wrong password", ATTACKER)
    unknown = _login(client, "nobody-by-this-name", "wrong password", ATTACKER)
    assert known.status_code == unknown.status_code == 429
    assert known.content == unknown.content


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Tram-line-9", "too short"),
        ("48201937461029", "entirely numeric"),
        ("password1234", "too common"),
        ("editor@newsroom", "too similar"),
    ],
)
def test_weak_staff_passwords_are_refused(password, reason):
    from django.contrib.auth.models import User

    user = User(username="editor", email="editor@newsroom.test")
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    assert reason in " ".join(refused.value.messages)


def test_a_long_unusual_password_is_accepted():
    validate_password("Tram-line-9! and the river")


def test_the_admin_lives_at_the_configured_path():
    code = (
        "from django.urls import reverse, resolve, Resolver404\n"
        "print(reverse('admin:index'))\n"
        "try:\n    resolve('/admin/'); print('old path answers')\n"
        "except Resolver404:\n    print('old path gone')"
    )
    result = run_manage("shell", "-c", code, env_extra={"ADMIN_PATH": "desk-7f3q/"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-2:] == ["/desk-7f3q/", "old path gone"]


@pytest.mark.django_db
def test_staff_sessions_expire(client, editor):
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_AGE <= 12 * 60 * 60
    assert _login(client, "editor", PASSWORD, COLLEAGUE).status_code == 302
    session = Session.objects.get(session_key=client.cookies["sessionid"].value)
    lifetime = session.expire_date - timezone.now()
    assert (
        timedelta(seconds=settings.SESSION_COOKIE_AGE - 120)
        < lifetime
        <= timedelta(seconds=settings.SESSION_COOKIE_AGE)
    )
    assert client.get(reverse("admin:index")).status_code == 200

    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
