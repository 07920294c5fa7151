"""Drafts, stories in review and scheduled stories are invisible to readers everywhere."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import SectionFactory, StoryFactory, TagFactory, UserFactory

pytestmark = pytest.mark.django_db

HIDDEN_TITLE = "Zeppelin hangar secretly sold"

STATES = {
    "draft": {},
    "review": {"in_review": True},
    "scheduled": {"scheduled": True},
    "published without a date": {"status": "published", "published_at": None},
}

PLACES = [
    "/",
    "/?q=zeppelin",
    "/section/city/",
    "/tag/airships/",
    "/authors/ann-lee/",
    "/search/?q=zeppelin",
    "/feed/",
    "/feed/atom/",
    "/section/city/feed/",
    "/sitemap-stories.xml",
    "/sitemap-news.xml",
    "{visible}",
]


@pytest.fixture
def stories():
    city = SectionFactory(name="City", slug="city")
    airships = TagFactory(name="Airships", slug="airships")
    ann = UserFactory(username="ann", first_name="Ann", last_name="Lee")
    now = timezone.now()
    # Published neighbours on both sides, in the same section and tag: the hidden story would be
    # their related, previous or next story if it leaked.
    visible = StoryFactory(
        published=True,
        section=city,
        authors=[ann],
        title="Visible zeppelin story",
        published_at=now - timedelta(hours=3),
    )
    visible.tags.add(airships)
    StoryFactory(published=True, section=city, authors=[ann], published_at=now - timedelta(minutes=5)).tags.add(
        airships
    )
    return {"visible": visible, "city": city, "airships": airships, "ann": ann}


def _hidden(state, stories):
    fields = STATES[state]
    if "published_at" not in fields and "scheduled" not in fields:
        fields = {**fields, "published_at": timezone.now() - timedelta(hours=2)}
    story = StoryFactory(title=HIDDEN_TITLE, section=stories["city"], authors=[stories["ann"]], **fields)
    story.tags.add(stories["airships"])
    return story


@pytest.mark.parametrize("state", STATES)
def test_the_story_page_is_a_404(client, stories, state):
    story = _hidden(state, stories)
    assert client.get(story.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("state", STATES)
def test_it_appears_nowhere(client, stories, state, place):
    story = _hidden(state, stories)
    url = place.format(visible=stories["visible"].get_absolute_url())
    response = client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert HIDDEN_TITLE not in content
    assert story.slug not in content


@pytest.mark.parametrize("state", STATES)
def test_an_author_with_only_hidden_stories_has_no_page(client, state):
    bo = UserFactory(username="bo", first_name="Bo", last_name="Kim")
    StoryFactory(authors=[bo], **STATES[state])
    assert client.get("/authors/bo-kim/").status_code == 404
    assert client.get("/authors/bo/").status_code == 404
