"""A short soak under gunicorn with production settings: no 5xx, and every acknowledged opinion stored exactly once.

scripts/soak.py runs the full 60-second, 32-client version; this keeps the
script honest with a few seconds of the same traffic.
"""

import json
import os
import subprocess
import sys
import uuid

from tests.servers import ROOT


def test_a_short_soak_has_no_errors_and_loses_no_opinion(tmp_path):
    database_url = os.environ.get("DATABASE_URL", "")
    args = ["--duration", "8", "--clients", "8", "--port", "8155", "--workers", "2", "--json", "--opinion-share", "0.4"]
    if database_url.startswith(("postgres://", "postgresql://")):
        # A database of our own next to the test database, created and dropped here.
        name = f"newsroom_soak_{uuid.uuid4().hex[:8]}"
        base = database_url.rsplit("/", 1)[0]
        subprocess.run(["dropdb", "--if-exists", "--force", "-h", "127.0.0.1", "-U", "postgres", name], check=False)
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
        args += ["--database-url", f"{base}/{name}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_ALLOW")) and k != "DATABASE_URL"}
    try:
        result = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "soak.py"), *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        if "--database-url" in args:
            subprocess.run(["dropdb", "--if-exists", "--force", "-h", "127.0.0.1", "-U", "postgres", name], check=False)
    assert result.stdout.strip(), result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert result.returncode == 0, figures
    assert figures["requests"] > 0
    assert figures["server_errors_5xx"] == 0
    assert figures["connection_errors"] == 0
    assert figures["opinions_acknowledged"] > 0
    assert figures["opinions_acknowledged"] == figures["opinions_stored"]
    assert figures["stored_more_than_once"] == 0
