"""A tag's page and an author's page list their stories newest first, read from the tags' and the bylines' tables,
which carry each story's publication time (migrations 0017 and 0018): whatever writes a story, its tags or its
byline, the copy follows, so the page's order does."""

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from stories import workflow
from stories.models import BylinedStory, Story, TaggedStory
from tests.factories import StoryFactory, TagFactory, UserFactory

pytestmark = pytest.mark.django_db


@dataclass
class Listing:
    """A list read from a story's many-to-many table: its page, how a story joins it, and the table's copies."""

    url: str
    relation: str  # the story's many-to-many field
    subject: object  # the tag or the person
    copies: type

    def add(self, story, *others):
        getattr(story, self.relation).set([self.subject, *others])

    def times(self, story) -> set:
        return set(self.copies.objects.filter(story=story).values_list("published_at", flat=True))


@pytest.fixture(params=["tag", "author"])
def listing(request):
    if request.param == "tag":
        tag = TagFactory(name="Transport", slug="transport")
        return Listing(tag.get_absolute_url(), "tags", tag, TaggedStory)
    person = UserFactory(first_name="Ana", last_name="Silva")
    return Listing(person.profile.get_absolute_url(), "authors", person, BylinedStory)


def _order_on_the_page(client, listing) -> list[str]:
    # What the database gives now, not a stored copy: purges run when a transaction commits, which a test's
    # never does (tests/cache checks the purges).
    cache.clear()
    html = client.get(listing.url).content.decode()
    return re.findall(r"Story (\w+)</a>", html)


def _listed(listing, name, hours_ago):
    published_at = timezone.now() - timedelta(hours=hours_ago)
    story = StoryFactory(published=True, title=f"Story {name}", published_at=published_at)
    listing.add(story)
    return story


def test_the_newest_story_comes_first(client, listing):
    _listed(listing, "old", 30)
    _listed(listing, "new", 1)
    _listed(listing, "middle", 5)
    assert _order_on_the_page(client, listing) == ["new", "middle", "old"]


def test_a_row_added_later_carries_its_story_time(listing):
    story = StoryFactory(published=True)
    other = TagFactory() if listing.relation == "tags" else UserFactory()
    listing.add(story, other)
    assert listing.times(story) == {story.published_at}


def test_a_story_whose_time_changes_moves_on_the_page(client, listing):
    old = _listed(listing, "old", 30)
    _listed(listing, "new", 1)
    assert _order_on_the_page(client, listing) == ["new", "old"]

    # Written by a bulk update, which no save() or signal sees: the database keeps the copy.
    Story.objects.filter(pk=old.pk).update(published_at=timezone.now() - timedelta(minutes=5))
    assert _order_on_the_page(client, listing) == ["old", "new"]
    old.refresh_from_db()
    assert listing.times(old) == {old.published_at}


def test_a_story_unpublished_and_published_again_takes_its_new_time(client, listing, editor):
    story = _listed(listing, "back", 30)
    _listed(listing, "new", 1)
    workflow.unpublish(story, editor, comment="Checking a quote")
    story.refresh_from_db()
    assert _order_on_the_page(client, listing) == ["new"]
    assert listing.times(story) == {story.published_at}

    workflow.submit_for_review(story, editor)
    workflow.publish(story, editor)
    story.refresh_from_db()
    assert listing.times(story) == {story.published_at}
    assert _order_on_the_page(client, listing) == ["back", "new"]


def test_a_scheduled_story_waits_off_the_page_and_a_killed_or_expired_one_leaves_it(client, listing, editor):
    _listed(listing, "live", 2)
    scheduled = _listed(listing, "scheduled", 3)
    Story.objects.filter(pk=scheduled.pk).update(published_at=timezone.now() + timedelta(days=1))
    expired = _listed(listing, "expired", 4)
    Story.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    killed = _listed(listing, "killed", 5)
    workflow.kill(killed, editor, "Legal asked us to take it down.")

    assert _order_on_the_page(client, listing) == ["live"]


def test_the_database_keeps_the_copies_with_triggers_that_no_migration_has_dropped():
    # A table rebuilt by a later migration (SQLite rebuilds a table for most changes) loses its triggers:
    # this test fails until that migration makes them again.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN"
                " ('stories_story'::regclass, 'stories_story_tags'::regclass, 'stories_story_authors'::regclass)"
            )
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        names = {name for (name,) in cursor.fetchall()}
    assert {
        "stories_story_tags_published_at",
        "stories_story_published_at_to_tags",
        "stories_story_authors_published_at",
        "stories_story_published_at_to_authors",
    } <= names
