"""Login attempts are limited per client address before any password is hashed.

A failed login costs a full password hash, whatever the username: a few clients sending random usernames kept
the workers hashing (cached pages went from 3 ms to 450 ms). Each address may try LOGIN_RATE_LIMIT logins per
LOGIN_RATE_WINDOW seconds; past that the login page answers 429 without trying the password. django-axes still
locks a username out from one client after AXES_FAILURE_LIMIT failures (tests/security/test_login.py).
"""

import re
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD
from tests.security.hashing import CountingHasher, count_hashes

pytestmark = pytest.mark.django_db

ATTEMPTS = 100


@pytest.fixture(autouse=True)
def _counting(settings, monkeypatch):
    count_hashes(settings)
    settings.LOGIN_RATE_LIMIT = 20
    settings.LOGIN_RATE_WINDOW = 300
    calls = {"authenticate": 0}
    real = auth_forms.authenticate

    def counted(*args, **kwargs):
        calls["authenticate"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(auth_forms, "authenticate", counted)
    return calls


def login(client, username, password, address, **headers):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
        **headers,
    )


def random_username():
    return f"nobody-{uuid.uuid4().hex[:12]}"


@pytest.mark.parametrize(
    "addresses",
    [
        ["203.0.113.5"],
        ["203.0.113.5", "198.51.100.7"],
        ["203.0.113.5", "198.51.100.7", "192.0.2.1", "2001:db8:1::5"],
    ],
    ids=["one-address", "two-addresses", "four-addresses"],
)
def test_random_usernames_cost_at_most_the_limit_of_password_hashes_per_address(client, _counting, addresses):
    answers = [
        login(client, random_username(), "wrong password", addresses[i % len(addresses)]) for i in range(ATTEMPTS)
    ]

    limit = settings.LOGIN_RATE_LIMIT
    assert CountingHasher.calls == limit * len(addresses)  # without the limit: 100
    assert _counting["authenticate"] == limit * len(addresses)
    assert [a.status_code for a in answers].count(200) == limit * len(addresses)
    refused = [a for a in answers if a.status_code == 429]
    assert len(refused) == ATTEMPTS - limit * len(addresses)
    for answer in refused:
        assert 0 < int(answer["Retry-After"]) <= settings.LOGIN_RATE_WINDOW
        assert "no-store" in answer["Cache-Control"]


def test_the_refusal_is_the_login_page_saying_why_and_for_how_long(client):
    for _ in range(settings.LOGIN_RATE_LIMIT):
        login(client, random_username(), "wrong password", "203.0.113.5")
    answer = login(client, "editor", "wrong password", "203.0.113.5")

    assert answer.status_code == 429
    html = answer.content.decode()
    assert 'id="login-form"' in html
    note = re.search(r'<p class="errornote">\s*(.*?)\s*</p>', html, re.S).group(1)
    assert note == "Too many login attempts from your address. Please wait 5 minutes, then try again."
    assert 240 < int(answer["Retry-After"]) <= 300  # the rest of the window that began with the first attempt


def test_even_the_right_password_waits_once_the_address_is_over_the_limit(client, editor):
    for _ in range(settings.LOGIN_RATE_LIMIT):
        login(client, random_username(), "wrong password", "203.0.113.5")
    hashed = CountingHasher.calls

    assert login(client, "editor", PASSWORD, "203.0.113.5").status_code == 429
    assert "_auth_user_id" not in client.session
    assert CountingHasher.calls == hashed


def test_a_colleague_at_another_address_logs_in_while_one_address_is_refused(client, editor):
    for _ in range(ATTEMPTS):
        login(client, random_username(), "wrong password", "203.0.113.5")
    colleague = Client()
    assert login(colleague, "editor", PASSWORD, "198.51.100.7").status_code == 302


def test_successful_logins_do_not_use_up_the_limit(editor):
    # An office behind one address: more people log in than the limit of failures allows.
    for _ in range(settings.LOGIN_RATE_LIMIT + 5):
        person = Client()
        assert login(person, "editor", PASSWORD, "203.0.113.9").status_code == 302
    assert login(Client(), random_username(), "wrong password", "203.0.113.9").status_code == 200


def test_a_forged_forwarded_for_header_does_not_reset_the_count(client):
    answers = [
        login(client, random_username(), "x", "203.0.113.5", HTTP_X_FORWARDED_FOR=f"10.0.{i // 250}.{i % 250}")
        for i in range(ATTEMPTS)
    ]
    assert CountingHasher.calls == settings.LOGIN_RATE_LIMIT
    assert answers[-1].status_code == 429


def test_the_addresses_of_one_ipv6_network_share_one_limit(client):
    # One IPv6 customer holds a /64: 18 quintillion addresses, one limit.
    for i in range(ATTEMPTS):
        login(client, random_username(), "x", f"2001:db8:5:7::{i + 1:x}")
    assert CountingHasher.calls == settings.LOGIN_RATE_LIMIT
    assert login(client, random_username(), "x", "2001:db8:5:8::1").status_code == 200  # the next network
    assert login(client, random_username(), "x", "::ffff:203.0.113.5").status_code == 200


def test_the_address_may_try_again_after_the_window(client, monkeypatch):
    # A clock that moves only when the test says so (the cache's expiry reads it too): however slow the machine,
    # the attempts below all fall in one window.
    now = [time.time()]
    monkeypatch.setattr(time, "time", lambda: now[0])
    for _ in range(settings.LOGIN_RATE_LIMIT):
        login(client, random_username(), "x", "203.0.113.5")
    assert login(client, random_username(), "x", "203.0.113.5").status_code == 429
    now[0] += settings.LOGIN_RATE_WINDOW - 2
    assert login(client, random_username(), "x", "203.0.113.5")["Retry-After"] == "2"
    now[0] += 2.5
    assert login(client, random_username(), "x", "203.0.113.5").status_code == 200


def test_with_the_cache_down_logins_still_work(client, editor, monkeypatch, caplog):
    from newsroom import login_limit

    class Down:
        def __getattr__(self, name):
            raise ConnectionError("cache down")

    monkeypatch.setattr(login_limit, "cache", Down())
    assert login(client, random_username(), "x", "203.0.113.5").status_code == 200
    assert login(client, "editor", PASSWORD, "203.0.113.5").status_code == 302
    assert "not limited" in caplog.text


def test_the_login_page_itself_is_never_limited(client):
    for _ in range(ATTEMPTS):
        login(client, random_username(), "x", "203.0.113.5")
    assert client.get(reverse("admin:login"), REMOTE_ADDR="203.0.113.5").status_code == 200


def test_the_settings_are_documented():
    example = (Path(settings.BASE_DIR) / ".env.example").read_text()
    assert re.search(r"^LOGIN_RATE_LIMIT=\d+$", example, re.M)
    assert re.search(r"^LOGIN_RATE_WINDOW=\d+$", example, re.M)
    assert "newsroom.login_limit.LoginRateLimitMiddleware" in settings.MIDDLEWARE
    assert "axes.middleware.AxesMiddleware" in settings.MIDDLEWARE
