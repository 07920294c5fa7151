"""The site itself under gunicorn with production settings, its environment and commands, and a small HTTP
client, for the fault, soak, backup and scale tests (the servers around it are in `harness.engines`)."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from email.utils import parsedate_to_datetime
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
SECRET = "throwaway-secret-for-local-fault-and-soak-runs-0123456789-abcdefghijkl"

# The test run itself is on PostgreSQL (the PostgreSQL pass of the suite).
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))

# What an operator sets in production, for `run_manage` (checks and settings read in a child process).
PRODUCTION_ENV = {
    "DEBUG": "off",
    "SECRET_KEY": "x" * 20 + "-production-secret-for-the-deploy-check-0123456789",
    "ALLOWED_HOSTS": "news.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://news.example.com",
    "SITE_URL": "https://news.example.com",
    "EMAIL_URL": "smtp+tls://newsroom:mail-password@smtp.example.com:587",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
}


def wait_for_port(port: int, host: str = "127.0.0.1", timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"port {port} did not open within {timeout}s")


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As servers do: connections still in TIME_WAIT from a server we stopped do not count.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def spare_port(preferred: int) -> int:
    """`preferred` if free, else (or for 0) a free port the system picks (another test run holds ours)."""
    if preferred and port_is_free(preferred):
        return preferred
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def child_env(**extra) -> dict:
    """This process's environment for a child process, without pytest's variables, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_ALLOW"))}
    env.update(extra)
    return env


def production_env(database_url: str, static_root: Path, **extra) -> dict:
    """What an operator sets in production (DEBUG off, HTTPS assumed behind a proxy), on loopback."""
    env = child_env()
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "DEBUG": "off",
            "SECRET_KEY": SECRET,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": database_url,
            "CACHE_URL": "locmemcache://newsroom",
            "STATIC_ROOT": str(static_root),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def run_script(env: dict, script: str, *args, timeout=300) -> subprocess.CompletedProcess:
    """Run one of the project's Python scripts (a path from the repository root) and capture its output."""
    return subprocess.run(
        [PYTHON, str(ROOT / script), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def manage(env: dict, *args, timeout=300) -> str:
    result = run_script(env, "manage.py", *args, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def run_manage(*args, env_extra: dict) -> subprocess.CompletedProcess:
    """manage.py in a clean environment plus `env_extra`: none of the test run's database or production settings.

    Nothing from the test run either: the browser harness sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright,
    which production must never have.
    """
    env = {k: v for k, v in child_env().items() if k not in PRODUCTION_ENV and k != "DATABASE_URL"}
    env.update(env_extra)
    return run_script(env, "manage.py", *args, timeout=120)


def stored_opinions(env: dict, prefix: str = "") -> Counter:
    """How many times each opinion text is stored in the site's database (texts starting with `prefix`)."""
    out = manage(
        env,
        "shell",
        "-c",
        "from stories.models import Opinion\n"
        f"for body in Opinion.objects.filter(body__startswith={prefix!r}).values_list('body', flat=True):\n"
        "    print('OPINION:' + body)",
    )
    return Counter(line[8:] for line in out.splitlines() if line.startswith("OPINION:"))


def prepare_site(env: dict) -> None:
    """Migrate, collect static files and load the demo newsroom (published stories, staff accounts)."""
    manage(env, "migrate", "--noinput")
    if not Path(env["STATIC_ROOT"], "staticfiles.json").exists():
        manage(env, "collectstatic", "--noinput")
    manage(env, "seed_demo")


class Site:
    """The site under gunicorn with production settings; `log` collects its output.

    On loopback by default; on a host of a `harness.hosts.HostNetwork`, given its `address` and the command
    prefix that runs a program there (`run_in`).
    """

    def __init__(
        self,
        env: dict,
        port: int,
        log_path: Path,
        workers: int = 2,
        threads: int = 4,
        address: str = "127.0.0.1",
        run_in: list[str] | None = None,
    ):
        self.env, self.port, self.log_path = env, port, Path(log_path)
        self.workers, self.threads = workers, threads
        self.address, self.run_in = address, run_in or []
        self.process = None

    def start(self) -> None:
        """Start gunicorn; on loopback, `port` may move to a spare one if another run holds it."""
        if not self.run_in:  # a host of its own has every port free
            self.port = spare_port(self.port)
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                *self.run_in,
                GUNICORN,
                "newsroom.wsgi",
                "--bind",
                f"{self.address}:{self.port}",
                "--workers",
                str(self.workers),
                "--threads",
                str(self.threads),
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
                "--backlog",
                "256",
                # The default control socket is one path per user: two servers would fight over it.
                "--no-control-socket",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for_port(self.port, host=self.address, timeout=60)
        time.sleep(0.5)
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited at start:\n{self.output()[-2000:]}")

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

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class Response:
    def __init__(self, status: int, headers: dict, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def _deletes(morsel) -> bool:
    """True for a Set-Cookie that deletes its cookie (Max-Age 0 or less, or an Expires in the past), as
    Django's delete_cookie sends: a browser then forgets it, instead of sending it on with an empty value."""
    max_age = morsel["max-age"]
    if max_age:
        try:
            return int(max_age) <= 0
        except ValueError:
            pass
    if morsel["expires"]:
        try:
            return parsedate_to_datetime(morsel["expires"]).timestamp() <= time.time()
        except (TypeError, ValueError):
            return False
    return False


class Browser:
    """One reader: its own cookies and, optionally, its own loopback address (127.x.y.z).

    Every request says it came through the TLS proxy (X-Forwarded-Proto: https),
    as production traffic does, so secure cookies and CSRF's origin checks apply.
    A form is sent with the page's Origin, as a browser sends it: the opinion form
    has no CSRF token and is checked by that origin alone (stories.crossorigin).
    """

    def __init__(
        self,
        port: int,
        source: str | None = None,
        timeout: float = 30,
        behind_tls_proxy: bool = True,
        host: str = "127.0.0.1",
    ):
        self.port, self.source, self.timeout, self.host = port, source, timeout, host
        self.scheme = "https" if behind_tls_proxy else "http"
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None) -> Response:
        path = path.split("#", 1)[0]  # a fragment stays in the browser
        connection = http.client.HTTPConnection(
            self.host, self.port, timeout=self.timeout, source_address=(self.source, 0) if self.source else None
        )
        sent = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": self.scheme,
            "Connection": "close",
            "User-Agent": "newsroom-tests",
        }
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Origin"] = f"{self.scheme}://127.0.0.1:{self.port}"
            sent["Referer"] = f"{self.scheme}://127.0.0.1:{self.port}{path}"
        sent.update(headers or {})
        try:
            connection.request(method, path, body=body, headers=sent)
            raw = connection.getresponse()
            data = raw.read()
            headers_out = {k.lower(): v for k, v in raw.getheaders()}
            for value in raw.headers.get_all("Set-Cookie") or []:
                jar = SimpleCookie()
                jar.load(value)
                for name, morsel in jar.items():
                    if _deletes(morsel):
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            return Response(raw.status, headers_out, data)
        finally:
            connection.close()

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, form: dict, **kwargs) -> Response:
        return self.request("POST", path, form=form, **kwargs)
