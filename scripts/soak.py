#!/usr/bin/env python
"""A bounded soak: many readers at once against the site under gunicorn with production settings.

    .venv/bin/python scripts/soak.py                         # 60 s, 32 clients, a fresh SQLite database
    .venv/bin/python scripts/soak.py --database-url postgres://postgres@127.0.0.1:5432/newsroom_soak

Each client reads pages (front page, story pages, sections, search, the feed)
and, now and then, becomes a new reader who opens a story, waits as a person
would, and sends an opinion through the real form (signed time-to-submit
token, empty honeypot, the site's own Origin header as a browser sends it)
from an address of its own in 127.0.0.0/8, then follows the redirect back to
the story. Some readers press "Send" twice; some regulars send more than the
rate limit allows. Traffic goes to 127.0.0.1 only and stops by itself.

Meanwhile a moderator, signed in to the admin as the demo's moderator, works
the opinion queue: every --moderate-every seconds it approves the oldest
pending opinion the soak's readers sent, with the queue's "Approve" action (the
changelist form, CSRF token and all). Each approval is a change readers see, so
it purges the page cache.

At the end it compares what the site acknowledged with what it stored: every
acknowledged opinion must be stored exactly once, and nothing refused may be
stored; every approval the admin confirmed must be stored as approved, and no
other soak opinion may be. It exits non-zero on any 5xx, connection error,
failed approval or mismatch, and prints the figures (as JSON with --json).

Every public page says in X-Cache how the page cache answered it (hit, stale,
miss, bypass). The figures count those answers over all reader GETs, overall
and by page, and give the hit ratio: (hit + stale) / (hit + stale + miss +
bypass), among the responses that carry X-Cache (/healthz and readers the cache
does not serve, such as one with a message waiting, carry none).
"""

import argparse
import json
import random
import re
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.engines import ThrowawayRedis  # noqa: E402
from harness.forms import find_form  # noqa: E402
from harness.servers import Browser, Site, manage, prepare_site, production_env, stored_opinions  # noqa: E402

MARKER = "soak-"
# The demo moderator that prepare_site seeds (seed_demo's ACCOUNTS and DEMO_PASSWORD), in the Moderators group.
MODERATOR = "moderator"
MODERATOR_PASSWORD = "newsroom-demo"  # noqa: S105 - seed_demo's printed demo password
MODERATOR_SOURCE = "127.0.0.9"  # readers use 127.1.0.0 and up
APPROVED = "1 opinion approved"  # the admin's message after approving one (OpinionAdmin._decide)
# What the page cache answers in X-Cache (pagecache.cache_public): from a stored copy, fresh or stale, or computed.
OUTCOMES = ("hit", "stale", "miss", "bypass")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (default 60)")
    parser.add_argument("--clients", type=int, default=32, help="simultaneous clients (default 32)")
    parser.add_argument("--port", type=int, default=8154)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file in a temp dir")
    parser.add_argument(
        "--redis-port",
        type=int,
        default=6392,
        help="start a private redis-server here for the shared cache, as in production (0: per-worker memory)",
    )
    parser.add_argument("--opinion-share", type=float, default=0.2, help="share of client turns that post")
    parser.add_argument(
        "--moderate-every",
        type=float,
        default=3.0,
        help="seconds between two approvals by the moderator in the admin (default 3; 0: no moderator)",
    )
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    if args.moderate_every < 0:
        parser.error("--moderate-every must be 0 (no moderator) or more")
    return args


class Tally:
    """What the clients saw, shared between their threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.statuses = Counter()
        self.latencies: list[float] = []
        self.by_path: dict[str, list[float]] = {}
        self.connection_errors: list[str] = []
        self.server_errors: list[str] = []
        self.acknowledged: set[str] = set()
        self.refused: dict[str, int] = {}
        self.unknown: set[str] = set()
        self.double_sends = 0
        # The page cache's answer (X-Cache) to each reader GET, overall and by page.
        self.cache_outcomes = Counter()
        self.cache_by_path: dict[str, Counter] = {}
        self.without_x_cache = 0
        # The moderator's work: its requests (kept out of the readers' figures), the opinions it asked to
        # approve and those the admin confirmed, turns that found nothing pending, and what went wrong.
        self.desk_requests = 0
        self.asked_to_approve: set[str] = set()
        self.approved: set[str] = set()
        self.idle_turns = 0
        self.moderation_errors: list[str] = []

    def desk(self, browser, method, path, **kwargs):
        """A moderator's request: a 5xx or connection error counts as a reader's does, nothing else is mixed in."""
        try:
            response = browser.request(method, path, **kwargs)
        except OSError as exc:
            with self.lock:
                self.connection_errors.append(f"{method} {path}: {exc!r} (moderator)")
            return None
        with self.lock:
            self.desk_requests += 1
            if response.status >= 500:
                self.server_errors.append(f"{method} {path}: {response.status} (moderator)")
        return response

    def request(self, browser, method, path, **kwargs):
        started = time.monotonic()
        try:
            response = browser.request(method, path, **kwargs)
        except OSError as exc:
            with self.lock:
                self.connection_errors.append(f"{method} {path}: {exc!r}")
            return None
        with self.lock:
            self.latencies.append(time.monotonic() - started)
            key = f"{method} {re.sub(r'/stories/[^/]+/', '/stories/<slug>/', re.split(r'[?#]', path)[0])}"
            self.by_path.setdefault(key, []).append(time.monotonic() - started)
            self.statuses[response.status] += 1
            if response.status >= 500:
                self.server_errors.append(f"{method} {path}: {response.status}")
            if method == "GET":
                outcome = response.headers.get("x-cache")
                if outcome:
                    self.cache_outcomes[outcome] += 1
                    self.cache_by_path.setdefault(key, Counter())[outcome] += 1
                else:  # not a cached view (/healthz), or a reader the cache does not serve (signed in, messages)
                    self.without_x_cache += 1
        return response


def hit_ratio(outcomes: Counter) -> float | None:
    """Answers from a stored copy, fresh or stale, among the answers of the page cache (None: no answer)."""
    served = outcomes["hit"] + outcomes["stale"]
    answered = sum(outcomes[k] for k in OUTCOMES)
    return round(served / answered, 4) if answered else None


def outcome_counts(outcomes: Counter) -> dict:
    """Every outcome, in OUTCOMES' order (zeros included), then any other X-Cache value seen."""
    return {k: outcomes[k] for k in [*OUTCOMES, *sorted(set(outcomes) - set(OUTCOMES))]}


def reading_paths(front_page: str) -> tuple[list[str], list[str]]:
    stories = sorted(set(re.findall(r'href="(/stories/[^"/]+/)"', front_page)))
    sections = sorted(set(re.findall(r'href="(/section/[^"/]+/)"', front_page)))
    return ["/", "/?page=2", "/feed/", "/search/?q=council", "/healthz", *sections, *stories], stories


def client(number, args, deadline, tally, stories, paths, min_seconds):
    rng = random.Random(args.seed * 1000 + number)  # noqa: S311 - traffic mix, not secrets
    reader_count = 0
    regular = Browser(args.port, source=f"127.{number + 1}.255.1")
    while time.monotonic() < deadline:
        if rng.random() >= args.opinion_share:
            tally.request(regular, "GET", rng.choice(paths))
            continue
        reader_count += 1
        # Most posts come from a new reader (address and cookies of its own); some from this client's
        # regular, and every eighth client is a pushy regular who runs into the rate limit.
        is_regular = number % 8 == 0 or rng.random() < 0.15
        reader = (
            regular
            if is_regular
            else Browser(args.port, source=f"127.{number + 1}.{reader_count // 250}.{reader_count % 250 + 2}")
        )
        story = rng.choice(stories)
        page = tally.request(reader, "GET", story)
        if page is None or page.status != 200:
            continue
        form = find_form(page.text, "body")
        if form is None:
            continue
        # A person reads before writing; the form's time is rounded up to the next second (stories.opinions).
        time.sleep(min_seconds + 1 + rng.uniform(0.1, 0.6))
        if time.monotonic() >= deadline:
            break
        text = f"{MARKER}{number}-{reader_count}-{uuid.uuid4().hex[:12]} I read this and have an opinion."
        data = {**form["fields"], "author_name": f"Soak reader {number}", "body": text}
        action = form["attrs"].get("action") or story
        sends = 2 if rng.random() < 0.1 else 1
        for _ in range(sends):
            answer = tally.request(reader, "POST", action, form=data)
            with tally.lock:
                if sends == 2:
                    tally.double_sends += 1
                if answer is None:
                    tally.unknown.add(text)
                elif answer.status == 303:
                    tally.acknowledged.add(text)
                elif answer.status < 500:
                    tally.refused[text] = answer.status
        if answer is not None and answer.status == 303 and time.monotonic() < deadline:
            # As a browser does: back to the story, which shows the thanks and so clears the messages cookie
            # (until then the page cache does not serve this reader).
            location = urlsplit(answer.headers.get("location") or story)
            tally.request(reader, "GET", f"{location.path}?{location.query}" if location.query else location.path)


def sign_in(desk, tally, admin: str) -> bool:
    """Log in to the admin as the moderator, through the login form (CSRF cookie and token)."""
    page = tally.desk(desk, "GET", f"{admin}login/")
    form = find_form(page.text, "username") if page is not None and page.status == 200 else None
    if form is None:
        tally.moderation_errors.append(f"no login form at {admin}login/ ({page and page.status})")
        return False
    data = {**form["fields"], "username": MODERATOR, "password": MODERATOR_PASSWORD}
    answer = tally.desk(desk, "POST", form["attrs"].get("action") or f"{admin}login/", form=data)
    if answer is None or answer.status != 302:
        tally.moderation_errors.append(f"login as {MODERATOR} answered {answer and answer.status}, not a redirect")
        return False
    return True


def approve_one(desk, tally, queue: str) -> None:
    """Approve the oldest pending soak opinion with the queue's "Approve" action, as a moderator would."""
    page = tally.desk(desk, "GET", queue)
    if page is None or page.status != 200:
        tally.moderation_errors.append(f"the queue answered {page and page.status}")
        return
    form = find_form(page.text, "action")
    # The rows' checkboxes, in the queue's order: oldest first.
    pending = re.findall(r'<input type="checkbox" name="_selected_action" value="([^"]+)"', page.text)
    if form is None or not pending:
        with tally.lock:
            tally.idle_turns += 1
        return
    chosen = pending[0]
    with tally.lock:
        tally.asked_to_approve.add(chosen)
    # The changelist form as the browser sends it: its fields, the action chosen, one row ticked, "Run" pressed.
    data = {**form["fields"], "action": "approve_selected", "_selected_action": chosen, "index": "0"}
    answer = tally.desk(desk, "POST", form["attrs"].get("action") or queue, form=data)
    if answer is None or answer.status != 302:
        tally.moderation_errors.append(f"approving {chosen} answered {answer and answer.status}, not a redirect")
        return
    shown = tally.desk(desk, "GET", answer.headers.get("location") or queue)
    if shown is None or APPROVED not in shown.text:
        tally.moderation_errors.append(f"approving {chosen}: no {APPROVED!r} message after the redirect")
        return
    with tally.lock:
        tally.approved.add(chosen)


def moderator(args, deadline, tally, admin: str) -> None:
    """Every --moderate-every seconds, approve one pending opinion that the soak's readers sent."""
    desk = Browser(args.port, source=MODERATOR_SOURCE)
    if not sign_in(desk, tally, admin):
        return
    # The queue shows pending opinions by default; the search keeps to the soak's own, so that every approval
    # can be checked against what is stored, and the demo's pending opinions are left as seeded.
    queue = f"{admin}stories/opinion/?{urlencode({'q': MARKER})}"
    turn = time.monotonic() + args.moderate_every
    while turn < deadline:
        time.sleep(max(0.0, turn - time.monotonic()))
        approve_one(desk, tally, queue)
        turn += args.moderate_every


def stored_statuses(env: dict) -> dict[str, str]:
    """The status of each of the soak's stored opinions, by primary key."""
    out = manage(
        env,
        "shell",
        "-c",
        "from stories.models import Opinion\n"
        f"for pk, status in Opinion.objects.filter(body__startswith={MARKER!r}).values_list('pk', 'status'):\n"
        "    print(f'STATUS:{pk}:{status}')",
    )
    return dict(line[7:].split(":", 1) for line in out.splitlines() if line.startswith("STATUS:"))


def redis_dbsize(port: int) -> int:
    import redis  # the client the site's cache uses; needed only with a Redis of our own

    return redis.Redis(port=port, socket_timeout=5).dbsize()


def run(args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-soak-"))
    database_url = args.database_url or f"sqlite:///{workdir / 'soak.sqlite3'}"
    redis = None
    cache_url = "locmemcache://newsroom"
    if args.redis_port and shutil.which("redis-server"):
        # The rate limit and page cache are shared by all workers only through Redis.
        redis = ThrowawayRedis(args.redis_port)
        redis.start()
        cache_url = redis.url
    elif args.redis_port:
        print(
            "redis-server is not installed: each worker caches pages in its own memory, so the hit ratio is not "
            "production's (scripts/ensure-redis installs it)",
            file=sys.stderr,
        )
    env = production_env(database_url, workdir / "static", CACHE_URL=cache_url)
    try:
        prepare_site(env)
    except BaseException:
        if redis:
            redis.stop()
        raise
    min_seconds = float(env.get("OPINION_MIN_SECONDS", 3.0))

    site = Site(env, args.port, workdir / "gunicorn.log", workers=args.workers, threads=args.threads)
    site.start()
    tally = Tally()
    try:
        args.port = site.port  # moved if another run held the port
        front = Browser(args.port).get("/")
        if front.status != 200:
            raise SystemExit(f"The front page answered {front.status}; see {workdir / 'gunicorn.log'}")
        paths, stories = reading_paths(front.text)
        if not stories:
            raise SystemExit("No published stories on the front page to read or discuss.")
        started = time.monotonic()
        deadline = started + args.duration
        threads = [
            threading.Thread(target=client, args=(n, args, deadline, tally, stories, paths, min_seconds))
            for n in range(args.clients)
        ]
        if args.moderate_every:
            admin = "/" + env.get("ADMIN_PATH", "admin/").strip("/") + "/"
            threads.append(threading.Thread(target=moderator, args=(args, deadline, tally, admin)))
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=args.duration + 120)
        elapsed = time.monotonic() - started
        # Keys the workers left in the throwaway Redis: the pages, the version and the rate limits were shared.
        redis_keys = redis_dbsize(redis.port) if redis else None
    finally:
        site.stop()
        if redis:
            redis.stop()

    stored = stored_opinions(env, prefix=MARKER)
    statuses = stored_statuses(env)
    approved_stored = {pk for pk, status in statuses.items() if status == "approved"}
    missing = sorted(tally.acknowledged - set(stored))
    duplicated = sorted(text for text, count in stored.items() if count > 1)
    stored_but_refused = sorted(set(stored) & set(tally.refused) - tally.acknowledged)
    unexplained = sorted(set(stored) - tally.acknowledged - tally.unknown)
    latencies = sorted(tally.latencies)
    problems = [*tally.server_errors, *tally.connection_errors, *tally.moderation_errors, *missing, *duplicated]
    return {
        "duration_s": round(elapsed, 1),
        "clients": args.clients,
        "database": "postgresql" if database_url.startswith("postgres") else "sqlite",
        "cache": "redis" if redis else "per-worker memory",
        "redis_keys_at_end": redis_keys,
        "requests": sum(tally.statuses.values()),
        "requests_per_s": round(sum(tally.statuses.values()) / elapsed, 1),
        "statuses": dict(sorted(tally.statuses.items())),
        "server_errors_5xx": len(tally.server_errors),
        "connection_errors": len(tally.connection_errors),
        "latency_p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "latency_p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1) if latencies else None,
        "latency_p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1) if latencies else None,
        "slowest_median_ms": {
            k: round(statistics.median(v) * 1000) for k, v in sorted(tally.by_path.items(), key=lambda kv: -max(kv[1]))
        },
        "hit_ratio": hit_ratio(tally.cache_outcomes),
        "cache_outcomes": outcome_counts(tally.cache_outcomes),
        "responses_without_x_cache": tally.without_x_cache,
        "hit_ratio_by_path": {k: hit_ratio(v) for k, v in sorted(tally.cache_by_path.items())},
        "opinions_acknowledged": len(tally.acknowledged),
        "opinions_stored": sum(stored.values()),
        "opinions_refused": dict(sorted(Counter(tally.refused.values()).items())),
        "opinions_unknown_outcome": len(tally.unknown),
        "double_sends": tally.double_sends,
        "moderate_every_s": args.moderate_every,
        "approvals": len(tally.approved),
        "moderation_idle_turns": tally.idle_turns,
        "moderation_errors": len(tally.moderation_errors),
        "moderator_requests": tally.desk_requests,
        "opinions_stored_by_status": dict(sorted(Counter(statuses.values()).items())),
        # Confirmed by the admin but not approved in the database, or approved without the moderator asking.
        "approved_but_not_stored": len(tally.approved - approved_stored),
        "stored_approved_unasked": len(approved_stored - tally.asked_to_approve),
        "acknowledged_but_missing": len(missing),
        "stored_more_than_once": len(duplicated),
        "stored_but_refused": len(stored_but_refused),
        "stored_unacknowledged": len(unexplained),
        "examples": problems[:5],
        "workdir": str(workdir),
    }


def healthy(figures: dict) -> bool:
    return (
        figures["server_errors_5xx"] == 0
        and figures["connection_errors"] == 0
        and figures["acknowledged_but_missing"] == 0
        and figures["stored_more_than_once"] == 0
        and figures["stored_but_refused"] == 0
        and figures["stored_unacknowledged"] == 0
        and figures["moderation_errors"] == 0
        and figures["approved_but_not_stored"] == 0
        and figures["stored_approved_unasked"] == 0
        and figures["opinions_acknowledged"] == figures["opinions_stored"]
    )


def main(argv=None) -> int:
    # Stopped from outside (SIGTERM, Ctrl-C): unwind, so the finally blocks stop gunicorn and Redis.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args = parse_args(argv)
    figures = run(args)
    if healthy(figures):
        shutil.rmtree(figures.pop("workdir"), ignore_errors=True)
    else:
        figures["log"] = str(Path(figures.pop("workdir")) / "gunicorn.log")  # kept for a look
    if args.json:
        print(json.dumps(figures))
    else:
        width = max(map(len, figures))
        for key, value in figures.items():
            print(f"{key:<{width}}  {value}")
        print("PASS" if healthy(figures) else "FAIL")
    return 0 if healthy(figures) else 1


if __name__ == "__main__":
    sys.exit(main())
