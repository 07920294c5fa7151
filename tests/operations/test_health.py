"""/healthz for load balancers, and what readers see when the database is gone."""

import pytest

from tests.operations.outage import assert_friendly_503


@pytest.mark.django_db
def test_healthz_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_does_not_answer(client, database_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


@pytest.mark.django_db
def test_readers_get_a_friendly_503_page_without_a_traceback(client, database_down):
    assert_friendly_503(client.get("/"))
