"""Browsers and a CDN in front revalidate public pages cheaply: ETag, Last-Modified and 304 answers."""

import pytest
from django.utils.cache import get_max_age

from pagecache import purge_everything
from stories.models import Story
from tests.factories import StoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def story():
    return StoryFactory(published=True, title="Council approves the eastern tram line")


@pytest.mark.parametrize("cached", [False, True], ids=["first visit", "from the cache"])
def test_the_home_page_tells_a_cdn_how_long_it_may_keep_it(client, story, cached):
    if cached:
        client.get("/")
    response = client.get("/")

    control = response["Cache-Control"]
    assert "public" in control
    assert get_max_age(response) > 0
    assert "stale-while-revalidate=" in control
    assert response["ETag"].startswith('W/"')
    assert response["Last-Modified"]
    assert "Cookie" in response["Vary"]


@pytest.mark.parametrize("cached", [False, True], ids=["first visit", "from the cache"])
def test_a_reader_with_a_current_copy_gets_304_without_a_body(client, story, cached):
    first = client.get("/")
    if cached:
        client.get("/")

    by_etag = client.get("/", headers={"if-none-match": first["ETag"]})
    by_date = client.get("/", headers={"if-modified-since": first["Last-Modified"]})

    for response in (by_etag, by_date):
        assert response.status_code == 304
        assert response.content == b""
        assert response["ETag"] == first["ETag"]


def test_a_changed_page_is_sent_again_in_full(client, story):
    first = client.get("/")
    Story.objects.filter(pk=story.pk).update(title="Council delays the eastern tram line")
    purge_everything()

    response = client.get("/", headers={"if-none-match": first["ETag"]})

    assert response.status_code == 200
    assert "Council delays" in response.text
    assert response["ETag"] != first["ETag"]


def test_the_story_page_with_its_opinion_form_is_kept_by_the_browser_only(client, story):
    first = client.get(story.get_absolute_url())
    again = client.get(story.get_absolute_url(), headers={"if-none-match": first["ETag"]})

    # The page carries this reader's form token: a shared cache must not hand it to others.
    assert "private" in first["Cache-Control"]
    assert "public" not in first["Cache-Control"]
    assert again.status_code == 304


def test_a_missing_story_carries_no_validators(client):
    response = client.get("/stories/no-such-story/")

    assert response.status_code == 404
    assert "ETag" not in response
    assert "public" not in response.get("Cache-Control", "")
