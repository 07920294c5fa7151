"""Production settings plus one bench-only URL: the bare-Django ceiling. Never used by the site itself."""

from newsroom.settings import *  # noqa: F403 (the benchmark measures the real configuration)

ROOT_URLCONF = "bench.urls"
