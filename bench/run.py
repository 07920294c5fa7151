#!/usr/bin/env python
"""Newsroom benchmark: seed N stories, serve them with gunicorn, load them with wrk, print one table.

    .venv/bin/python bench/run.py                      # 100,000 stories on PostgreSQL (newsroom_bench)
    .venv/bin/python bench/run.py --stories 1000000    # the archive target
    make bench BENCH_ARGS="--duration 5 --rounds 3"

See bench/README.md for what each column means and how targets are judged.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.engines import ThrowawayRedis, ThrowawayVarnish  # noqa: E402 (after the path above)
from harness.servers import Site, production_env  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/newsroom_bench"
WRK_SCRIPT = """
local paths = {%(paths)s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nRESULT {"requests": %%d, "duration_us": %%d, "bytes": %%d, "p50_us": %%d, "p99_us": %%d, '
    .. '"errors": %%d, "bad_status": %%d}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=100_000, help="stories to seed (default 100,000)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--reseed", action="store_true", help="seed again even if the database holds N stories")
    parser.add_argument("--seed-only", action="store_true", help="seed, then stop")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per target and round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds over all targets (default 3)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per server")
    parser.add_argument("--port", type=int, default=8141, help="cached server; the uncached one uses port+1")
    parser.add_argument("--redis-port", type=int, default=8149, help="a private redis-server for the cache")
    parser.add_argument("--locmem", action="store_true", help="cache in each worker's memory instead of Redis")
    parser.add_argument("--no-varnish", action="store_true", help="skip the targets through Varnish")
    parser.add_argument("--only", default="", help="comma-separated target names to run")
    parser.add_argument("--skip-load", action="store_true", help="time and explain the pages, but load nothing")
    parser.add_argument("--skip-plans", action="store_true", help="do not time the pages in-process nor EXPLAIN them")
    return parser.parse_args()


# --- Environment -------------------------------------------------------------------------


def bench_env(args, static_root: Path, cache_url: str) -> dict:
    """Production settings (harness.servers.production_env) for the bench URLconf, in plain HTTP on loopback."""
    return production_env(
        args.database_url,
        static_root,
        DJANGO_SETTINGS_MODULE="bench.settings",
        SECURE_SSL_REDIRECT="off",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",  # localhost: Varnish's health probe (harness.engines)
        CACHE_URL=cache_url,
    )


# What README.md (Performance, Database) tells operators to set on the database: SSD storage.
DATABASE_SETTINGS = {"random_page_cost": "1.1"}


def ensure_database(url: str) -> None:
    """Create the bench database on the PostgreSQL server if it does not exist yet, and give it the database
    settings the README recommends: set on the database, every later connection (the served site's too) has them."""
    if not url.startswith("postgres"):
        return
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    server = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        for setting, value in DATABASE_SETTINGS.items():
            statement = sql.SQL("ALTER DATABASE {} SET {} = {}").format(
                sql.Identifier(name), sql.Identifier(setting), sql.Literal(value)
            )
            conn.execute(statement)
            print(f"Database {name}: {statement.as_string(conn)}", file=sys.stderr)


def database_settings() -> str:
    """What the served site's connections run with, read from a connection of this process (same settings)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return f"database: {connection.vendor}"
    connection.ensure_connection()
    threshold = connection.connection.prepare_threshold
    prepared = "off" if threshold is None else f"after {threshold} runs of the same SQL"
    with connection.cursor() as cursor:
        shown = []
        for setting in DATABASE_SETTINGS:
            cursor.execute(f"SHOW {setting}")
            shown.append(f"{setting} {cursor.fetchone()[0]}")
    binding = "on" if connection.features.uses_server_side_binding else "off"
    return f"server-side binding {binding}, prepared statements {prepared}, {', '.join(shown)}"


def start_site(args, env: dict, port: int, workdir: Path, name: str) -> Site:
    """gunicorn with `args.workers` sync workers (one thread each), answering /healthz."""
    site = Site(env, port, workdir / f"{name}.log", workers=args.workers, threads=1)
    site.start()
    if status_of(f"http://127.0.0.1:{site.port}/healthz") != 200:
        site.stop()
        raise SystemExit(f"The {name} server does not answer /healthz:\n{site.output()[-2000:]}")
    return site


def start_varnish(args, backend_port: int, targets: list) -> ThrowawayVarnish | None:
    """Varnish with the repository's VCL in front of the cached server; None (its targets skipped) without it."""
    reason = "--no-varnish" if args.no_varnish else "" if shutil.which("varnishd") else "varnishd is not installed"
    if not reason:
        varnish = ThrowawayVarnish(args.port + 2, [backend_port])
        varnish.start()
        for _ in range(60):  # its health probe must find the app first
            if status_of(f"{varnish.url}/healthz") == 200:
                return varnish
            time.sleep(0.5)
        varnish.destroy()
        reason = "Varnish found no healthy app server"
    for target in targets:
        if target.server == "varnish":
            target.skipped = reason
    return None


# --- Load ----------------------------------------------------------------------------------


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (loopback URL we built)
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def run_wrk(base: str, paths: list[str], duration: int, connections: int, workdir: Path) -> dict:
    script = workdir / "paths.lua"
    script.write_text(WRK_SCRIPT % {"paths": ", ".join(json.dumps(p) for p in paths)})
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--timeout", "5s", "-s", str(script)]
    output = subprocess.run([*command, base], capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


# Targets (bench/README.md): the share of the ceiling each page must reach, and every uncached page's p99.
SHARE_TARGETS = {
    ("story", "cached"): 75,
    ("home", "cached"): 80,
    ("story", "uncached"): 25,
    ("home", "uncached"): 20,
    ("section", "uncached"): 20,
    ("tag", "uncached"): 20,
    ("rss", "uncached"): 20,
    ("search", "uncached"): 10,
}
P99_TARGETS_MS = {"search": 100}
P99_TARGET_MS = 50


class Target:
    def __init__(self, name: str, server: str, paths: list[str]):
        self.name, self.server, self.paths = name, server, paths
        self.runs: list[dict] = []
        self.skipped = ""

    def verdict(self, share: float, p99: float) -> str:
        """The targets this page has and whether this run met them."""
        parts = []
        if (floor := SHARE_TARGETS.get((self.name, self.server))) is not None:
            parts.append(f"≥ {floor} % {'met' if share >= floor else 'missed'}")
        if self.server == "uncached":
            limit = P99_TARGETS_MS.get(self.name, P99_TARGET_MS)
            parts.append(f"p99 < {limit} ms {'met' if p99 < limit else 'missed'}")
        return ", ".join(parts)


def build_targets(hot_slugs: list[str], section_path: str, tag_path: str, author_path: str, search_word: str):
    stories = [f"/stories/{slug}/" for slug in hot_slugs]
    return [
        Target("ceiling", "cached", ["/bench/ceiling/"]),
        Target("home", "cached", ["/"]),
        Target("home", "uncached", ["/"]),
        Target("story", "cached", stories),
        Target("story", "uncached", stories),
        Target("section", "uncached", [section_path]),
        Target("tag", "uncached", [tag_path]),
        Target("author", "uncached", [author_path]),
        Target("search", "uncached", [f"/search/?q={search_word}"]),
        Target("rss", "uncached", ["/feed/"]),
        Target("atom", "uncached", ["/feed/atom/"]),
        # Varnish (deploy/varnish/newsroom.vcl) in front of the cached server: what readers get from the edge.
        # The story page is private (the opinion form's time token): Varnish passes it to the app.
        Target("home", "varnish", ["/"]),
        Target("section", "varnish", [section_path]),
        Target("story", "varnish", stories),
    ]


def target_paths() -> tuple[str, str, str]:
    """The section, tag and author pages the load targets (and the plans) read: the first of each."""
    from django.contrib.auth import get_user_model

    from stories.models import Section, Tag

    section = Section.objects.order_by("position").first()
    tag = Tag.objects.order_by("pk").first()
    author = get_user_model().objects.filter(username__startswith="bench-author-").order_by("pk").first()
    return section.get_absolute_url(), tag.get_absolute_url(), author.profile.get_absolute_url()


def print_table(targets: list[Target]) -> None:
    ceiling = {i: run["rps"] for i, run in enumerate(targets[0].runs)}
    header = (
        f"{'target':<18} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'KB/resp':>8} {'% ceiling':>10}  goal"
    )
    print()
    print(header)
    print("-" * len(header))
    for target in targets:
        label = target.name if target.name == "ceiling" else f"{target.name} ({target.server})"
        if target.skipped:
            print(f"{label:<18} skipped: {target.skipped}")
            continue
        runs = target.runs
        rps = statistics.mean(r["rps"] for r in runs)
        p50 = statistics.median(r["p50_us"] for r in runs) / 1000
        p99 = max(r["p99_us"] for r in runs) / 1000
        errors = sum(r["errors"] + r["bad_status"] for r in runs)
        size = sum(r["bytes"] for r in runs) / max(sum(r["requests"] for r in runs), 1) / 1024
        # Each round against the ceiling of the same round: the machine's noise hits both alike.
        share = statistics.mean(100 * r["rps"] / ceiling[i] for i, r in enumerate(runs) if ceiling.get(i))
        print(
            f"{label:<18} {rps:>8.0f} {p50:>8.1f} {p99:>8.1f} {errors:>7} {size:>8.1f} {share:>9.1f}%"
            f"  {target.verdict(share, p99)}"
        )
    print()


# --- Query plans ------------------------------------------------------------------------------


def query_plans(stories: int):
    """Every public page and admin list timed in-process, and each of their queries explained."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from bench.explain import plan_pages
    from bench.seed import ADMIN_USERNAME, SEARCH_WORD
    from stories.models import Story

    if connection.vendor != "postgresql":
        return []
    published = Story.objects.live()
    newest = published.order_by("-published_at").values_list("slug", flat=True).first()
    oldest = published.order_by("published_at").values_list("slug", flat=True).first()
    section_path, tag_path, author_path = target_paths()
    deep = min(1000, max(1, stories // 1000))
    pages = [
        ("home", "/"),
        (f"home page {deep}", f"/?page={deep}"),
        ("story (newest)", f"/stories/{newest}/"),
        ("story (oldest)", f"/stories/{oldest}/"),
        ("section", section_path),
        ("tag", tag_path),
        ("author", author_path),
        ("search", f"/search/?q={SEARCH_WORD}"),
        ("feed", "/feed/"),
        ("atom feed", "/feed/atom/"),
    ]
    admin = Client()
    admin.force_login(get_user_model().objects.get(username=ADMIN_USERNAME))
    admin_pages = [
        ("admin story list", "/admin/stories/story/"),
        ("admin opinion queue", "/admin/stories/opinion/"),
        # The planning budget: 200 people, 2,000 open assignments over the week (bench.seed).
        ("admin story budget", "/admin/stories/assignment/budget/"),
    ]
    return plan_pages(pages) + plan_pages(admin_pages, admin)


# --- Main -------------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk).")
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-bench-"))
    cache_url = "locmemcache://bench" if args.locmem else f"redis://127.0.0.1:{args.redis_port}/0"
    env = bench_env(args, workdir / "static", cache_url)
    os.environ.update(env)
    ensure_database(args.database_url)

    import django

    django.setup()
    from django.core.management import call_command

    from bench import seed
    from bench.explain import print_plans
    from stories.models import Story

    call_command("migrate", verbosity=0, interactive=False)  # a database seeded by an older version
    if args.reseed or seed.seeded_count() != args.stories:
        print(f"Seeding {args.stories:,} stories into {args.database_url} …", file=sys.stderr)
        figures = seed.seed(args.stories)
        print(f"Seeded {args.stories:,} stories in {figures['seconds']:.1f} s.", file=sys.stderr)
    else:
        print(f"The bench database already holds {args.stories:,} stories (use --reseed to redo).", file=sys.stderr)
    if args.seed_only:
        return
    call_command("collectstatic", interactive=False, verbosity=0)
    # The served site reads the same settings as this process: production's.
    settings_line = database_settings()
    print(f"Database settings: {settings_line}", file=sys.stderr)

    plans = [] if args.skip_plans else query_plans(args.stories)
    if args.skip_load:
        print(f"Newsroom at {args.stories:,} stories · {settings_line}")
        print_plans(plans)
        return

    hot_slugs = list(Story.objects.live().order_by("-published_at").values_list("slug", flat=True)[:200])
    targets = build_targets(hot_slugs, *target_paths(), seed.SEARCH_WORD)
    if args.only:
        wanted = set(args.only.split(",")) | {"ceiling"}
        targets = [t for t in targets if t.name in wanted or f"{t.name}-{t.server}" in wanted]

    redis = cached = uncached = varnish = None
    try:
        if not args.locmem:
            redis = ThrowawayRedis(args.redis_port)
            redis.start()
            env["CACHE_URL"] = redis.url  # it may have moved to a spare port
        cached = start_site(args, env, args.port, workdir, "cached")
        uncached = start_site(args, {**env, "CACHE_URL": "dummycache://"}, args.port + 1, workdir, "uncached")
        bases = {"cached": f"http://127.0.0.1:{cached.port}", "uncached": f"http://127.0.0.1:{uncached.port}"}
        varnish = start_varnish(args, cached.port, targets)
        if varnish is not None:
            bases["varnish"] = varnish.url

        for target in targets:  # prime caches and connections; refuse targets that do not answer 200
            if target.skipped:  # through Varnish, without one (--no-varnish, or not installed)
                continue
            for path in target.paths:
                status = status_of(bases[target.server] + path)
                if status != 200:
                    target.skipped = f"{path} answers {status}"
                    break
        for round_number in range(1, args.rounds + 1):
            for target in targets:
                if target.skipped:
                    continue
                label = f"{target.name} ({target.server})"
                print(f"  round {round_number}/{args.rounds}: {label} …", file=sys.stderr, flush=True)
                target.runs.append(
                    run_wrk(bases[target.server], target.paths, args.duration, args.connections, workdir)
                )
    finally:
        if varnish is not None:
            varnish.destroy()
        for service in (cached, uncached, redis):
            if service is not None:
                service.stop()

    print(
        f"Newsroom at {args.stories:,} stories · {args.connections} connections · {args.workers} sync workers · "
        f"{args.duration} s × {args.rounds} rounds · cache: {'locmem' if args.locmem else 'Redis'}"
    )
    print(settings_line)
    print_table(targets)
    if plans:
        print()
        print_plans(plans)
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
