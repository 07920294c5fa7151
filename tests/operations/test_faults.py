"""The site against real services that fail: PostgreSQL stopped and restarted, Redis stopped and restarted.

Each test starts its own services (a throwaway PostgreSQL cluster on 5441, a
Redis on 6392) and the site under gunicorn with production settings in a
subprocess, never the shared ones. The PostgreSQL test runs in the PostgreSQL
pass of the suite (it needs pg_ctl); it is skipped only where the PostgreSQL
server binaries are not installed at all.
"""

import re
import time

import pytest
from redis import Redis

from harness.engines import ThrowawayPostgres, postgres_bin, throwaway_redis
from harness.forms import find_form
from harness.servers import ON_POSTGRES, Browser, Site, prepare_site, production_env, stored_opinions
from stories.management.commands.seed_demo import DEMO_PASSWORD

pytestmark = pytest.mark.slow

PG_PORT = 5441
REDIS_PORT = 6392
SITE_PORT = 8151
OPINION_WAIT = 1.0
# Long enough for the form to be accepted: the time in its token is rounded up to the next second (stories.opinions).
FORM_WAIT = OPINION_WAIT + 1.2

SEEN_BEFORE = "/stories/city-council-approves-new-tram-line-after-two-year-debate/"
FIRST_SEEN_DURING_OUTAGE = "/stories/harbour-bakery-reopens-a-year-after-the-flood/"


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    return tmp_path_factory.mktemp("static")


def _opinion_form(reader: Browser, story_path: str) -> tuple[str, dict]:
    page = reader.get(story_path)
    assert page.status == 200, page.status
    form = find_form(page.text, "body")
    assert form is not None, "the story page has no opinion form"
    return form["attrs"].get("action") or story_path, dict(form["fields"])


def _send_opinion(reader: Browser, action: str, fields: dict, text: str):
    return reader.post(action, {**fields, "author_name": "Fault tester", "body": text})


def _wait_until(check, timeout=45):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return False


def _assert_friendly_503(response, secrets=()):
    assert response.status == 503, response.status
    assert response.headers.get("retry-after", "").isdigit()
    html = response.text
    assert "Back in a moment" in html
    for leak in ("Traceback", "psycopg", "OperationalError", "postgres://", *secrets):
        assert leak not in html, leak


@pytest.fixture
def postgres():
    if postgres_bin() is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    cluster = ThrowawayPostgres(PG_PORT)
    cluster.init()
    yield cluster
    cluster.destroy()


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="runs in the PostgreSQL pass of the suite")
def test_postgres_outage_gives_friendly_503s_and_the_site_recovers_by_itself(postgres, static_root, tmp_path):
    env = production_env(postgres.url, static_root, OPINION_MIN_SECONDS=str(OPINION_WAIT), CONN_MAX_AGE="60")
    prepare_site(env)
    leaks = (f":{postgres.port}", f"port {postgres.port}")
    site = Site(env, SITE_PORT, tmp_path / "site.log")
    site.start()
    try:
        reader = Browser(site.port, source="127.0.0.2")
        assert reader.get("/healthz").status == 200
        assert reader.get("/").status == 200
        action, fields = _opinion_form(reader, SEEN_BEFORE)
        staff = Browser(site.port, source="127.0.0.5")
        login = find_form(staff.get("/admin/login/").text, "username")["fields"]
        signed_in = staff.post("/admin/login/", {**login, "username": "editor", "password": DEMO_PASSWORD})
        assert signed_in.status == 302, signed_in.status
        assert staff.get("/admin/").status == 200
        time.sleep(FORM_WAIT)
        pid = site.process.pid

        postgres.stop()

        health = reader.get("/healthz")
        assert health.status == 503
        assert "down" in health.text
        _assert_friendly_503(reader.get(FIRST_SEEN_DURING_OUTAGE), leaks)
        _assert_friendly_503(reader.get("/?page=2"), leaks)
        for path in ("/", SEEN_BEFORE):
            # A page kept in the cache may still be served; anything else is the friendly 503.
            response = reader.get(path)
            assert response.status in (200, 503)
            if response.status == 503:
                _assert_friendly_503(response, leaks)

        # Staff get the same page: signing in and a signed-in desk both need the database.
        _assert_friendly_503(staff.get("/admin/"), leaks)
        login_page = reader.get("/admin/login/")
        assert login_page.status in (200, 503)  # the form itself needs no database
        if login_page.status == 200:
            login = find_form(login_page.text, "username")["fields"]
            _assert_friendly_503(reader.post("/admin/login/", {**login, "username": "editor", "password": "x"}), leaks)

        refused = _send_opinion(reader, action, fields, "Sent while the database was down.")
        _assert_friendly_503(refused, leaks)
        assert "send it again" in refused.text

        postgres.start()

        assert _wait_until(lambda: reader.get("/healthz").status == 200), "the site did not recover"
        assert reader.get(FIRST_SEEN_DURING_OUTAGE).status == 200
        assert site.process.pid == pid and site.process.poll() is None  # recovered without a restart
        assert staff.get("/admin/").status == 200  # and the editor is still signed in

        action, fields = _opinion_form(reader, SEEN_BEFORE)
        time.sleep(FORM_WAIT)
        accepted = _send_opinion(reader, action, fields, "Sent after the database came back.")
        assert accepted.status == 303, accepted.status
        stored = stored_opinions(env)
        assert stored["Sent after the database came back."] == 1
        assert "Sent while the database was down." not in stored
    finally:
        site.stop()
    log = site.output()
    assert "Traceback" not in log, log[-3000:]


@pytest.fixture
def redis():
    with throwaway_redis(REDIS_PORT) as server:
        yield server


WARM = ["/", "/section/city/", SEEN_BEFORE, "/feed/"]


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="runs in the PostgreSQL pass of the suite")
def test_with_postgres_down_the_pages_redis_holds_are_still_served_and_stay_warm(
    postgres, redis, static_root, tmp_path
):
    """Once the remembered go-live time expired, the lookup's database query failed, that was taken for a cache
    failure, and every reader got the 503 page although Redis held their pages; the cache came back cold."""
    # Without the near cache every lookup goes to Redis (a near copy would spare the database anyway).
    env = production_env(postgres.url, static_root, CACHE_URL=redis.url, CACHE_NEAR_PAGES="0", CONN_MAX_AGE="60")
    prepare_site(env)
    site = Site(env, SITE_PORT, tmp_path / "site.log")
    site.start()
    try:
        reader = Browser(site.port, source="127.0.0.3")
        for path in WARM:
            reader.get(path)
            assert reader.get(path).headers.get("x-cache") == "hit", path

        postgres.stop()
        # The go-live time the cache remembers expires: the next lookup has to ask the database, which is away.
        Redis.from_url(redis.url).delete(":1:newsroom:next-go-live")
        for path in WARM:
            response = reader.get(path)
            assert (response.status, response.headers.get("x-cache")) == (200, "hit"), path
        _assert_friendly_503(reader.get(FIRST_SEEN_DURING_OUTAGE))  # never stored: it cannot be made

        postgres.start()
        assert _wait_until(lambda: reader.get("/healthz").status == 200), "the site did not recover"
        for path in WARM:  # still warm: nothing was purged for an outage that was not the cache's
            assert reader.get(path).headers.get("x-cache") == "hit", path
    finally:
        site.stop()
    log = site.output()
    assert "Traceback" not in log, log[-3000:]
    assert "Cache unavailable" not in log, log[-3000:]


def test_redis_outage_serves_uncached_pages_and_opinions_still_arrive(redis, static_root, tmp_path):
    database = tmp_path / "site.sqlite3"
    env = production_env(
        f"sqlite:///{database}",
        static_root,
        CACHE_URL=redis.url,
        OPINION_MIN_SECONDS=str(OPINION_WAIT),
        OPINION_RATE_LIMIT="2",
    )
    prepare_site(env)
    site = Site(env, SITE_PORT + 1, tmp_path / "site.log")
    site.start()
    try:
        reader = Browser(site.port, source="127.0.0.3")
        for path in ("/", SEEN_BEFORE, "/healthz"):
            assert reader.get(path).status == 200, path
        # With Redis up, the rate limit holds: the third opinion within the window is refused.
        answers = []
        for n in range(3):
            action, fields = _opinion_form(reader, SEEN_BEFORE)
            time.sleep(FORM_WAIT)
            answers.append(_send_opinion(reader, action, fields, f"Opinion {n} with the cache up.").status)
        assert answers == [303, 303, 429]

        redis.stop()

        for path in ("/", SEEN_BEFORE, FIRST_SEEN_DURING_OUTAGE, "/healthz", "/?page=2"):
            response = reader.get(path)
            assert response.status in (200, 404), (path, response.status)
        # The limit cannot be counted without the cache: opinions are held for moderators, not lost.
        other = Browser(site.port, source="127.0.0.4")
        action, fields = _opinion_form(other, SEEN_BEFORE)
        time.sleep(FORM_WAIT)
        assert _send_opinion(other, action, fields, "Sent while the cache was down.").status == 303

        redis.start()

        assert _wait_until(lambda: reader.get(FIRST_SEEN_DURING_OUTAGE).status == 200)
        action, fields = _opinion_form(reader, SEEN_BEFORE)
        time.sleep(FORM_WAIT)
        assert _send_opinion(reader, action, fields, "Sent after the cache came back.").status in (303, 429)
        assert site.process.poll() is None
    finally:
        site.stop()
    stored = stored_opinions(env)
    assert stored["Sent while the cache was down."] == 1
    assert stored["Opinion 0 with the cache up."] == stored["Opinion 1 with the cache up."] == 1
    assert "Opinion 2 with the cache up." not in stored
    after = stored.get("Sent after the cache came back.", 0)
    assert after in (0, 1)
    log = site.output()
    assert "Traceback" not in log, log[-3000:]
    assert not re.search(r"\b50[0-9]\b.*GET", log)
