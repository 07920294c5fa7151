"""The benchmark explains each query a page sent as it was sent: Django's `%s` SQL, or the `$n` SQL that
stories.compiled numbers itself on PostgreSQL."""

import pytest
from django.db import connection

from bench.explain import _as_prepared, _with_values

pytestmark = [
    pytest.mark.django_db,  # psycopg composes the values on a connection
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the numbered SQL is PostgreSQL's"),
]


def test_numbered_sql_gets_its_values_in_place_of_its_numbers():
    sql = "SELECT 1 FROM t WHERE a = $2 AND b < $1 AND c = $2 AND d LIKE 'x%'"
    assert _with_values(sql, ["2026-01-01", "it's"]) == (
        "SELECT 1 FROM t WHERE a = 'it''s' AND b < '2026-01-01' AND c = 'it''s' AND d LIKE 'x%'"
    )


def test_djangos_sql_gets_its_values_as_django_composes_them():
    assert _with_values("SELECT %s, '5%%'", [7]) == "SELECT 7, '5%'"
    assert _with_values("SELECT '5%%'", None) == "SELECT '5%%'"


def test_a_statement_is_found_among_the_prepared_ones_by_its_placeholders():
    # pg_prepared_statements holds $n; the benchmark names each statement with %s (bench.explain)
    assert (
        _as_prepared("SELECT a FROM t WHERE b = $1 AND c = $2", ["x", 1]) == "SELECT a FROM t WHERE b = %s AND c = %s"
    )
    assert _as_prepared("SELECT a FROM t WHERE b = %s AND c LIKE '5%%'", ["x"]) == (
        "SELECT a FROM t WHERE b = %s AND c LIKE '5%'"
    )
