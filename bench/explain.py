"""EXPLAIN ANALYZE every query a page runs, and flag sequential scans.

Each page is requested through Django's test client with the cache turned
off: timed (the median of a few requests, in this process, so without HTTP),
then once more with every query it sends captured and explained on PostgreSQL. A page
"scans" a table when its plan holds a Seq Scan node on it: on a big table that
is the cost that grows with the archive.

The site prepares the statements it repeats (settings: DB_PREPARE_THRESHOLD), and after five runs PostgreSQL may
keep a prepared statement's generic plan, made without the values, for good. So each query is explained twice: with
its values (the plan of its first runs), and, when the connection holds it prepared, that very statement's generic
plan (`plan_cache_mode = force_generic_plan`).
"""

import json
import re
import statistics
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection
from django.test import Client
from django.test.utils import override_settings

from stories.compiled import planned_each_time

# Tables whose size grows with the archive; a scan of a small lookup table (sections) is fine.
BIG_TABLES = {
    "stories_story",
    "stories_highlight",
    "stories_opinion",
    "stories_story_tags",
    "stories_story_authors",
    "stories_storytransition",
}


@dataclass
class PagePlan:
    label: str
    url: str
    status: int = 0
    page_ms: float = 0.0
    queries: int = 0
    database_ms: float = 0.0
    slowest_ms: float = 0.0
    scans: set = field(default_factory=set)
    # The generic plans of the page's prepared statements: their time, the big tables they scan, and how many of
    # the page's queries the connection did not hold prepared.
    generic_ms: float = 0.0
    generic_scans: set = field(default_factory=set)
    unprepared: int = 0


def _walk(node):
    yield node
    for child in node.get("Plans", []):
        yield from _walk(child)


def _read(raw) -> tuple[float, set]:
    plan = raw if isinstance(raw, list) else json.loads(raw)
    root = plan[0]
    scans = {
        node["Relation Name"]
        for node in _walk(root["Plan"])
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in BIG_TABLES
    }
    return root["Execution Time"], scans


def explain(sql: str) -> tuple[float, set]:
    """Execution time (ms) of one query and the big tables its plan scans sequentially."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        return _read(cursor.fetchone()[0])


def prepared_statements() -> dict[str, str]:
    """The statements prepared on this connection: name by SQL as Django writes it (%s for each parameter)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, statement FROM pg_prepared_statements")
        return {re.sub(r"\$\d+", "%s", statement): name for name, statement in cursor.fetchall()}


def explain_generic(name: str, params) -> tuple[float, set]:
    """Like `explain`, for the generic plan of the prepared statement `name` run with `params`."""
    arguments = f"({connection.ops.compose_sql(', '.join(['%s'] * len(params)), params)})" if params else ""
    with connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_generic_plan")
        try:
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE {name}{arguments}")
            return _read(cursor.fetchone()[0])
        finally:
            cursor.execute("RESET plan_cache_mode")


@contextmanager
def _sent(queries: list):
    """Record each statement sent meanwhile: (its SQL, its parameters)."""

    def record(execute, sql, params, many, context):
        queries.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield


_NUMBERED = re.compile(r"\$(\d+)")


def _is_numbered(sql: str) -> bool:
    """Whether `sql` is one that stories.compiled numbered itself (`$n`), not Django's (`%s`)."""
    return "%s" not in sql and _NUMBERED.search(sql) is not None


def _with_values(sql: str, params) -> str:
    """The statement as sent, its values written in: Django's `%s` placeholders, or the `$n` of the SQL that
    stories.compiled numbers itself."""
    if params is None:
        return sql
    if _is_numbered(sql):
        return _NUMBERED.sub(lambda number: connection.ops.compose_sql("%s", [params[int(number[1]) - 1]]), sql)
    return connection.ops.compose_sql(sql, params)


def _as_prepared(sql: str, params) -> str:
    """The statement as `prepared_statements` names it: %s for each parameter, a % as itself."""
    if params is None:
        return sql
    if _is_numbered(sql):
        return _NUMBERED.sub("%s", sql)
    return sql.replace("%%", "%")  # the driver reads %% as % when there are parameters to put in


def _median_ms(client: Client, url: str, runs: int) -> float:
    client.get(url)  # connections, templates and the like are warm for every timed request
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def plan_pages(pages: list[tuple[str, str]], client: Client | None = None, runs: int = 5) -> list[PagePlan]:
    """Time each (label, url) uncached, then explain every query it runs."""
    client = client or Client()
    results = []
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}):
        for label, url in pages:
            result = PagePlan(label, url)
            result.page_ms = _median_ms(client, url, runs)
            sent = []
            with _sent(sent):
                result.status = client.get(url).status_code
            # The EXPLAINs themselves are not prepared: they would crowd out the site's statements.
            with planned_each_time():
                prepared = prepared_statements()
                for sql, params in sent:
                    if not sql.lstrip().upper().startswith("SELECT"):
                        continue
                    ms, scans = explain(_with_values(sql, params))
                    result.queries += 1
                    result.database_ms += ms
                    result.slowest_ms = max(result.slowest_ms, ms)
                    result.scans |= scans
                    if (name := prepared.get(_as_prepared(sql, params))) is None:
                        result.unprepared += 1
                        continue
                    ms, scans = explain_generic(name, params)
                    result.generic_ms += ms
                    result.generic_scans |= scans
            results.append(result)
    return results


def print_plans(results: list[PagePlan]) -> None:
    header = (
        f"{'page (uncached)':<24} {'status':>6} {'page ms':>8} {'queries':>7} {'db ms':>8} {'slowest':>8}"
        f" {'generic':>8} {'unprep.':>7}  sequential scans"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        scans = [*sorted(r.scans), *(f"{table} (generic plan)" for table in sorted(r.generic_scans))]
        print(
            f"{r.label:<24} {r.status:>6} {r.page_ms:>8.1f} {r.queries:>7} {r.database_ms:>8.1f} {r.slowest_ms:>8.1f}"
            f" {r.generic_ms:>8.1f} {r.unprepared:>7}  {', '.join(scans) or 'none'}"
        )
    print()
    print(
        "db ms: the page's queries run with their values; generic: the generic plans of those the connection holds\n"
        "prepared; unprep.: queries it did not hold prepared (run too few times, or prepared statements off)."
    )
    print()
