"""A kept PostgreSQL connection is checked before each request uses it (CONN_HEALTH_CHECKS) without a round trip
to the server while its socket is quiet; one the server ended is found out and replaced before the request's
first query (newsroom/postgresql/base.py)."""

import time

import psycopg
import pytest
from django.db import connection

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's connections"),
    pytest.mark.django_db(transaction=True),  # outside a transaction: as a request finds its connection
]


def _observer() -> psycopg.Connection:
    """A connection of the test's own to the same database, to watch the site's connection from the server."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("prepare_threshold", None)
    return psycopg.connect(**params, autocommit=True)


def _last_query(observer, pid: int) -> str:
    return observer.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[0]


def _next_request_checks_health() -> None:
    """What Django does as a request starts (`close_old_connections`): the next query checks the connection first."""
    connection.close_if_unusable_or_obsolete()
    assert connection.health_check_done is False


def test_a_kept_connection_at_rest_is_checked_without_asking_the_server():
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    connection.close()  # a connection of its own, well within CONN_MAX_AGE: kept at the next request's start
    with connection.cursor() as cursor:
        cursor.execute("SELECT 42")
    pid = connection.connection.info.backend_pid
    _next_request_checks_health()

    with connection.cursor():
        pass

    assert connection.health_check_done is True
    assert connection.connection.info.backend_pid == pid  # the same connection, kept
    with _observer() as observer:
        assert _last_query(observer, pid) == "SELECT 42"  # Django's own check would have sent "SELECT 1"


def test_a_connection_the_server_ended_is_replaced_before_the_request_uses_it():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    pid = connection.connection.info.backend_pid
    _next_request_checks_health()
    with _observer() as observer:
        assert observer.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0] is True
        deadline = time.monotonic() + 10
        while observer.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            assert time.monotonic() < deadline, "the terminated backend did not exit"
            time.sleep(0.02)

    with connection.cursor() as cursor:  # the request's first query
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)

    assert connection.connection.info.backend_pid != pid


def test_a_connection_left_in_a_transaction_is_asked_as_django_asks():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 42")
    pid = connection.connection.info.backend_pid
    connection.connection.execute("BEGIN")  # not at rest: only the server can say what state it is in
    try:
        connection.health_check_done = False
        with connection.cursor():
            pass
        with _observer() as observer:
            assert _last_query(observer, pid) == "SELECT 1"
    finally:
        if not connection.connection.closed:
            connection.connection.execute("ROLLBACK")
