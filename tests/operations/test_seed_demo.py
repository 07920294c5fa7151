"""`manage.py seed_demo`: a living demo newsroom in every state, staff accounts, and safe to run twice."""

import io
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from stories.models import Correction, Highlight, Opinion, OpinionStatus, Section, Story, StoryTransition, Tag
from tests.factories import StoryFactory

pytestmark = pytest.mark.django_db


MODELS = [Story, Highlight, Opinion, Correction, StoryTransition, Section, get_user_model()]


def seed():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_it_prints_how_to_log_in():
    assert seed().splitlines() == [
        "Demo newsroom ready.",
        "Log in at /admin/ with any of these accounts (password: newsroom-demo):",
        "  admin      administrator",
        "  editor     Editors",
        "  writer     Writers",
        "  moderator  Moderators",
    ]


def test_running_it_twice_changes_nothing():
    seed()
    first = counts()
    seed()
    assert counts() == first
    assert first["Story"] >= 28


def test_it_fills_every_state_and_section():
    seed()
    now = timezone.now()
    assert Story.objects.published().count() >= 12
    assert Story.objects.scheduled().count() >= 3
    assert Story.objects.in_review().count() >= 3
    assert Story.objects.drafts().count() >= 3
    assert set(Section.objects.filter(stories__isnull=False).values_list("name", flat=True)) == {
        "News",
        "City",
        "Business",
        "Culture",
    }
    assert Story.objects.filter(section__isnull=True).count() == 0
    assert Correction.objects.filter(story__in=Story.objects.published()).count() >= 3
    # A notice of every kind, and a story held by an embargo until it goes live.
    assert set(Correction.objects.values_list("kind", flat=True)) == set(Correction.Kind.values)
    embargoed = Story.objects.embargoed().get()
    assert embargoed.is_scheduled and embargoed.published_at == embargoed.embargo_until
    assert set(Opinion.objects.values_list("status", flat=True)) == {
        OpinionStatus.APPROVED,
        OpinionStatus.PENDING,
        OpinionStatus.REJECTED,
        OpinionStatus.SPAM,
    }
    # A desk history: changes requested on one draft, another unpublished.
    assert StoryTransition.objects.filter(to_status="draft", from_status="review").exists()
    assert StoryTransition.objects.filter(to_status="draft", from_status="published").exists()

    live = list(Story.objects.published().values_list("published_at", flat=True))
    assert max(live) > now - timedelta(days=1)
    assert min(live) < now - timedelta(days=14)
    assert all(at > now for at in Story.objects.scheduled().values_list("published_at", flat=True))


def test_published_stories_follow_the_highlights_rule():
    seed()
    for story in Story.objects.exclude(status="draft"):
        assert 1 <= story.highlights.count() <= 5, story.title


def test_every_demo_account_can_log_in():
    seed()
    request = RequestFactory().post("/admin/login/")
    for username in ["admin", "editor", "writer", "moderator"]:
        user = authenticate(request, username=username, password="newsroom-demo")
        assert user is not None and user.is_staff, username
    assert get_user_model().objects.get(username="editor").groups.get().name == "Editors"


def test_a_story_from_an_older_seed_is_kept_not_duplicated():
    StoryFactory(
        title="City council approves new tram line after two-year debate",
        slug="city-council-approves-new-tram-line-after-two-year-debate",
    )
    seed()
    assert Story.objects.filter(title="City council approves new tram line after two-year debate").count() == 1


def test_the_demo_stories_are_tagged_and_the_tag_pages_list_them(client):
    seed()
    tram = Story.objects.get(slug="city-council-approves-new-tram-line-after-two-year-debate")
    assert sorted(tram.tags.values_list("name", flat=True)) == ["Council", "Transport"]
    assert Story.objects.published().filter(tags__isnull=True).count() == 0
    html = client.get("/tag/transport/").content.decode()
    assert "City council approves new tram line after two-year debate" in html
    assert html.count('class="card') >= 3


def test_an_older_seeds_stories_get_their_tags_once():
    seed()
    tram = Story.objects.get(slug="city-council-approves-new-tram-line-after-two-year-debate")
    tram.tags.clear()
    seed()
    assert sorted(tram.tags.values_list("name", flat=True)) == ["Council", "Transport"]
    tram.tags.set(Tag.objects.filter(name="Council"))  # the desk's choice since: kept
    seed()
    assert list(tram.tags.values_list("name", flat=True)) == ["Council"]
