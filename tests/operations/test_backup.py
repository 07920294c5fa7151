"""Backup and restore keep every row: scripts/backup round trips on SQLite and on PostgreSQL; a restore purges the
cached pages."""

import json

import pytest

from harness.engines import scratch_database
from harness.servers import ON_POSTGRES, child_env, manage, run_script

pytestmark = pytest.mark.slow

# Every table, every row: a count and a digest of the rows in primary-key order.
SNAPSHOT = """
import hashlib, json
from django.db import connection
out = {}
with connection.cursor() as cursor:
    for table in sorted(connection.introspection.table_names()):
        cursor.execute(f'SELECT * FROM "{table}"')
        rows = sorted(repr(tuple(str(v) for v in row)) for row in cursor.fetchall())
        out[table] = [len(rows), hashlib.sha256("\\n".join(rows).encode()).hexdigest()]
print("SNAPSHOT" + json.dumps(out))
"""

ADD_READER_CONTENT = """
from stories.models import Opinion, Story
story = Story.objects.published().first()
for n in range(25):
    Opinion.objects.create(
        story=story, author_name=f"Reader {n}", body=f"Opinion number {n} \\u00e9\\u202e \\U0001F68B"
    )
"""


def _env(database_url):
    return child_env(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="newsroom.settings", LOG_LEVEL="WARNING")


def _snapshot(env) -> dict:
    out = manage(env, "shell", "-c", SNAPSHOT)
    return json.loads(next(line for line in out.splitlines() if line.startswith("SNAPSHOT"))[8:])


def _backup(env, *args):
    result = run_script(env, "scripts/backup", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _populate(env):
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    manage(env, "shell", "-c", ADD_READER_CONTENT)


def _round_trip(source_env, target_env, backup_file):
    before = _snapshot(source_env)
    assert before["stories_story"][0] >= 2 and before["stories_opinion"][0] >= 25
    assert before["auth_user"][0] >= 4 and before["stories_storytransition"][0] >= 4

    _backup(source_env, "create", str(backup_file))
    assert "readable" in _backup(source_env, "verify", str(backup_file))

    # Damage the original: the restore has to bring every row back.
    manage(source_env, "shell", "-c", "from stories.models import Story; Story.objects.all().delete()")
    assert _snapshot(source_env)["stories_story"][0] == 0
    _backup(source_env, "restore", str(backup_file))
    assert _snapshot(source_env) == before

    # And into an empty database elsewhere (a new server).
    _backup(target_env, "restore", str(backup_file))
    assert _snapshot(target_env) == before


def test_sqlite_backup_and_restore_keep_every_row(tmp_path):
    source = _env(f"sqlite:///{tmp_path / 'live.sqlite3'}")
    target = _env(f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}")
    _populate(source)
    _round_trip(source, target, tmp_path / "newsroom.sqlite3")


def test_a_damaged_backup_is_refused_before_anything_is_replaced(tmp_path):
    env = _env(f"sqlite:///{tmp_path / 'live.sqlite3'}")
    manage(env, "migrate", "--noinput")
    before = _snapshot(env)
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"not a database at all" * 100)
    result = run_script(env, "scripts/backup", "restore", str(broken), timeout=120)
    assert result.returncode != 0
    assert "not an SQLite database" in result.stderr
    assert _snapshot(env) == before


@pytest.fixture
def postgres_databases():
    with scratch_database("newsroom_backup") as source, scratch_database("newsroom_backup") as target:
        yield [source, target]


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="runs in the PostgreSQL pass of the suite")
def test_postgres_backup_and_restore_keep_every_row(tmp_path, postgres_databases):
    source, target = (_env(url) for url in postgres_databases)
    _populate(source)
    _round_trip(source, target, tmp_path / "newsroom.dump")


REDIS_PORT = 8158  # private_redis's


@pytest.mark.django_db
def test_a_restore_purges_every_cached_page(tmp_path, client, private_redis):
    """The restore's rows send no signal: without a purge, a story the backup holds in review stayed public
    for the pages' whole lifetime."""
    from tests.factories import StoryFactory

    story = StoryFactory(published=True, title="Council approves the eastern tram line")
    for url in ["/", story.get_absolute_url()]:
        client.get(url)
        assert client.get(url)["X-Cache"] == "hit"  # stored in the Redis the restore will reach

    env = _env(f"sqlite:///{tmp_path / 'live.sqlite3'}")
    manage(env, "migrate", "--noinput")
    _backup(env, "create", str(tmp_path / "newsroom.sqlite3"))
    env["CACHE_URL"] = private_redis.url
    assert "Purged every cached public page" in _backup(env, "restore", str(tmp_path / "newsroom.sqlite3"))

    for url in ["/", story.get_absolute_url()]:
        assert client.get(url)["X-Cache"] == "miss", url
