"""Every way psycopg reports a lost or refused database gives readers the "back in a moment" page; a bad query
stays a 500, to be fixed.

Simulated with the driver's own exceptions as Django raises them (a django.db.OperationalError caused by the
psycopg error), and on PostgreSQL for real: the site pointed at a port nothing listens on, and at one that
accepts the connection and never answers.
"""

import contextlib
import copy
import logging
import socket

import psycopg
import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from psycopg import errors as pg_errors

from tests.operations.outage import assert_friendly_503, failing_database

pytestmark = pytest.mark.django_db

CONNECTION_FAILURES = {
    "timeout while connecting": pg_errors.ConnectionTimeout("connection timeout expired"),
    "host not found": psycopg.OperationalError("failed to resolve host 'db.internal': Name or service not known"),
    "socket closed mid-query": psycopg.OperationalError("connection socket closed"),
    "connection refused": psycopg.OperationalError(
        'connection failed: connection to server at "127.0.0.1", port 5432 failed: Connection refused'
    ),
    "08000 connection exception": pg_errors.ConnectionException("connection exception"),
    "08001 unable to establish": pg_errors.SqlclientUnableToEstablishSqlconnection("unable to establish"),
    "08003 connection does not exist": pg_errors.ConnectionDoesNotExist("connection does not exist"),
    "08006 connection failure": pg_errors.ConnectionFailure("connection failure"),
    "57P01 admin shutdown": pg_errors.AdminShutdown("terminating connection due to administrator command"),
    "57P02 crash shutdown": pg_errors.CrashShutdown("terminating connection because of crash of another process"),
    "57P03 starting up": pg_errors.CannotConnectNow("the database system is not yet accepting connections"),
    "57P03 in recovery": pg_errors.CannotConnectNow("the database system is in recovery mode"),
    "SQLite file unreachable": "unable to open database file",
    "no driver error, server gone": "server closed the connection unexpectedly",
}

BAD_QUERIES = {
    "statement timeout": pg_errors.QueryCanceled("canceling statement due to statement timeout"),
    "lock not available": pg_errors.LockNotAvailable('could not obtain lock on row in relation "stories_story"'),
    "deadlock": pg_errors.DeadlockDetected("deadlock detected"),
    "SQLite missing table": "no such table: stories_section",
}


@pytest.mark.parametrize("cause", CONNECTION_FAILURES.values(), ids=CONNECTION_FAILURES.keys())
def test_readers_get_the_503_page_for_every_connection_failure(client, cause):
    with failing_database(cause):
        response = client.get("/")
    assert_friendly_503(response)


@pytest.mark.parametrize("cause", BAD_QUERIES.values(), ids=BAD_QUERIES.keys())
def test_a_bad_query_stays_a_500(client, cause):
    client.raise_request_exception = False
    with failing_database(cause):
        response = client.get("/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert "Retry-After" not in response


@contextlib.contextmanager
def _site_database_at(port: int):
    """The site's default database moved to 127.0.0.1:`port` for the block, with the shortest connect timeout.

    A connection of its own: the test's transaction on the real database is left as it is.
    """
    original = connections[DEFAULT_DB_ALIAS]
    settings_dict = copy.deepcopy(original.settings_dict)
    settings_dict.update(HOST="127.0.0.1", PORT=str(port))
    settings_dict["OPTIONS"]["connect_timeout"] = 1  # psycopg, like libpq, waits at least 2 s
    moved = type(original)(settings_dict, alias=DEFAULT_DB_ALIAS)
    connections[DEFAULT_DB_ALIAS] = moved
    try:
        yield
    finally:
        moved.close()
        connections[DEFAULT_DB_ALIAS] = original


@pytest.fixture
def port_nobody_listens_on():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return port  # closed again: a connection there is refused at once


@pytest.fixture
def port_that_never_answers():
    """Accepts the connection (the kernel does, from the backlog) and never says a word: a hung server."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]


@pytest.fixture
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("connects with psycopg, on the PostgreSQL pass")


@pytest.mark.postgres
@pytest.mark.usefixtures("_postgresql_only")
@pytest.mark.parametrize("port", ["port_nobody_listens_on", "port_that_never_answers"])
def test_an_unreachable_postgresql_gives_the_503_page_and_no_traceback(client, port, request, caplog):
    port = request.getfixturevalue(port)
    with caplog.at_level(logging.INFO), _site_database_at(port):
        response = client.get("/")
    assert_friendly_503(response, str(port))
    logged = [record for record in caplog.records if record.name == "newsroom.db"]
    assert len(logged) == 1
    assert str(port) not in logged[0].getMessage()
    assert not any(record.exc_info for record in caplog.records)
