"""A bot that fills in the hidden honeypot field is refused, and nothing is stored."""

import pytest

from stories.models import Opinion
from tests.factories import StoryFactory
from tests.opinion_helpers import post_opinion


@pytest.mark.django_db
def test_a_filled_honeypot_is_refused_with_a_message(client):
    story = StoryFactory(published=True)
    response = post_opinion(client, story, website="https://cheap-pills.example")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Your opinion could not be sent" in html
    assert "https://cheap-pills.example" not in html  # the honeypot comes back empty
    assert not Opinion.objects.exists()


@pytest.mark.django_db
def test_the_honeypot_is_hidden_from_people(client):
    story = StoryFactory(published=True)
    html = client.get(story.get_absolute_url()).content.decode()
    assert '<div class="opinion-hp" aria-hidden="true">' in html
    assert 'name="website" autocomplete="off" tabindex="-1"' in html
