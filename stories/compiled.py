"""ORM queries built once per process and run with each page's own arguments.

On the hottest pages the ORM takes longer to build and compile a query than the
database takes to run it: the story page's opinions cost 1.1 ms of Python for
0.25 ms in PostgreSQL. Such a query's SQL is the same on every page but for a few
arguments, so `CompiledQuery` builds it once per process and database with marker
values in their place, finds the markers among the compiled query's parameters,
and runs that SQL with each page's values.

Rows come back as the database driver gives them, without the ORM's conversions:
JSON may arrive as text and datetimes as text on SQLite (`db_datetime` reads one).

On PostgreSQL the SQL is also numbered once (`$1`, `$2`, … in place of Django's `%s`, each argument one number
however often the query uses it) and run through psycopg's `RawCursor`, which sends it as it is. Through Django's
cursor psycopg rewrote every `%s` on every run: it remembers the rewrite of a query of up to 4 KB and 50 parameters
only, and the story page's query is 5.5 KB with 56 parameters (0.25–0.5 ms a page). The connection keeps that
cursor for its next query (newsroom.postgresql: making one took 40–50 µs of a page's Python).
"""

import contextlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import psycopg
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections, router
from django.utils.dateparse import parse_datetime
from psycopg import sql as pg_sql

logger = logging.getLogger("django.db.backends")


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
        self._numbered: dict = {}  # PostgreSQL's numbered SQL of each compiled SQL

    def rows(self, variant: tuple = (), **arguments) -> list[dict]:
        key = (connection.vendor, variant)
        compiled = self._compiled.get(key)
        if compiled is None:
            if len(self._compiled) >= self.variants:
                self._compiled.clear()
                self._numbered.clear()
            compiled = self._compiled[key] = self._compile(variant)
        sql, params, slots, names, model = compiled
        values = {name: self.markers[name].adapt(value) for name, value in arguments.items()}
        # Where the ORM would read it: a reader's page on a replica (newsroom.replicas), else the primary.
        reading = connections[router.db_for_read(model)]
        numbered = self._numbered.get(sql) if reading.vendor == "postgresql" else None
        if reading.vendor == "postgresql" and numbered is None:
            numbered = self._numbered[sql] = _numbered(sql, params, slots)
        with contextlib.nullcontext() if self.prepared else planned_each_time(reading):
            if numbered is None:
                with reading.cursor() as cursor:
                    cursor.execute(sql, [values[slots[i]] if i in slots else value for i, value in enumerate(params)])
                    found = cursor.fetchall()
            else:
                numbered_sql, sources = numbered
                cursor = reading.raw_cursor()  # the connection's own, kept open for its next query
                with _logged(reading, sql, params, slots, values):
                    cursor.execute(numbered_sql, [values[s] if type(s) is str else s[0] for s in sources])
                    found = cursor.fetchall()
        return [dict(zip(names, row, strict=True)) for row in found]

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
        return sql, list(params), slots, names, queryset.model


_PLACEHOLDER = re.compile(r"%.")


def _literal(value) -> str | None:
    """`value` written into SQL as PostgreSQL reads a constant, or None for a value psycopg cannot write so."""
    try:
        return pg_sql.Literal(value).as_string(None)
    except (TypeError, psycopg.ProgrammingError):
        return None


def _numbered(sql: str, params, slots: dict) -> tuple[str, list]:
    """Django's SQL with `$n` in place of each argument's `%s`, for PostgreSQL, and where each number's value comes
    from: an argument's name (one number however often the query uses it), or a constant (in a 1-tuple).

    The query's constants (a status, a page's size, the keys of a JSON object) are written into the SQL, as
    literals: the statement's generic plan is then made knowing them. With `status = $1` PostgreSQL could not use
    an index made for published stories alone (`WHERE status = 'published'`), found the generic plan of a
    section's list dearer than one made for its values, and planned that list again for every page (0.44 ms).
    """
    sources, numbers, position = [], {}, iter(range(len(params)))

    def number(placeholder):
        if placeholder.group() == "%%":
            return "%"
        if placeholder.group() != "%s":
            raise ImproperlyConfigured(f"Unexpected placeholder {placeholder.group()!r} in {sql[:200]!r}")
        i = next(position)
        if i not in slots:
            if (literal := _literal(params[i])) is not None:
                return literal
            sources.append((params[i],))
            return f"${len(sources)}"
        if slots[i] not in numbers:
            sources.append(slots[i])
            numbers[slots[i]] = len(sources)
        return f"${numbers[slots[i]]}"

    numbered = _PLACEHOLDER.sub(number, sql)
    if next(position, None) is not None:
        raise ImproperlyConfigured(f"Fewer placeholders than parameters in {sql[:200]!r}")
    return numbered, sources


@contextlib.contextmanager
def _logged(db, sql, params, slots, values):
    """Django's query log (DEBUG, tests counting queries) with the query as Django wrote it: its debug cursor
    would read `$n` as no placeholder at all."""
    if not db.queries_logged:
        yield
        return
    start = time.monotonic()
    try:
        yield
    finally:
        duration = time.monotonic() - start
        sent = [values[slots[i]] if i in slots else value for i, value in enumerate(params)]
        db.queries_log.append({"sql": db.ops.compose_sql(sql, sent), "time": f"{duration:.3f}"})
        logger.debug("(%.3f) %s; args=%s; alias=%s", duration, sql, sent, db.alias)


@contextlib.contextmanager
def planned_each_time(connection=None):
    """Run the queries inside with a plan made for their values each time: never as a prepared statement.

    After a prepared statement's fifth run PostgreSQL may keep one generic plan, made without the values, when
    its estimate is no worse. For a query whose best plan depends on its values (a search's words: a rare word
    is found through the index of words, a common one by walking the newest stories; a person with few
    bylines or many) the generic plan was 3 to 20 times slower on the benchmark's archive. Planning such a
    query each time costs about a millisecond; a wrong plan costs tens.
    """
    if connection is None:  # the connection a reader's query reads from (newsroom.replicas), else the primary
        connection = connections[router.db_for_read(None)]
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
