"""Every response carries the browser protections production promises: public pages, the admin login and a 404.

The security settings are read from the real production configuration (a
subprocess with DEBUG off, as in test_settings.py) and applied here, so a
change to production settings is what these tests see.
"""

import json
import re

import pytest
from django.urls import reverse

from harness.servers import PRODUCTION_ENV, run_manage
from tests.factories import StoryFactory

SECURITY_SETTINGS = [
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_REDIRECT_EXEMPT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SAMESITE",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE",
]


@pytest.fixture(scope="module")
def production_security_settings():
    code = (
        "import json; from django.conf import settings as s; "
        f"print(json.dumps({{k: getattr(s, k) for k in {SECURITY_SETTINGS!r}}}))"
    )
    result = run_manage("shell", "-c", code, env_extra=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def production(settings, production_security_settings):
    for name, value in production_security_settings.items():
        setattr(settings, name, tuple(value) if name == "SECURE_PROXY_SSL_HEADER" else value)
    return settings


def _pages():
    return {
        "front page": lambda: "/",
        "story page": lambda: StoryFactory(published=True).get_absolute_url(),
        "admin login": lambda: reverse("admin:login"),
        "not found": lambda: "/no-such-page/",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("where", list(_pages()))
def test_every_protective_header_is_sent(client, production, where):
    url = _pages()[where]()
    response = client.get(url, secure=True)
    assert response.status_code == (404 if where == "not found" else 200)

    hsts = response["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31536000
    assert "includeSubDomains" in hsts and "preload" in hsts

    csp = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    if where == "admin login":
        # Django sends a nonce only when the page used one; the admin's inline scripts do.
        assert "'nonce-" in directives["script-src"]
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    assert "'unsafe-inline'" not in directives["style-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'self'"
    assert directives["form-action"] == "'self'"

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "story", "/admin-login"])
def test_each_response_gets_its_own_nonce_and_inline_scripts_carry_it(client, production, url):
    url = {"story": StoryFactory(published=True).get_absolute_url(), "/admin-login": reverse("admin:login")}.get(
        url, url
    )
    first = client.get(url, secure=True)
    second = client.get(url, secure=True)

    def nonce_of(response):
        found = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
        return found and found.group(1)

    assert nonce_of(first) is None or nonce_of(first) != nonce_of(second)
    for tag in re.findall(r"<(?:script|style)\b[^>]*>", first.content.decode()):
        if "src=" not in tag:
            assert nonce_of(first) and f'nonce="{nonce_of(first)}"' in tag, tag


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https(client, production):
    response = client.get("/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


@pytest.mark.django_db
def test_load_balancer_health_check_is_answered_over_plain_http(client, production):
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_https_behind_the_proxy_is_recognised(client, production):
    response = client.get("/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert "Strict-Transport-Security" in response


@pytest.mark.django_db
def test_cookies_are_secure_httponly_and_same_site(client, production, editor):
    login = client.get(reverse("admin:login"), secure=True)
    csrf = login.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"
    response = client.post(
        reverse("admin:login"),
        {"username": "editor", "password": "correct horse battery staple", "next": reverse("admin:index")},
        secure=True,
        HTTP_REFERER="https://testserver" + reverse("admin:login"),
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    # No lifetime on the cookie: it ends when the browser closes.
    assert not session["expires"] and not session["max-age"]
