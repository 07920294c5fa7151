"""Five opinions per client per ten minutes, counted in the shared cache; more are answered with 429."""

from django.core.cache import cache

from stories.models import Opinion
from tests.factories import UserFactory
from tests.opinion_helpers import post_opinion


def _send(client, story, n, **extra):
    return post_opinion(client, story, body=f"Opinion number {n}, all different.", **extra)


def test_the_sixth_opinion_in_ten_minutes_is_refused_with_429(client, story):
    for n in range(5):
        assert _send(client, story, n).status_code == 303
    response = _send(client, story, 5)
    assert response.status_code == 429
    assert response["Retry-After"] == "600"
    html = response.content.decode()
    assert "Please wait 10 minutes" in html
    assert "Opinion number 5, all different.</textarea>" in html  # the text is kept for later
    assert Opinion.objects.count() == 5


def test_the_limit_is_a_setting(client, story, settings):
    settings.OPINION_RATE_LIMIT = 2
    assert [_send(client, story, n).status_code for n in range(3)] == [303, 303, 429]


def test_a_spoofed_forwarded_for_header_does_not_reset_the_limit(client, story):
    for n in range(5):
        assert _send(client, story, n, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code == 303
    response = _send(client, story, 5, HTTP_X_FORWARDED_FOR="198.51.100.77", HTTP_X_REAL_IP="198.51.100.78")
    assert response.status_code == 429


def test_another_address_has_its_own_limit(client, story):
    for n in range(5):
        _send(client, story, n)
    assert _send(client, story, 5, REMOTE_ADDR="198.51.100.9").status_code == 303


def test_a_session_keeps_its_count_when_its_address_changes(client, story):
    client.force_login(UserFactory(username="a-reader"))
    for n in range(5):
        assert _send(client, story, n, REMOTE_ADDR=f"198.51.100.{n}").status_code == 303
    assert _send(client, story, 5, REMOTE_ADDR="198.51.100.200").status_code == 429


def test_the_window_ends(client, story):
    for n in range(5):
        _send(client, story, n)
    assert _send(client, story, 5).status_code == 429
    cache.clear()  # what the cache does when the ten minutes are over
    assert _send(client, story, 6).status_code == 303


def test_opinions_still_arrive_when_the_cache_is_down(client, story, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache unavailable")

    monkeypatch.setattr(cache, "add", broken)
    monkeypatch.setattr(cache, "incr", broken)
    monkeypatch.setattr(cache, "get", broken)
    for n in range(7):
        assert _send(client, story, n).status_code == 303
    assert Opinion.objects.count() == 7
