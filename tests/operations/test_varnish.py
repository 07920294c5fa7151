"""Varnish in front of the site: readers' pages served from it, purged by surrogate key after a change, staff
passed through, and stale pages served while the app is down.

Debian's varnishd with the xkey module (scripts/ensure-varnish) runs deploy/varnish/newsroom.vcl in front of
the site under gunicorn with production settings, a Redis of our own and a scratch database.
"""

import shutil
import time

import pytest

from harness.engines import ThrowawayVarnish, scratch_database, throwaway_redis
from harness.forms import find_form
from harness.servers import ON_POSTGRES, Browser, Site, manage, prepare_site, production_env, spare_port
from stories.management.commands.seed_demo import DEMO_PASSWORD

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(not ON_POSTGRES, reason="runs in the PostgreSQL pass of the suite"),
    pytest.mark.skipif(shutil.which("varnishd") is None, reason="varnishd is not installed (scripts/ensure-varnish)"),
]

HEADLINE = "Harbour bakery reopens a year after the flood"
MAX_AGE = (
    20  # seconds a page stays fresh in Varnish here (PUBLIC_MAX_AGE): longer than a change takes, short to outwait
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    work = tmp_path_factory.mktemp("varnish")
    site_port, varnish_port = spare_port(8155), spare_port(6091)
    with scratch_database("newsroom_varnish") as database, throwaway_redis(6395) as redis:
        env = production_env(
            database,
            work / "static",
            CACHE_URL=redis.url,
            VARNISH_PURGE_URLS=f"http://127.0.0.1:{varnish_port}",
            PUBLIC_MAX_AGE=str(MAX_AGE),
        )
        prepare_site(env)
        site = Site(env, site_port, work / "site.log")
        site.start()
        varnish = ThrowawayVarnish(varnish_port, [site.port])
        try:
            varnish.start()
            assert varnish.port == varnish_port, "another process took the purge address"
            assert _until(lambda: Browser(varnish.port).get("/healthz").status == 200), "the probe never passed"
            yield site, varnish, env
        finally:
            varnish.destroy()
            site.stop()


def _until(check, timeout=20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def _cache(response) -> str:
    return response.headers.get("x-varnish-cache", "")


def test_readers_pages_come_from_varnish_and_a_change_purges_them_at_once(stack):
    _site, varnish, env = stack
    reader = Browser(varnish.port, source="127.0.0.2")
    first = reader.get("/section/business/")
    assert first.status == 200 and _cache(first) == "miss"
    again = reader.get("/section/business/")
    assert _cache(again) == "hit" and again.body == first.body
    assert "surrogate-key" not in again.headers and "xkey" not in again.headers  # the keys stay inside
    home = reader.get("/")
    assert HEADLINE in home.text
    assert _cache(reader.get("/")) == "hit"

    manage(
        env,
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model\n"
        "from stories.models import Story\n"
        "from stories.workflow import unpublish\n"
        "story = Story.objects.get(title__startswith='Harbour bakery')\n"
        "unpublish(story, get_user_model().objects.get(username='editor'), 'Checking Varnish')",
    )
    # Well within its max-age, the front page is fetched again: the story is gone.
    after = reader.get("/")
    assert _cache(after) == "miss"
    assert HEADLINE not in after.text
    assert HEADLINE not in reader.get("/section/business/").text  # its section's page, cached before, too


def test_staff_and_forms_pass_through(stack):
    _site, varnish, _env = stack
    staff = Browser(varnish.port, source="127.0.0.5")
    login = find_form(staff.get("/admin/login/").text, "username")["fields"]
    signed_in = staff.post("/admin/login/", {**login, "username": "editor", "password": DEMO_PASSWORD})
    assert signed_in.status == 302, signed_in.status
    assert _cache(signed_in) == "pass"
    for _ in range(2):
        desk = staff.get("/admin/")
        assert desk.status == 200 and _cache(desk) == "pass"
        assert _cache(staff.get("/")) == "pass"  # staff see the site as it is, never a reader's copy


def test_while_the_app_is_down_readers_get_the_pages_varnish_holds(stack):
    site, varnish, _env = stack
    reader = Browser(varnish.port, source="127.0.0.3")
    kept = reader.get("/section/city/")
    assert kept.status == 200
    assert _cache(reader.get("/section/city/")) == "hit"
    site.stop()
    try:
        time.sleep(MAX_AGE + 2)  # past its max-age, and the health probe has seen the app gone
        stale = reader.get("/section/city/")
        assert stale.status == 200 and stale.body == kept.body
        never_seen = reader.get("/search/?q=never+asked+before")
        assert never_seen.status == 503
    finally:
        site.start()
