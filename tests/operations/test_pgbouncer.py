"""The site through Debian's PgBouncer (1.18) in session mode, with Django's own connection pool per process.

Reader pages rely on prepared statements. PgBouncer before 1.21 cannot keep them in transaction mode (the next
transaction may land on another server connection, where the statement does not exist); in session mode a
client keeps its server connection, so they work. These tests start a throwaway PostgreSQL, PgBouncer in
front of it (scripts/ensure-pgbouncer installs it) and the site under gunicorn with `DB_POOL=on`.
"""

import shutil

import psycopg
import pytest

from harness.engines import ThrowawayPgBouncer, ThrowawayPostgres, postgres_bin
from harness.servers import ON_POSTGRES, Browser, Site, prepare_site, production_env

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(not ON_POSTGRES, reason="runs in the PostgreSQL pass of the suite"),
    pytest.mark.skipif(shutil.which("pgbouncer") is None, reason="pgbouncer is not installed"),
]

POOL_SIZE = 4


@pytest.fixture(scope="module")
def bouncer():
    if postgres_bin() is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    postgres = ThrowawayPostgres(5446).init()
    bouncer = ThrowawayPgBouncer(6433, postgres, pool_size=POOL_SIZE)
    try:
        bouncer.start()
        yield bouncer
    finally:
        bouncer.destroy()
        postgres.destroy()


def test_prepared_statements_survive_from_one_transaction_to_the_next(bouncer):
    with psycopg.connect(bouncer.url.replace("postgres://", "postgresql://"), prepare_threshold=0) as connection:
        for _ in range(3):  # each in its own transaction, as Django's autocommit runs reader queries
            with connection.transaction():
                assert connection.execute("SELECT %s::int + 1", [41]).fetchone() == (42,)
        prepared = connection.execute("SELECT statement FROM pg_prepared_statements").fetchall()
    assert any("+ 1" in statement for (statement,) in prepared)


def test_the_site_serves_readers_through_pgbouncer_with_a_bounded_pool(bouncer, tmp_path):
    env = production_env(
        bouncer.url, tmp_path / "static", DB_POOL="on", DB_POOL_MIN="1", DB_POOL_MAX="2", CACHE_SECONDS="0"
    )
    prepare_site(env)
    site = Site(env, 8157, tmp_path / "site.log", workers=2, threads=4)
    site.start()
    try:
        reader = Browser(site.port, source="127.0.0.2")
        for number in range(40):
            path = ("/", "/section/city/", f"/search/?q=harbour+{number}", "/feed/atom/")[number % 4]
            response = reader.get(path)
            assert response.status == 200, (path, response.status, site.output()[-2000:])
        # Every server connection PgBouncer made for the site (type, user, database, …): never more than its pool.
        servers = [row for row in bouncer.admin("SHOW SERVERS") if row[2] == "newsroom"]
        assert 1 <= len(servers) <= POOL_SIZE
    finally:
        site.stop()
