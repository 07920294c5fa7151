"""ORM queries built once per process and run with each page's own arguments.

On the hottest pages the ORM takes longer to build and compile a query than the
database takes to run it: the story page's opinions cost 1.1 ms of Python for
0.25 ms in PostgreSQL. Such a query's SQL is the same on every page but for a few
arguments, so `CompiledQuery` builds it once per process and database with marker
values in their place, finds the markers among the compiled query's parameters,
and runs that SQL with each page's values.

Rows come back as the database driver gives them, without the ORM's conversions:
JSON may arrive as text and datetimes as text on SQLite (`db_datetime` reads one).
"""

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils.dateparse import parse_datetime


def _unchanged(value):
    return value


@dataclass(frozen=True)
class Marker:
    """A value no real argument takes, standing in for one argument while the query is compiled."""

    value: object
    # How the driver receives the argument, as the ORM would pass it (datetimes are text on SQLite).
    adapt: Callable = field(default=_unchanged)


class CompiledQuery:
    """`build(*variant, **markers)` returns a `.values(…)` queryset: each row comes back as a dict of its columns.

    `rows(variant, **arguments)` runs it. A variant holds what Django writes into the SQL itself,
    such as a slice's bounds: each variant seen is compiled once (at most `variants` are kept).
    `prepared=False` plans it with its values each time (`planned_each_time`).
    """

    def __init__(self, build: Callable, *, variants: int = 16, prepared: bool = True, **markers: Marker):
        self.build, self.variants, self.markers, self.prepared = build, variants, markers, prepared
        self._compiled: dict = {}

    def rows(self, variant: tuple = (), **arguments) -> list[dict]:
        key = (connection.vendor, variant)
        compiled = self._compiled.get(key)
        if compiled is None:
            if len(self._compiled) >= self.variants:
                self._compiled.clear()
            compiled = self._compiled[key] = self._compile(variant)
        sql, params, slots, names = compiled
        values = {name: self.markers[name].adapt(value) for name, value in arguments.items()}
        with contextlib.nullcontext() if self.prepared else planned_each_time(), connection.cursor() as cursor:
            cursor.execute(sql, [values[slots[i]] if i in slots else value for i, value in enumerate(params)])
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _compile(self, variant: tuple) -> tuple[str, list, dict, list]:
        queryset = self.build(*variant, **{name: marker.value for name, marker in self.markers.items()})
        sql, params = queryset.query.sql_with_params()
        adapted = {name: marker.adapt(marker.value) for name, marker in self.markers.items()}
        slots = {i: name for i, value in enumerate(params) for name, marker in adapted.items() if value == marker}
        if missing := set(self.markers) - set(slots.values()):
            raise ImproperlyConfigured(f"Arguments {sorted(missing)} are not among the query's parameters {params!r}")
        query = queryset.query
        # The order in which Django's compiler writes the columns: extra, the model's fields, annotations.
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        return sql, list(params), slots, names


@contextlib.contextmanager
def planned_each_time():
    """Run the queries inside with a plan made for their values each time: never as a prepared statement.

    After a prepared statement's fifth run PostgreSQL may keep one generic plan, made without the values, when
    its estimate is no worse. For a query whose best plan depends on its values (a search's words: a rare word
    is found through the index of words, a common one by walking the newest stories; a person with few
    bylines or many) the generic plan was 3 to 20 times slower on the benchmark's archive. Planning such a
    query each time costs about a millisecond; a wrong plan costs tens.
    """
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    driver = connection.connection
    kept, driver.prepare_threshold = driver.prepare_threshold, None
    try:
        yield
    finally:
        driver.prepare_threshold = kept


def db_key(value):
    """A primary key as the ORM's bigint column takes it, whatever its size.

    A plain int goes to PostgreSQL as smallint, integer or bigint by its size, and psycopg prepares one statement
    per SQL and parameter types: typed as the column, one prepared statement serves every story.
    """
    return connection.ops.adapt_integerfield_value(value, "BigIntegerField")


def db_datetime(value) -> datetime | None:
    """A datetime as the driver returned it (text on SQLite, UTC without an offset), aware."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value
