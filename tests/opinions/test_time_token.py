"""The form carries a signed time: sent back too fast, too late, forged or for another story, it is refused."""

import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from stories import opinions
from stories.models import Opinion
from tests.factories import StoryFactory
from tests.opinion_helpers import form_data, hidden_value, post_opinion


def test_a_form_sent_back_after_a_few_seconds_is_accepted(client, story):
    assert post_opinion(client, story, seconds_ago=5).status_code == 303
    assert Opinion.objects.count() == 1


def test_a_form_sent_back_faster_than_a_person_can_write_is_refused(client, story):
    response = post_opinion(client, story, seconds_ago=1, body="Instant words")
    assert response.status_code == 400
    html = response.content.decode()
    assert "faster than anyone can read and write" in html
    assert "Instant words</textarea>" in html  # the reader's text is kept
    assert not Opinion.objects.exists()


def test_the_minimum_delay_is_a_setting(client, story, settings):
    settings.OPINION_MIN_SECONDS = 10
    assert post_opinion(client, story, seconds_ago=5).status_code == 400
    settings.OPINION_MIN_SECONDS = 0
    assert post_opinion(client, story, seconds_ago=0).status_code == 303


def test_a_form_older_than_a_day_is_refused(client, story):
    response = post_opinion(client, story, seconds_ago=24 * 60 * 60 + 5)
    assert response.status_code == 400
    assert "opened too long ago" in response.content.decode()
    assert not Opinion.objects.exists()


@pytest.mark.parametrize(
    "token", ["", "garbage", "1:1700000000.000:forged-signature", None], ids=["empty", "garbage", "forged", "missing"]
)
def test_a_missing_or_forged_token_is_refused(client, story, token):
    data = form_data(story, started=token)
    if token is None:
        del data["started"]
    response = client.post(reverse("stories:post_opinion", args=[story.slug]), data)
    assert response.status_code == 400
    assert "could not be checked" in response.content.decode()
    assert not Opinion.objects.exists()


def test_a_token_from_another_story_is_refused(client, story):
    other = StoryFactory(published=True)
    response = post_opinion(client, story, started=opinions.form_token(other, issued_at=time.time() - 60))
    assert response.status_code == 400
    assert not Opinion.objects.exists()


def test_a_refused_form_comes_back_with_a_fresh_token(client, story):
    response = post_opinion(client, story, seconds_ago=24 * 60 * 60 + 5)
    fresh = hidden_value(response.content.decode(), "started")
    assert opinions.check_token(fresh, story) is not None  # too fast if sent back at once …
    issued = float(fresh.split(":")[1])
    assert time.time() - issued < 60  # … because it was issued just now


def test_a_cached_story_page_gives_each_visit_a_token_of_its_own(client, story, monkeypatch):
    url = story.get_absolute_url()
    first = client.get(url)
    monkeypatch.setattr(opinions.time, "time", lambda real=time.time: real() + 120)
    second = client.get(url)
    assert second.get("X-Cache") == "hit"
    first_token = hidden_value(first.content.decode(), "started")
    second_token = hidden_value(second.content.decode(), "started")
    assert first_token != second_token
    assert float(second_token.split(":")[1]) - float(first_token.split(":")[1]) >= 119
    cache.clear()


def test_readers_in_the_same_second_share_a_token_that_never_claims_an_earlier_time(client, story, monkeypatch):
    url = story.get_absolute_url()
    monkeypatch.setattr(opinions.time, "time", lambda: 1_800_000_000.25)
    first, second = (hidden_value(Client().get(url).content.decode(), "started") for _ in range(2))
    monkeypatch.setattr(opinions.time, "time", lambda: 1_800_000_001.5)
    later = hidden_value(Client().get(url).content.decode(), "started")

    assert first == second
    # Rounded up: the form counts as shown at most a second later than it was, never earlier.
    assert float(first.split(":")[1]) == 1_800_000_001
    assert float(later.split(":")[1]) == 1_800_000_002
    other = StoryFactory(published=True)
    assert hidden_value(Client().get(other.get_absolute_url()).content.decode(), "started") != later
