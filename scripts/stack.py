#!/usr/bin/env python
"""The whole production stack on this machine, in one command, until Ctrl-C:

    make stack                                   # or: .venv/bin/python scripts/stack.py
    .venv/bin/python scripts/stack.py --check    # start it, read a page through each part, stop (exit 1 if not)

It starts, each on a loopback port of its own and in a temporary directory that is deleted afterwards:
a PostgreSQL primary and its streaming replica (`pg_basebackup -R`), PgBouncer in session mode, Redis (the page
cache, the replica's position), an S3-protocol server (moto) with a public-read bucket for uploads, two app hosts
under gunicorn with production settings (`DB_POOL`, `REPLICA_DATABASE_URL`, `TASKS_BACKEND=database`, `S3_*`,
`VARNISH_PURGE_URLS`), the background worker (`manage.py db_worker`), and Varnish with deploy/varnish/newsroom.vcl
over both hosts. The database gets the demo newsroom and its staff accounts (`seed_demo`).

The servers come from Debian's and PyPI's packages; `make stack` installs any that are missing first (scripts/
ensure-*). Readers and staff use Varnish's address; since no TLS proxy stands in front here, the stack turns the
HTTPS redirect off and is reached as http://localhost (browsers treat localhost as secure, so the secure cookies
still work). Nothing is kept: every run starts from the demo newsroom.
"""

import argparse
import json
import logging
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.engines import (  # noqa: E402
    ThrowawayPgBouncer,
    ThrowawayPostgres,
    ThrowawayRedis,
    ThrowawayReplica,
    ThrowawayVarnish,
    postgres_bin,
)
from harness.servers import PYTHON, Browser, Site, prepare_site, production_env, spare_port  # noqa: E402

BUCKET = "newsroom-media"
DEMO_PASSWORD = "newsroom-demo"  # noqa: S105 - seed_demo's demo accounts, printed on purpose
S3_KEYS = {"aws_access_key_id": "stack", "aws_secret_access_key": "stack-secret", "region_name": "us-east-1"}


def _object_storage(port: int):
    """moto's S3-protocol server with a bucket anyone may read (as the README asks of a production bucket)."""
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's server logs every request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, **S3_KEYS)
    client.create_bucket(Bucket=BUCKET)
    public_read = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}
        ],
    }
    client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(public_read))
    return server, endpoint


class Worker:
    """`manage.py db_worker` with the hosts' settings: runs the queued tasks (emails, renditions, imports)."""

    def __init__(self, env: dict, log_path: Path):
        self.env, self.log_path = env, log_path

    def start(self) -> None:
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 - the project's own command
            [PYTHON, "manage.py", "db_worker", "--interval", "1"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log.close()


def _say(message: str) -> None:
    print(message, flush=True)


def _healthy(front: Browser, seconds: float = 60) -> bool:
    """Whether Varnish's health probes find an app host within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if front.get("/healthz").status == 200:
            return True
        time.sleep(0.5)
    return False


def _check(ports: dict) -> list[str]:
    """Read the front page through Varnish twice (a miss, then a hit) and through each host; what failed."""
    problems = []
    front = Browser(ports["varnish"], behind_tls_proxy=False)
    first, second = front.get("/"), front.get("/")
    if first.status != 200 or "Newsroom" not in first.text:
        problems.append(f"the front page through Varnish answered {first.status}")
    if second.headers.get("x-varnish-cache") != "hit":
        problems.append(f"Varnish did not keep the front page ({second.headers.get('x-varnish-cache')})")
    for name in ("host A", "host B"):
        answer = Browser(ports[name], behind_tls_proxy=False).get("/healthz")
        if answer.status != 200:
            problems.append(f"{name}'s /healthz answered {answer.status}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8080, help="Varnish's port: the site's address (8080)")
    parser.add_argument("--check", action="store_true", help="start, read a page through every part, stop")
    args = parser.parse_args()
    if postgres_bin() is None:
        _say("PostgreSQL's server binaries are not installed (bash scripts/ensure-postgres).")
        return 1

    work = Path(tempfile.mkdtemp(prefix="newsroom-stack-"))
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    started: list = []  # what to stop, in reverse order

    try:
        primary = ThrowawayPostgres(5442).init()
        started.append(primary.destroy)
        replica = ThrowawayReplica(5443).init(primary)
        started.append(replica.destroy)
        bouncer = ThrowawayPgBouncer(6442, primary, pool_size=24)
        bouncer.start()
        started.append(bouncer.destroy)
        redis = ThrowawayRedis(6390)
        redis.start()
        started.append(redis.stop)
        storage, s3_endpoint = _object_storage(spare_port(5390))
        started.append(storage.stop)
        varnish_port = spare_port(args.port)
        env = production_env(
            bouncer.url,
            work / "static",
            ALLOWED_HOSTS="localhost,127.0.0.1",
            SECURE_SSL_REDIRECT="off",
            SECURE_HSTS_SECONDS="0",
            SITE_URL=f"http://localhost:{varnish_port}",
            LOG_LEVEL="INFO",
            CACHE_URL=redis.url,
            DB_POOL="on",
            DB_POOL_MAX="4",
            REPLICA_DATABASE_URL=replica.url,
            TASKS_BACKEND="database",
            S3_BUCKET=BUCKET,
            S3_ENDPOINT_URL=s3_endpoint,
            S3_REGION=S3_KEYS["region_name"],
            S3_ACCESS_KEY_ID=S3_KEYS["aws_access_key_id"],
            S3_SECRET_ACCESS_KEY=S3_KEYS["aws_secret_access_key"],
            S3_PUBLIC_URL=f"{s3_endpoint}/{BUCKET}",
            VARNISH_PURGE_URLS=f"http://127.0.0.1:{varnish_port}",
        )
        _say("Loading the demo newsroom into the primary…")
        prepare_site(env)
        hosts = [Site(env, port, work / f"host-{name}.log") for name, port in (("a", 8101), ("b", 8102))]
        for host in hosts:
            host.start()
            started.append(host.stop)
        worker = Worker(env, work / "worker.log")
        worker.start()
        started.append(worker.stop)
        varnish = ThrowawayVarnish(varnish_port, [host.port for host in hosts])
        varnish.start()
        started.append(varnish.destroy)
        ports = {"varnish": varnish.port, "host A": hosts[0].port, "host B": hosts[1].port}
        if not _healthy(Browser(varnish.port, behind_tls_proxy=False)):
            _say(f"Varnish found no healthy app host within a minute; see the logs in {work}.")
            return 1

        _say(
            f"""
  Newsroom is running at http://localhost:{varnish.port}/   (desk: http://localhost:{varnish.port}/admin/)
  Staff accounts: editor, writer, moderator (password: {DEMO_PASSWORD}).

    Varnish            127.0.0.1:{varnish.port}   (deploy/varnish/newsroom.vcl, xkey purges)
    app host A         127.0.0.1:{hosts[0].port}   gunicorn, 2 workers x 4 threads
    app host B         127.0.0.1:{hosts[1].port}
    background worker  manage.py db_worker
    PgBouncer          127.0.0.1:{bouncer.port}   session mode, before the primary
    PostgreSQL         127.0.0.1:{primary.port}   primary;  replica on 127.0.0.1:{replica.port}
    Redis              {redis.url}
    object storage     {s3_endpoint}/{BUCKET}   (moto)
  Logs: {work}
"""
        )
        if args.check:
            problems = _check(ports)
            for problem in problems:
                _say(f"  problem: {problem}")
            _say("  Every part answered." if not problems else "  Some parts did not answer.")
            return 1 if problems else 0
        _say("  Ctrl-C stops everything and deletes it.")
        try:
            while not stopping.wait(1):
                pass
        except KeyboardInterrupt:
            pass
        return 0
    finally:
        _say("Stopping…")
        for stop in reversed(started):
            try:
                stop()
            except Exception as error:  # stop the rest whatever one of them does
                _say(f"  (while stopping: {error})")
        time.sleep(0.2)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
