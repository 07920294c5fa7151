"""Readers on a real streaming replica: lag, a purge, the replica going down and coming back.

A throwaway PostgreSQL primary (5443), its streaming replica made with pg_basebackup (5444), a Redis of
our own (6394) and the site under gunicorn with production settings and `REPLICA_DATABASE_URL`. The
replica's replay is paused to make it lag for as long as the test needs.
"""

import time

import pytest

from harness.engines import ThrowawayPostgres, ThrowawayReplica, postgres_bin, throwaway_redis
from harness.forms import find_form
from harness.servers import ON_POSTGRES, Browser, Site, manage, prepare_site, production_env
from stories.management.commands.seed_demo import DEMO_PASSWORD

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(not ON_POSTGRES, reason="runs in the PostgreSQL pass of the suite"),
]

STORY = "/stories/harbour-bakery-reopens-a-year-after-the-flood/"
HEADLINE = "Harbour bakery reopens a year after the flood"
READER_CONNECTIONS = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'newsroom-reader'"


def _wait_until(check, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def _caught_up(primary, replica) -> bool:
    wanted = primary.sql("SELECT pg_current_wal_lsn()")
    return replica.sql(f"SELECT pg_last_wal_replay_lsn() >= '{wanted}'::pg_lsn") == "t"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if postgres_bin() is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) are not installed")
    work = tmp_path_factory.mktemp("replica")
    primary = ThrowawayPostgres(5443).init()
    replica = ThrowawayReplica(5444).init(primary)
    try:
        with throwaway_redis(6394) as redis:
            env = production_env(
                primary.url,
                work / "static",
                REPLICA_DATABASE_URL=replica.url,
                REPLICA_RETRY_SECONDS="1",
                CACHE_URL=redis.url,
                CACHE_NEAR_PAGES="0",
            )
            prepare_site(env)
            assert _wait_until(lambda: _caught_up(primary, replica)), "the replica did not catch up"
            site = Site(env, 8153, work / "site.log")
            site.start()
            try:
                yield primary, replica, site, env
            finally:
                site.stop()
    finally:
        replica.destroy()
        primary.destroy()


def test_readers_read_from_the_replica_and_staff_from_the_primary(stack):
    primary, replica, site, _env = stack
    reader = Browser(site.port, source="127.0.0.2")
    for path in ("/", STORY, "/search/?q=bakery"):
        assert reader.get(path).status == 200, path
    # Reader connections are the replica's alone: the primary never saw one.
    assert int(replica.sql(READER_CONNECTIONS)) >= 1
    assert primary.sql(READER_CONNECTIONS) == "0"

    staff = Browser(site.port, source="127.0.0.5")
    login = find_form(staff.get("/admin/login/").text, "username")["fields"]
    signed_in = staff.post("/admin/login/", {**login, "username": "editor", "password": DEMO_PASSWORD})
    assert signed_in.status == 302, signed_in.status
    replica.sql("SELECT pg_wal_replay_pause()")
    try:
        # A write the replica has not replayed, made without a purge (an update() sends no signal).
        manage(
            _env,
            "shell",
            "-c",
            "from stories.models import Story\n"
            "Story.objects.filter(title__startswith='Harbour bakery').update(title='Harbour bakery: lag check')",
        )
        assert replica.sql("SELECT count(*) FROM stories_story WHERE title = 'Harbour bakery: lag check'") == "0"
        # A reader's page never rendered before is read from the replica: the old headline.
        found = reader.get("/search/?q=harbour+bakery")
        assert found.status == 200 and "reopens a year after the flood" in found.text and "lag check" not in found.text
        # Staff read their desk from the primary and see the write at once.
        desk = staff.get("/admin/stories/story/?q=Harbour+bakery")
        assert desk.status == 200 and "Harbour bakery: lag check" in desk.text
    finally:
        manage(
            _env,
            "shell",
            "-c",
            "from stories.models import Story\n"
            f"Story.objects.filter(title__startswith='Harbour bakery').update(title={HEADLINE!r})",
        )
        replica.sql("SELECT pg_wal_replay_resume()")


def test_a_reader_never_gets_a_page_older_than_the_purge_from_a_lagging_replica(stack):
    primary, replica, site, env = stack
    reader = Browser(site.port, source="127.0.0.3")
    assert _wait_until(lambda: _caught_up(primary, replica))
    assert reader.get(STORY).status == 200
    assert HEADLINE in reader.get("/").text

    replica.sql("SELECT pg_wal_replay_pause()")
    try:
        # An editor unpublishes the story; the workflow purges its pages after the commit.
        manage(
            env,
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model\n"
            "from stories.models import Story\n"
            "from stories.workflow import unpublish\n"
            "story = Story.objects.get(title__startswith='Harbour bakery')\n"
            "unpublish(story, get_user_model().objects.get(username='editor'), 'Checking the replica')",
        )
        # The replica still has it published: a page read there would bring it back.
        assert replica.sql("SELECT status FROM stories_story WHERE title LIKE 'Harbour bakery%'") == "published"
        for _ in range(4):  # both workers, whatever each had cached
            assert reader.get(STORY).status == 404
            assert HEADLINE not in reader.get("/").text
            assert HEADLINE not in reader.get("/search/?q=bakery").text
    finally:
        replica.sql("SELECT pg_wal_replay_resume()")
    assert _wait_until(lambda: _caught_up(primary, replica))
    assert reader.get(STORY).status == 404


def test_readers_fall_back_to_the_primary_while_the_replica_is_down(stack):
    primary, replica, site, _env = stack
    reader = Browser(site.port, source="127.0.0.4")
    replica.stop()
    try:
        # Pages never cached (each search is new) need a database: every one is served, none is a 503.
        for number in range(12):
            response = reader.get(f"/search/?q=council+{number}")
            assert response.status == 200, (number, response.status)
        assert reader.get("/healthz").status == 200
    finally:
        replica.start()
    assert _wait_until(lambda: _caught_up(primary, replica))

    # Back again after REPLICA_RETRY_SECONDS: readers' reads return to it.
    def reads_on_replica():
        reader.get(f"/search/?q=harbour+{time.monotonic_ns()}")
        return int(replica.sql(READER_CONNECTIONS)) >= 1

    assert _wait_until(reads_on_replica, timeout=20)
