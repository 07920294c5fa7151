"""The servers around the site, each a real one of our own: a throwaway PostgreSQL cluster and its streaming
replica, PgBouncer, Varnish with the repository's VCL, a private Redis, and scratch databases on the shared
server.

Nothing here touches the shared Redis on 6379 or the data on the shared PostgreSQL on 5432: every server is
started in a temporary directory on its own port and stopped by the code that started it, and
`scratch_database` only adds a database of its own to the shared server and drops it again.
"""

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from harness.servers import ROOT, spare_port, wait_for_port


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin directory with initdb and pg_ctl, or None."""
    found = sorted(
        (Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin") if Path(p, "pg_ctl").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    return found[-1] if found else None


@contextlib.contextmanager
def scratch_database(prefix: str):
    """A new, empty database of our own on the shared PostgreSQL (5432), dropped afterwards; yields its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True, capture_output=True)
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", name],
            check=False,
            capture_output=True,
        )


class ThrowawayPostgres:
    """A PostgreSQL cluster of our own in a temporary directory (run as `postgres` when we are root).

    It listens on loopback and, given an `address` of this machine (a bridge's, `harness.hosts`), there too, for
    the hosts on that network; its `url` names that address.
    """

    def __init__(self, port: int, address: str = "127.0.0.1"):
        self.address = address
        self.bin = postgres_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        # Directly under the system temp dir: the `postgres` user must be able to reach it.
        self.directory = Path(tempfile.mkdtemp(prefix=f"newsroom-pg{port}-"))
        self.data = self.directory / "data"
        self.port = port
        self.url = f"postgres://postgres@{address}:{port}/newsroom"

    def _run(self, *args, check=True):
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if check and result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {result.stdout}{result.stderr}")
        return result

    def init(self) -> "ThrowawayPostgres":
        self.port = spare_port(self.port)
        self.url = f"postgres://postgres@{self.address}:{self.port}/newsroom"
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
            self.directory.chmod(0o700)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        if self.address != "127.0.0.1":  # the hosts on the bridge's network, as trusted as loopback here
            with open(self.data / "pg_hba.conf", "a") as rules:
                rules.write("host all all samenet trust\n")
        self.start()
        subprocess.run(
            [str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "newsroom"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        return self

    def start(self) -> None:
        listen = ",".join(dict.fromkeys(["127.0.0.1", self.address]))
        options = f"-p {self.port} -k {self.directory} -c listen_addresses={listen} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.directory / "log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def sql(self, statement: str) -> str:
        """Run one statement with psql on its `newsroom` database and return the unaligned output."""
        result = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "newsroom", "-Atc", statement],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return result.stdout.strip()


class ThrowawayReplica(ThrowawayPostgres):
    """A streaming replica of a `ThrowawayPostgres`, copied with pg_basebackup, on a port of its own."""

    def init(self, primary: ThrowawayPostgres) -> "ThrowawayReplica":
        self.port = spare_port(self.port)
        self.url = f"postgres://postgres@{self.address}:{self.port}/newsroom"
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
            self.directory.chmod(0o700)
        # -R writes standby.signal and the primary's address: it starts as a hot standby and streams.
        self._run(
            "pg_basebackup",
            *("-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"),
            *("-D", str(self.data), "-R", "-X", "stream", "--no-sync"),
        )
        self.start()
        return self


class ThrowawayPgBouncer:
    """Debian's PgBouncer in front of a `ThrowawayPostgres`, in session mode (run as `postgres` when we are root)."""

    def __init__(self, port: int, postgres: ThrowawayPostgres, pool_mode: str = "session", pool_size: int = 4):
        self.port, self.postgres, self.pool_mode, self.pool_size = port, postgres, pool_mode, pool_size
        self.address = postgres.address  # listens where its server does
        self.directory = Path(tempfile.mkdtemp(prefix=f"newsroom-pgbouncer{port}-"))
        self.process = None

    @property
    def url(self) -> str:
        return f"postgres://postgres@{self.address}:{self.port}/newsroom"

    def start(self) -> None:
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        if not Path(binary).exists():
            raise RuntimeError("pgbouncer is not installed (scripts/ensure-pgbouncer)")
        self.port = spare_port(self.port)
        (self.directory / "users.txt").write_text('"postgres" ""\n')
        listen = ",".join(dict.fromkeys(["127.0.0.1", self.address]))
        (self.directory / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"newsroom = host=127.0.0.1 port={self.postgres.port} dbname=newsroom\n"
            "[pgbouncer]\n"
            f"listen_addr = {listen}\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.directory / 'users.txt'}\nadmin_users = postgres\n"
            f"pool_mode = {self.pool_mode}\ndefault_pool_size = {self.pool_size}\nmax_client_conn = 200\n"
            # psycopg sends these at connect: PgBouncer passes them on instead of refusing the client.
            "ignore_startup_parameters = extra_float_digits,options\n"
            f"logfile = {self.directory / 'pgbouncer.log'}\n"
        )
        command = [binary, str(self.directory / "pgbouncer.ini")]
        if os.geteuid() == 0:  # PgBouncer refuses to run as root
            shutil.chown(self.directory, "postgres", "postgres")
            for path in self.directory.iterdir():
                shutil.chown(path, "postgres", "postgres")
            command = ["runuser", "-u", "postgres", "--", *command]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        wait_for_port(self.port, timeout=30)

    def admin(self, command: str) -> list[list[str]]:
        """A command on PgBouncer's admin console (SHOW SERVERS, …) as rows of text."""
        result = subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                "pgbouncer",
                "-AtF|",
                "-c",
                command,
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return [line.split("|") for line in result.stdout.splitlines()]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        self.process = None

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


class ThrowawayVarnish:
    """varnishd in front of app hosts, with the repository's VCL (deploy/varnish/newsroom.vcl).

    `backends` are the hosts' ports on loopback, or (address, port) pairs; it listens on loopback and on
    `address` too, where the app hosts send their purges, and lets loopback and `purgers` (a network) purge.
    """

    VCL = ROOT / "deploy" / "varnish" / "newsroom.vcl"

    def __init__(self, port: int, backends: list, address: str = "127.0.0.1", purgers: str | None = None):
        self.port, self.address, self.purgers = port, address, purgers
        self.backends = [backend if isinstance(backend, tuple) else ("127.0.0.1", backend) for backend in backends]
        self.directory = Path(tempfile.mkdtemp(prefix=f"newsroom-varnish{port}-"))
        self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _backends(self) -> str:
        lines = [
            "import directors;",
            'probe healthz { .url = "/healthz"; .interval = 0.5s; .timeout = 1s; .window = 2; .threshold = 1; }',
        ]
        for number, (host, port) in enumerate(self.backends):
            lines.append(
                f'backend app_{number} {{ .host = "{host}"; .port = "{port}"; .host_header = "localhost"; '
                ".probe = healthz; "
                f".connect_timeout = 1s; .first_byte_timeout = 30s; }}"
            )
        network = ""
        if self.purgers:
            address, bits = self.purgers.split("/")
            network = f' "{address}"/{bits};'
        lines.append(f'acl purgers {{ "127.0.0.1"; "::1";{network} }}')
        lines.append("sub vcl_init { new hosts = directors.round_robin();")
        lines += [f"  hosts.add_backend(app_{number});" for number in range(len(self.backends))]
        lines.append("}")
        return "\n".join(lines) + "\n"

    def start(self) -> None:
        varnishd = shutil.which("varnishd") or "/usr/sbin/varnishd"
        if not Path(varnishd).exists():
            raise RuntimeError("varnishd is not installed (scripts/ensure-varnish)")
        self.port = spare_port(self.port)
        (self.directory / "newsroom-backends.vcl").write_text(self._backends())
        command = [
            varnishd,
            "-F",
            *("-n", str(self.directory / "work")),
            *("-a", f"127.0.0.1:{self.port}"),
            *(("-a", f"{self.address}:{self.port}") if self.address != "127.0.0.1" else ()),
            *("-f", str(self.VCL)),
            *("-p", f"vcl_path={self.directory}:{self.VCL.parent}:/usr/share/varnish/vcl"),
            *("-s", "malloc,64m"),
            *("-T", "127.0.0.1:0"),
        ]
        if os.geteuid() == 0:
            command += ["-j", "none"]
        self.log = open(self.directory / "varnishd.log", "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_for_port(self.port, timeout=30)
        except TimeoutError:
            self.stop()
            raise RuntimeError(f"varnishd did not start: {self.output()[-2000:]}") from None

    def output(self) -> str:
        path = self.directory / "varnishd.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None
        if getattr(self, "log", None):
            self.log.close()

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


class ThrowawayRedis:
    """A redis-server of our own, in memory only, bounded as production's is (scripts/ensure-redis)."""

    # A full cache evicts the least recently used keys instead of refusing writes.
    maxmemory = "256mb"

    def __init__(self, port: int, address: str = "127.0.0.1"):
        self.port, self.address = port, address
        self.url = f"redis://{address}:{port}/0"
        self.process = None

    def start(self, attempts: int = 5) -> None:
        """Start on `port`, or on a spare one when another test process took it first."""
        server = shutil.which("redis-server")
        if server is None:
            raise RuntimeError("redis-server is not installed")
        for _ in range(attempts):
            self.port = spare_port(self.port)
            self.url = f"redis://{self.address}:{self.port}/0"
            self.process = subprocess.Popen(
                [
                    server,
                    *("--port", str(self.port), "--bind", *dict.fromkeys(["127.0.0.1", self.address])),
                    *("--save", "", "--appendonly", "no"),
                    # Reached by the hosts of a private bridge too (harness.hosts), as a shared Redis is.
                    *(("--protected-mode", "no") if self.address != "127.0.0.1" else ()),
                    *("--maxmemory", self.maxmemory, "--maxmemory-policy", "allkeys-lru"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if self._answering():
                return
            self.stop()
            self.port = 0  # taken between the check and the bind: let the system pick the next one
        raise RuntimeError(f"redis-server did not start after {attempts} attempts")

    def _answering(self) -> bool:
        """True once the server on our port is ours (not another test's that won the port)."""
        import redis

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                return redis.Redis(port=self.port, socket_timeout=1).info("server")["process_id"] == self.process.pid
            except redis.ConnectionError:
                time.sleep(0.05)
        return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@contextlib.contextmanager
def throwaway_redis(port: int, address: str = "127.0.0.1"):
    """A started `ThrowawayRedis` (the test is skipped where redis-server is not installed), stopped afterwards."""
    if shutil.which("redis-server") is None:
        import pytest  # only the test suite asks for one without knowing whether it can start

        pytest.skip("redis-server is not installed")
    server = ThrowawayRedis(port, address)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def redis_cache_settings(server: ThrowawayRedis) -> dict:
    """CACHES for Django's settings: the site's Redis backend on `server`, failing fast as production does."""
    return {
        "default": {
            "BACKEND": "newsroom.cache_backend.RedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
