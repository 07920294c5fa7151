"""Settings: safe local defaults, and a production configuration that Django's deploy checks accept."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DEBUG": "off",
    "SECRET_KEY": "x" * 20 + "-production-secret-for-the-deploy-check-0123456789",
    "ALLOWED_HOSTS": "news.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://news.example.com",
    "SITE_URL": "https://news.example.com",
    "EMAIL_URL": "smtp+tls://newsroom:mail-password@smtp.example.com:587",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
}


def run_manage(*args, env_extra):
    # A clean production environment: nothing from the test run (the browser harness sets
    # DJANGO_ALLOW_ASYNC_UNSAFE for Playwright, which production must never have).
    leaked = {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k not in leaked}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_local_defaults_need_no_configuration():
    assert settings.TIME_ZONE
    assert settings.CACHES["default"]["BACKEND"].endswith(("LocMemCache", "RedisCache"))
    assert "django.middleware.csp.ContentSecurityPolicyMiddleware" in settings.MIDDLEWARE
    assert settings.STORAGES["staticfiles"]["BACKEND"]


def test_sqlite_waits_for_other_writers_instead_of_failing():
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("SQLite-only settings")
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert db["OPTIONS"]["timeout"] >= 5


def test_postgres_keeps_connections_and_checks_their_health():
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("PostgreSQL-only settings")
    assert db["CONN_MAX_AGE"] > 0
    assert db["CONN_HEALTH_CHECKS"] is True


def test_the_site_refuses_to_start_in_production_without_a_secret_key():
    env = dict(PRODUCTION_ENV)
    del env["SECRET_KEY"]
    result = run_manage("check", env_extra=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_deploy_check_is_clean_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_extra=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_serves_hashed_compressed_static_files_and_secure_cookies():
    code = (
        "from django.conf import settings as s;"
        "print(s.STORAGES['staticfiles']['BACKEND'], s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0, s.SECURE_PROXY_SSL_HEADER[0])"
    )
    result = run_manage("shell", "-c", code, env_extra=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-6:] == [
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "True",
        "True",
        "True",
        "True",
        "HTTP_X_FORWARDED_PROTO",
    ]
