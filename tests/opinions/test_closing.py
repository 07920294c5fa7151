"""Opinions close per story (an editor's switch) or N days after publication (the moderation policy)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from stories.models import ModerationPolicy, Opinion
from tests.factories import OpinionFactory, StoryFactory
from tests.opinion_helpers import post_opinion


def _closed_by_editor():
    return StoryFactory(published=True, opinions_closed=True)


def _closed_by_policy():
    ModerationPolicy.objects.create(close_after_days=7)
    return StoryFactory(published=True, published_at=timezone.now() - timedelta(days=7, minutes=1))


@pytest.mark.django_db
@pytest.mark.parametrize("make_story", [_closed_by_editor, _closed_by_policy], ids=["editor", "policy"])
def test_a_closed_story_says_so_and_refuses_opinions(client, make_story):
    story = make_story()
    OpinionFactory(story=story, author_name="Early Reader")
    html = client.get(story.get_absolute_url()).content.decode()
    assert "Opinions are closed" in html
    assert 'name="body"' not in html
    assert "Early Reader" in html  # what was approved stays

    response = post_opinion(client, story, body="Too late")
    assert response.status_code == 403
    assert "Opinions are closed" in response.content.decode()
    assert not Opinion.objects.filter(body="Too late").exists()


@pytest.mark.django_db
def test_a_story_younger_than_the_policy_delay_takes_opinions(client):
    ModerationPolicy.objects.create(close_after_days=7)
    story = StoryFactory(published=True, published_at=timezone.now() - timedelta(days=6, hours=23))
    assert 'name="body"' in client.get(story.get_absolute_url()).content.decode()
    assert post_opinion(client, story).status_code == 303
    assert Opinion.objects.count() == 1


@pytest.mark.django_db
def test_without_a_delay_opinions_stay_open(client):
    ModerationPolicy.objects.create(close_after_days=None)
    story = StoryFactory(published=True, published_at=timezone.now() - timedelta(days=3000))
    assert post_opinion(client, story).status_code == 303


@pytest.mark.django_db
def test_a_draft_in_preview_says_opinions_open_on_publication(client, editor):
    story = StoryFactory()
    client.force_login(editor)
    html = client.get(reverse("stories:preview", args=[story.pk])).content.decode()
    assert "Opinions open once the story is published." in html
    assert 'name="body"' not in html and "Opinions are closed" not in html
