"""`make stack`'s script starts the whole production stack on this machine and every part answers."""

import shutil
import subprocess

import pytest

from harness.engines import postgres_bin
from harness.servers import ON_POSTGRES, PYTHON, ROOT, child_env

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(not ON_POSTGRES, reason="runs in the PostgreSQL pass of the suite"),
    pytest.mark.skipif(
        not all(shutil.which(name) for name in ("varnishd", "pgbouncer", "redis-server")) or postgres_bin() is None,
        reason="the stack's servers are not installed",
    ),
]


def test_one_command_starts_every_part_and_readers_get_the_front_page_through_varnish():
    result = subprocess.run(
        [PYTHON, "scripts/stack.py", "--check", "--port", "8088"],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "Every part answered." in output
    for part in ("Varnish", "app host A", "app host B", "background worker", "PgBouncer", "replica", "Redis", "moto"):
        assert part in output
    assert "Stopping…" in output
