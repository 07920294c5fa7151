"""Queries built once and run with each page's arguments: the right rows for every argument."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import F
from django.utils import timezone

from stories.compiled import CompiledQuery, Marker, db_datetime
from stories.models import Story
from tests.factories import StoryFactory

pytestmark = pytest.mark.django_db


def _db_time(when):
    from django.db import connection

    return Story._meta.get_field("published_at").get_db_prep_value(when, connection)


def _titles(offset, limit, *, before):
    return (
        Story.objects.filter(published_at__lt=before)
        .order_by("-published_at")
        .values(name=F("title"))[offset : offset + limit]
    )


TITLES = CompiledQuery(_titles, before=Marker(datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC), adapt=_db_time))


def test_each_run_uses_its_own_arguments_and_slice():
    now = timezone.now()
    for days, title in [(3, "Oldest"), (2, "Middle"), (1, "Newest")]:
        StoryFactory(published=True, title=title, published_at=now - timedelta(days=days))

    assert [row["name"] for row in TITLES.rows((0, 10), before=now)] == ["Newest", "Middle", "Oldest"]
    assert [row["name"] for row in TITLES.rows((0, 10), before=now - timedelta(days=1, hours=12))] == [
        "Middle",
        "Oldest",
    ]
    assert [row["name"] for row in TITLES.rows((1, 1), before=now)] == ["Middle"]


def test_a_query_that_drops_an_argument_is_refused_when_first_compiled():
    def ignores_its_argument(*, pk):
        return Story.objects.values(name=F("title"))

    with pytest.raises(ImproperlyConfigured, match="pk"):
        CompiledQuery(ignores_its_argument, pk=Marker(-1_234_567)).rows(pk=5)


def test_datetimes_from_the_driver_come_back_aware():
    when = datetime(2025, 7, 24, 20, 14, 5, tzinfo=UTC)
    assert db_datetime("2025-07-24 20:14:05") == when
    assert db_datetime(when) == when
    assert db_datetime(None) is None


def test_postgresqls_numbered_sql_gives_each_argument_one_number_and_writes_the_constants_in():
    from stories.compiled import _numbered

    sql = "SELECT a FROM t WHERE b < %s AND c = %s AND d LIKE '5%%' AND e < %s AND f = %s AND g = %s LIMIT %s"
    params = ["NOW", "published", "NOW", 7, "it's", 21]
    numbered, sources = _numbered(sql, params, {0: "now", 2: "now", 3: "key"})

    # The constants are literals, so a prepared statement's generic plan knows them (a partial index on
    # status = 'published' is usable); the arguments are numbered, each once.
    assert numbered == (
        "SELECT a FROM t WHERE b < $1 AND c = 'published' AND d LIKE '5%' AND e < $1 AND f = $2 "
        "AND g = 'it''s' LIMIT 21"
    )
    assert sources == ["now", "key"]


def test_a_constant_psycopg_cannot_write_as_a_literal_stays_a_parameter():
    from stories.compiled import _numbered

    constant = object()
    numbered, sources = _numbered("SELECT a FROM t WHERE b = %s AND c = %s", ["KEY", constant], {0: "key"})

    assert numbered == "SELECT a FROM t WHERE b = $1 AND c = $2"
    assert sources == ["key", (constant,)]


def test_numbered_sql_refuses_a_placeholder_django_does_not_write():
    from stories.compiled import _numbered

    with pytest.raises(ImproperlyConfigured):
        _numbered("SELECT %s, %b", [1, 2], {})


def _on_postgresql():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the kept cursor runs the numbered SQL of PostgreSQL")
    return connection


def test_one_kept_cursor_runs_every_numbered_query_of_a_connection():
    connection = _on_postgresql()
    now = timezone.now()
    StoryFactory(published=True, title="Kept", published_at=now - timedelta(days=1))

    assert [row["name"] for row in TITLES.rows((0, 10), before=now)] == ["Kept"]
    kept = connection._raw_cursor
    assert [row["name"] for row in TITLES.rows((0, 10), before=now - timedelta(days=2))] == []
    assert connection._raw_cursor is kept and not kept.closed


def test_a_new_connection_gets_a_new_cursor_and_a_closed_one_is_made_again():
    connection = _on_postgresql()
    now = timezone.now()
    StoryFactory(published=True, title="Again", published_at=now - timedelta(days=1))
    TITLES.rows((0, 10), before=now)
    first = connection._raw_cursor

    first.close()  # as `with connection.raw_cursor()` would
    assert [row["name"] for row in TITLES.rows((0, 10), before=now)] == ["Again"]
    second = connection._raw_cursor
    assert second is not first and second.connection is connection.connection


def test_the_kept_cursor_reads_datetimes_in_the_connections_time_zone():
    connection = _on_postgresql()
    when = datetime(2025, 7, 24, 20, 14, 5, tzinfo=UTC)
    StoryFactory(published=True, title="Zoned", published_at=when)
    at = CompiledQuery(
        lambda *, before: Story.objects.filter(published_at__lt=before).values("published_at"),
        before=Marker(datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC), adapt=_db_time),
    )

    (row,) = at.rows(before=when + timedelta(seconds=1))
    assert row["published_at"] == when
    assert row["published_at"].tzinfo == connection.timezone


def test_after_a_failed_query_the_kept_cursor_runs_the_next_one():
    from django.db import DatabaseError, transaction

    connection = _on_postgresql()
    now = timezone.now()
    StoryFactory(published=True, title="After", published_at=now - timedelta(days=1))
    TITLES.rows((0, 10), before=now)
    cursor = connection.raw_cursor()
    with pytest.raises(DatabaseError), transaction.atomic():
        cursor.execute("SELECT 1 / $1", [0])

    assert [row["name"] for row in TITLES.rows((0, 10), before=now)] == ["After"]
