"""Settings: safe local defaults, and a production configuration that Django's deploy checks accept."""

import pytest
from django.conf import settings

from harness.servers import PRODUCTION_ENV, run_manage


def test_local_defaults_need_no_configuration():
    assert settings.TIME_ZONE
    assert settings.CACHES["default"]["BACKEND"].endswith(("LocMemCache", "RedisCache"))
    assert "newsroom.middleware.ContentSecurityPolicyMiddleware" in settings.MIDDLEWARE  # Django's, built once
    assert settings.STORAGES["staticfiles"]["BACKEND"]


def test_sqlite_waits_for_other_writers_instead_of_failing():
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("SQLite-only settings")
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert db["OPTIONS"]["timeout"] >= 5


def test_postgres_keeps_connections_and_checks_their_health():
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith(".postgresql"):
        pytest.skip("PostgreSQL-only settings")
    assert db["ENGINE"] == "newsroom.postgresql"  # its health check asks the socket first
    assert db["CONN_MAX_AGE"] > 0
    assert db["CONN_HEALTH_CHECKS"] is True


def test_the_primary_and_the_replica_both_use_the_socket_health_check():
    code = "from django.conf import settings as s; print(*(d['ENGINE'] for d in s.DATABASES.values()))"
    env = {
        **PRODUCTION_ENV,
        "DATABASE_URL": "postgres://newsroom@db-primary.internal/newsroom",
        "REPLICA_DATABASE_URL": "postgres://newsroom@db-replica.internal/newsroom",
    }
    result = run_manage("shell", "-c", code, env_extra=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["newsroom.postgresql", "newsroom.postgresql"]


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
