"""/healthz for load balancers, and what readers see when the database is gone."""

import pytest
from django.db import OperationalError, connection


@pytest.mark.django_db
def test_healthz_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up"}
    assert "no-cache" in response["Cache-Control"]


@pytest.fixture
def database_down(monkeypatch):
    """Make every new query fail the way a stopped server does (the real outage is tested in test_faults)."""

    def refuse(*args, **kwargs):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    def wrapper(execute, sql, params, many, context):
        refuse()

    with connection.execute_wrapper(wrapper):
        yield


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_does_not_answer(client, database_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


@pytest.mark.django_db
def test_readers_get_a_friendly_503_page_without_a_traceback(client, database_down):
    response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert "Back in a moment" in html
    assert "Traceback" not in html and "5432" not in html
