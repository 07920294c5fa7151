"""The database failing under a request, as the tests of what readers see during an outage simulate it.

The real outage (a cluster stopped and started) is tested in test_faults.py.
"""

import contextlib

from django.db import OperationalError, connection

REFUSED = 'connection to server at "127.0.0.1", port 5432 failed: Connection refused'


@contextlib.contextmanager
def failing_database(cause: Exception | str = REFUSED):
    """Every query of the block fails as Django reports it: an OperationalError, caused by the driver's error.

    A string stands for an error that carries only its message (SQLite's, or one raised without a cause).
    """

    def fail(execute, sql, params, many, context):
        if isinstance(cause, str):
            raise OperationalError(cause)
        raise OperationalError(str(cause)) from cause

    with connection.execute_wrapper(fail):
        yield


def assert_friendly_503(response, *secrets):
    """The "back in a moment" page: 503, Retry-After, never stored, nothing of the failure shown."""
    assert response.status_code == 503, response.status_code
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert "Back in a moment" in html
    for leak in ("Traceback", "psycopg", "OperationalError", "5432", *secrets):
        assert leak not in html, leak
