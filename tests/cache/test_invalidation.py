"""Readers get cached pages, and never a page that is out of date once a change is committed.

Every test runs twice: with the default cache in local memory, and with Redis, where
each process also serves pages from its own memory (the near cache) until a purge is announced.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pagecache import EVERYTHING, purge_on_commit
from stories import workflow
from stories.models import OpinionStatus, Story
from tests.factories import OpinionFactory, SectionFactory, StoryFactory, TagFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_store")]

REDIS_PORT = 8148


@pytest.fixture
def story():
    section = SectionFactory(name="City", slug="city")
    story = StoryFactory(published=True, title="Council approves the eastern tram line", section=section)
    story.tags.add(TagFactory(name="Transport", slug="transport"))
    return story


def public_pages(story):
    return ["/", story.get_absolute_url(), "/section/city/", "/tag/transport/"]


def test_a_second_anonymous_visit_is_served_from_the_cache_without_queries(client, story, django_assert_num_queries):
    for url in public_pages(story):
        assert client.get(url)["X-Cache"] == "miss"
    with django_assert_num_queries(0):
        for url in public_pages(story):
            response = client.get(url)
            assert response.status_code == 200
            assert response["X-Cache"] == "hit"


def test_a_reader_never_sees_a_story_after_it_was_unpublished(
    client, editor, story, django_capture_on_commit_callbacks
):
    for url in public_pages(story):
        assert story.title in client.get(url).text
    assert client.get("/")["X-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        workflow.unpublish(story, editor, "Legal asked us to hold it")

    assert client.get(story.get_absolute_url()).status_code == 404
    for url in ["/", "/section/city/", "/tag/transport/"]:
        assert story.title not in client.get(url).text


def test_a_story_deleted_in_the_admin_leaves_the_public_pages(
    client, editor, story, django_capture_on_commit_callbacks
):
    for url in public_pages(story):
        assert story.title in client.get(url).text
    desk = Client()
    desk.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(reverse("admin:stories_story_delete", args=[story.pk]), {"post": "yes"})
    assert response.status_code == 302

    assert client.get(story.get_absolute_url()).status_code == 404
    for url in ["/", "/section/city/", "/tag/transport/"]:
        assert story.title not in client.get(url).text


def test_a_published_story_appears_at_once(client, editor, django_capture_on_commit_callbacks):
    story = StoryFactory(in_review=True, title="Harbour reopens after the storm")
    assert story.title not in client.get("/").text
    assert client.get("/")["X-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish(story, editor)

    assert story.title in client.get("/").text
    assert client.get(story.get_absolute_url()).status_code == 200


def test_a_scheduled_story_appears_once_its_time_passes(
    client, editor, monkeypatch, django_capture_on_commit_callbacks
):
    story = StoryFactory(in_review=True, title="Budget vote scheduled for tonight")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish(story, editor, at=timezone.now() + timedelta(hours=2))
    assert story.title not in client.get("/").text
    assert client.get("/")["X-Cache"] == "hit"
    assert client.get(story.get_absolute_url()).status_code == 404

    later = timezone.now() + timedelta(hours=3)
    monkeypatch.setattr(timezone, "now", lambda: later)

    assert story.title in client.get("/").text
    assert client.get(story.get_absolute_url()).status_code == 200


def test_a_scheduled_story_stays_hidden_until_its_time(client, editor, monkeypatch, django_capture_on_commit_callbacks):
    story = StoryFactory(in_review=True, title="Embargoed report on river quality")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish(story, editor, at=timezone.now() + timedelta(hours=2))

    almost = timezone.now() + timedelta(hours=1, minutes=59)
    monkeypatch.setattr(timezone, "now", lambda: almost)

    assert story.title not in client.get("/").text
    assert client.get(story.get_absolute_url()).status_code == 404


def test_a_scheduled_story_published_now_appears_at_once(client, editor, django_capture_on_commit_callbacks):
    story = StoryFactory(scheduled=True, title="Ferry strike called off")
    assert story.title not in client.get("/").text
    assert client.get("/")["X-Cache"] == "hit"
    assert client.get(story.get_absolute_url()).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish_now(story, editor)
    assert story.title in client.get("/").text
    assert client.get(story.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("move", ["reschedule later", "cancel schedule"])
def test_a_story_whose_schedule_moved_or_was_cancelled_stays_hidden_at_its_old_time(
    client, editor, monkeypatch, django_capture_on_commit_callbacks, move
):
    story = StoryFactory(scheduled=True, title="Stadium plan goes to the council")
    old = story.published_at
    assert story.title not in client.get("/").text
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        if move == "cancel schedule":
            workflow.cancel_schedule(story, editor)
        else:
            workflow.reschedule(story, editor, at=old + timedelta(days=1))
    assert callbacks  # the purge waits for the commit
    assert story.title not in client.get("/").text

    past_old = old + timedelta(minutes=5)
    monkeypatch.setattr(timezone, "now", lambda: past_old)
    assert story.title not in client.get("/").text
    assert client.get(story.get_absolute_url()).status_code == 404


def test_a_story_rescheduled_earlier_appears_at_its_new_time(
    client, editor, monkeypatch, django_capture_on_commit_callbacks
):
    story = StoryFactory(scheduled=True, title="Budget vote moves to tonight")
    assert story.title not in client.get("/").text
    assert client.get("/")["X-Cache"] == "hit"  # stored while it was due tomorrow
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reschedule(story, editor, at=timezone.now() + timedelta(hours=1))
    assert story.title not in client.get("/").text

    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert story.title in client.get("/").text
    assert client.get(story.get_absolute_url()).status_code == 200


def test_an_edit_to_a_published_story_reaches_readers(client, story, django_capture_on_commit_callbacks):
    assert story.title in client.get(story.get_absolute_url()).text
    Story.objects.filter(pk=story.pk).update(title="Council delays the eastern tram line")
    # Still the stored copy: the page really comes from the cache ...
    assert "Council approves" in client.get(story.get_absolute_url()).text

    with django_capture_on_commit_callbacks(execute=True):
        purge_on_commit(EVERYTHING)

    # ... and the purge after the edit's commit replaces it everywhere.
    assert "Council delays" in client.get(story.get_absolute_url()).text
    assert "Council delays" in client.get("/").text


def test_an_approved_opinion_appears_on_the_story_page(client, moderator, story, django_capture_on_commit_callbacks):
    opinion = OpinionFactory(story=story, status=OpinionStatus.PENDING, body="The eastern route is the right one.")
    assert opinion.body not in client.get(story.get_absolute_url()).text

    with django_capture_on_commit_callbacks(execute=True):
        workflow.moderate(opinion, moderator, OpinionStatus.APPROVED)

    assert opinion.body in client.get(story.get_absolute_url()).text


def test_a_rejected_opinion_disappears_from_the_story_page(
    client, moderator, story, django_capture_on_commit_callbacks
):
    opinion = OpinionFactory(story=story, body="Something the moderator later took down.")
    assert opinion.body in client.get(story.get_absolute_url()).text

    with django_capture_on_commit_callbacks(execute=True):
        workflow.moderate(opinion, moderator, OpinionStatus.REJECTED)

    assert opinion.body not in client.get(story.get_absolute_url()).text
