"""The WSGI entry point the servers load (gunicorn newsroom.wsgi): what it leaves the process with."""

import json
import subprocess

from harness.servers import PYTHON, ROOT, child_env

PROBE = """
import gc, json
import newsroom.wsgi
app = callable(newsroom.wsgi.application)
print(json.dumps({"frozen": gc.get_freeze_count(), "collecting": gc.isenabled(), "app": app}))
"""


def test_what_loading_the_site_made_is_out_of_the_garbage_collectors_sight_and_it_still_collects():
    result = subprocess.run(
        [PYTHON, "-c", PROBE], cwd=ROOT, env=child_env(), capture_output=True, text=True, check=True
    )
    loaded = json.loads(result.stdout.splitlines()[-1])

    # Django, the apps and their modules: tens of thousands of objects a full collection no longer walks.
    assert loaded["frozen"] > 20_000
    assert loaded["collecting"] and loaded["app"]
