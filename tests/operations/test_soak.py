"""A short soak under gunicorn with production settings: no 5xx, every acknowledged opinion stored exactly once,
a moderator's approvals in the admin stored as approved, and the page cache's answers counted.

scripts/soak.py runs the full 60-second, 32-client version; this keeps the
script honest with a few seconds of the same traffic.
"""

import contextlib
import json

import pytest

from harness.engines import scratch_database
from harness.servers import ON_POSTGRES, child_env, run_script

pytestmark = pytest.mark.slow


def test_a_short_soak_has_no_errors_and_loses_no_opinion():
    args = ["--duration", "8", "--clients", "8", "--port", "8155", "--workers", "2", "--json", "--opinion-share", "0.4"]
    args += ["--moderate-every", "2"]  # turns at about 2, 4 and 6 s; the first opinions arrive after 3 s
    env = child_env()
    env.pop("DATABASE_URL", None)
    # On PostgreSQL, a database of our own next to the test database, created and dropped here.
    with scratch_database("newsroom_soak") if ON_POSTGRES else contextlib.nullcontext() as database_url:
        if database_url:
            args += ["--database-url", database_url]
        result = run_script(env, "scripts/soak.py", *args, timeout=600)
    assert result.stdout.strip(), result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert result.returncode == 0, figures
    assert figures["requests"] > 0
    assert figures["server_errors_5xx"] == 0
    assert figures["connection_errors"] == 0
    assert figures["opinions_acknowledged"] > 0
    assert figures["opinions_acknowledged"] == figures["opinions_stored"]
    assert figures["stored_more_than_once"] == 0
    assert figures["moderation_errors"] == 0
    assert figures["approvals"] >= 1
    assert figures["opinions_stored_by_status"]["approved"] == figures["approvals"]
    outcomes = figures["cache_outcomes"]
    assert outcomes["hit"] > 0
    assert figures["hit_ratio"] == round((outcomes["hit"] + outcomes["stale"]) / sum(outcomes.values()), 4)
