#!/usr/bin/env python
"""CPU per request, in this process: each public page through Django's WSGI handler, no HTTP server, no cache.

    .venv/bin/python bench/cpu.py                        # every page, 300 requests each
    .venv/bin/python bench/cpu.py --only story,home -n 1000
    .venv/bin/python bench/cpu.py --profile story        # cProfile of one page, the 30 costliest functions

Throughput under wrk moves with whatever else the machine runs; the CPU time a request takes in the process that
serves it (`time.process_time()`) moves much less, and the best of a few interleaved rounds less still. Each page
is requested as `make bench` loads it (production settings, prepared statements, the bench database, the bench
URLconf with its bare `/bench/ceiling/` view) but with Django's dummy cache unless `--cache` names one: every
request computes its page. Wall time includes waiting for PostgreSQL. See bench/README.md.
"""

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.servers import production_env  # noqa: E402 (after the path above)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/newsroom_bench"
PAGES = ("ceiling", "home", "story", "section", "tag", "author", "search", "rss", "atom")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("-n", "--requests", type=int, default=200, help="requests per page and round (default 200)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; each figure is its best round's")
    parser.add_argument("--warmup", type=int, default=30, help="requests per page before timing (default 30)")
    parser.add_argument("--only", default="", help=f"comma-separated pages among {', '.join(PAGES)}")
    parser.add_argument("--gzip", action="store_true", help="ask for gzip (wrk, as make bench runs it, does not)")
    parser.add_argument("--profile", default="", help="one page: print its cProfile instead of the table")
    parser.add_argument(
        "--cache", default="dummycache://", help="CACHE_URL: e.g. locmem:// or redis://… for cached pages (hits)"
    )
    parser.add_argument("--static-root", default=str(Path(tempfile.gettempdir()) / "newsroom-bench-static"))
    return parser.parse_args()


def setup(args) -> None:
    env = production_env(
        args.database_url,
        Path(args.static_root),
        DJANGO_SETTINGS_MODULE="bench.settings",
        SECURE_SSL_REDIRECT="off",
        ALLOWED_HOSTS="127.0.0.1,testserver",
        CACHE_URL=args.cache,
    )
    os.environ.update(env)
    import django

    django.setup()
    if not (Path(args.static_root) / "staticfiles.json").exists():
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)


def page_paths() -> dict[str, list[str]]:
    """The addresses `make bench` loads (bench/run.py: build_targets)."""
    from bench.run import target_paths
    from bench.seed import SEARCH_WORD
    from stories.models import Story

    hot = Story.objects.live().order_by("-published_at").values_list("slug", flat=True)[:200]
    section, tag, author = target_paths()
    return {
        "ceiling": ["/bench/ceiling/"],
        "home": ["/"],
        "story": [f"/stories/{slug}/" for slug in hot],
        "section": [section],
        "tag": [tag],
        "author": [author],
        "search": [f"/search/?q={SEARCH_WORD}"],
        "rss": ["/feed/"],
        "atom": ["/feed/atom/"],
    }


def environ_for(path: str, gzip: bool) -> dict:
    path_info, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8142",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8142",
        "HTTP_USER_AGENT": "wrk",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if gzip:
        environ["HTTP_ACCEPT_ENCODING"] = "gzip"
    return environ


class Request:
    """One WSGI request as gunicorn makes it: the status, the body's bytes and the queries it sent."""

    def __init__(self, app, path: str, gzip: bool):
        self.app, self.path, self.gzip = app, path, gzip
        self.status, self.size, self.queries = "", 0, 0

    def _start_response(self, status, headers, exc_info=None):
        self.status = status

    def _count(self, execute, sql, params, many, context):
        self.queries += 1
        return execute(sql, params, many, context)

    def __call__(self) -> None:
        from django.db import connections

        self.queries = 0
        wrappers = [c.execute_wrapper(self._count) for c in connections.all(initialized_only=True)]
        for wrapper in wrappers:
            wrapper.__enter__()
        try:
            body = self.app(environ_for(self.path, self.gzip), self._start_response)
            self.size = sum(len(chunk) for chunk in body)
            if hasattr(body, "close"):
                body.close()
        finally:
            for wrapper in wrappers:
                wrapper.__exit__(None, None, None)


def measure(app, paths: list[str], count: int, warmup: int, gzip: bool) -> dict:
    for i in range(warmup):
        Request(app, paths[i % len(paths)], gzip)()
    cpu, wall, sizes, queries = [], [], [], []
    for i in range(count):
        request = Request(app, paths[i % len(paths)], gzip)
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        request()
        cpu.append(time.process_time() - cpu_start)
        wall.append(time.perf_counter() - wall_start)
        if not request.status.startswith("200"):
            raise SystemExit(f"{request.path} answered {request.status}")
        sizes.append(request.size)
        queries.append(request.queries)
    return {
        "cpu": statistics.median(cpu) * 1000,
        "cpu90": statistics.quantiles(cpu, n=10)[-1] * 1000,
        "wall": statistics.median(wall) * 1000,
        "wall90": statistics.quantiles(wall, n=10)[-1] * 1000,
        "kb": statistics.mean(sizes) / 1024,
        "queries": statistics.median(queries),
    }


def profile(app, paths: list[str], count: int, gzip: bool) -> None:
    import cProfile
    import pstats

    for i in range(30):
        Request(app, paths[i % len(paths)], gzip)()
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for i in range(count):
        Request(app, paths[i % len(paths)], gzip)()
    profiler.disable()
    if os.environ.get("BENCH_PROFILE_FILE"):
        profiler.dump_stats(os.environ["BENCH_PROFILE_FILE"])
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(30)


def main() -> None:
    args = parse_args()
    setup(args)
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    paths = page_paths()
    if args.profile:
        profile(app, paths[args.profile], args.requests, args.gzip)
        return
    wanted = [name for name in (args.only.split(",") if args.only else PAGES) if name]
    if "ceiling" not in wanted:
        wanted.insert(0, "ceiling")
    results = {}
    for _ in range(args.rounds):  # other processes slow some rounds down: each page keeps its best round
        for name in wanted:
            found = measure(app, paths[name], args.requests, args.warmup, args.gzip)
            if name not in results or found["cpu"] < results[name]["cpu"]:
                results[name] = found
    ceiling = results["ceiling"]["cpu"]
    header = (
        f"{'page':<9} {'cpu ms':>7} {'p90':>6} {'wall ms':>8} {'p90':>6} {'queries':>8} {'KB':>6} {'× ceiling':>10}"
    )
    print(
        f"{args.requests} requests a page × {args.rounds} rounds (the best round's median and 90th percentile), "
        f"{'gzip' if args.gzip else 'no gzip'}, cache {args.cache}"
    )
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        print(
            f"{name:<9} {r['cpu']:>7.2f} {r['cpu90']:>6.2f} {r['wall']:>8.2f} {r['wall90']:>6.2f} "
            f"{r['queries']:>8.0f} {r['kb']:>6.1f} {r['cpu'] / ceiling:>10.1f}"
        )


if __name__ == "__main__":
    main()
