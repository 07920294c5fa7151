"""EXPLAIN ANALYZE every query a page runs, and flag sequential scans.

Each page is requested through Django's test client with the cache turned
off: timed (the median of a few requests, in this process, so without HTTP),
then once more with every query it sends captured and explained on PostgreSQL. A page
"scans" a table when its plan holds a Seq Scan node on it: on a big table that
is the cost that grows with the archive.
"""

import json
import statistics
import time
from dataclasses import dataclass, field

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

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


def _walk(node):
    yield node
    for child in node.get("Plans", []):
        yield from _walk(child)


def explain(sql: str) -> tuple[float, set]:
    """Execution time (ms) of one query and the big tables its plan scans sequentially."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        raw = cursor.fetchone()[0]
    plan = raw if isinstance(raw, list) else json.loads(raw)
    root = plan[0]
    scans = {
        node["Relation Name"]
        for node in _walk(root["Plan"])
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in BIG_TABLES
    }
    return root["Execution Time"], scans


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
            with CaptureQueriesContext(connection) as captured:
                result.status = client.get(url).status_code
            for query in captured.captured_queries:
                sql = query["sql"]
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                ms, scans = explain(sql)
                result.queries += 1
                result.database_ms += ms
                result.slowest_ms = max(result.slowest_ms, ms)
                result.scans |= scans
            results.append(result)
    return results


def print_plans(results: list[PagePlan]) -> None:
    header = (
        f"{'page (uncached)':<24} {'status':>6} {'page ms':>8} {'queries':>7} {'db ms':>8} {'slowest':>8}"
        "  sequential scans"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        scans = ", ".join(sorted(r.scans)) or "none"
        print(
            f"{r.label:<24} {r.status:>6} {r.page_ms:>8.1f} {r.queries:>7} {r.database_ms:>8.1f} {r.slowest_ms:>8.1f}"
            f"  {scans}"
        )
    print()
