"""Real services started for a while and stopped again: a throwaway PostgreSQL cluster, a private Redis, the
site under gunicorn with production settings, and a small HTTP client that reads forms as a browser would.

Used by the test suite, the benchmark (`bench/`) and the soak (`scripts/soak.py`); it imports nothing of theirs.
"""
