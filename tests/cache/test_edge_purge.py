"""What the shared caches in front are told: surrogate keys on public pages, and purges shaped as Varnish's xkey
and Fastly's API expect them (a local stand-in records the requests; the real Varnish is in
tests/operations/test_varnish.py)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from newsroom import edge
from tests.factories import SectionFactory, StoryFactory

pytestmark = pytest.mark.django_db


class Recorder(BaseHTTPRequestHandler):
    seen: list = []

    def _record(self):
        Recorder.seen.append((self.command, self.path, dict(self.headers)))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_PURGE = do_POST = _record

    def log_message(self, *args):
        pass


@pytest.fixture
def stand_in():
    Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_public_pages_carry_their_scopes_as_surrogate_keys(client):
    story = StoryFactory(published=True, section=SectionFactory(name="City", slug="city"))
    client.get(story.get_absolute_url())  # the story page carries a reader's token: never shared, no keys
    section = client.get("/section/city/")
    keys = section["Surrogate-Key"].split()
    assert {"section-city", "all"} <= set(keys)
    assert client.get("/section/city/")["Surrogate-Key"] == section["Surrogate-Key"]  # from the cache too


def test_staff_pages_carry_no_surrogate_keys(client, editor):
    StoryFactory(published=True, section=SectionFactory(name="City", slug="city"))
    client.force_login(editor)
    assert "Surrogate-Key" not in client.get("/section/city/")
    assert "Surrogate-Key" not in client.get("/admin/")


def test_varnish_is_sent_a_purge_by_key(stand_in, settings):
    settings.VARNISH_PURGE_URLS = [stand_in, stand_in]  # two Varnish servers: each is told
    edge.purge_varnish(["lists", "story-7"])
    assert [(method, path, headers["xkey-purge"]) for method, path, headers in Recorder.seen] == [
        ("PURGE", "/", "lists story-7")
    ] * 2


def test_fastly_is_sent_its_purge_api_request(stand_in, settings):
    settings.FASTLY_API_URL, settings.FASTLY_SERVICE_ID, settings.FASTLY_API_TOKEN = stand_in, "SVC123", "tok"
    edge.purge_fastly(["lists", "story-7"])
    ((method, path, headers),) = Recorder.seen
    assert (method, path) == ("POST", "/service/SVC123/purge")
    assert headers["Surrogate-Key"] == "lists story-7" and headers["Fastly-Key"] == "tok"


def test_a_cache_that_does_not_answer_is_logged_and_skipped(settings, caplog):
    settings.VARNISH_PURGE_URLS = ["http://127.0.0.1:9"]  # nothing listens on the discard port
    edge.purge_varnish(["lists"])
    assert "Could not purge the shared cache at 127.0.0.1:9" in caplog.text


def test_the_settings_choose_the_senders(settings):
    settings.VARNISH_PURGE_URLS, settings.FASTLY_SERVICE_ID, settings.FASTLY_API_TOKEN = [], "", ""
    assert edge.edges() == []
    settings.VARNISH_PURGE_URLS, settings.FASTLY_SERVICE_ID, settings.FASTLY_API_TOKEN = ["http://v"], "S", "T"
    assert edge.edges() == [edge.purge_varnish, edge.purge_fastly]
