"""Reader pages and the moderation queue are served by indexes, never by scanning the stories table.

EXPLAIN plans are PostgreSQL's; on SQLite these tests are skipped. bench/run.py
checks the same on a seeded archive of 100,000 stories or more.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.explain import _walk
from stories import reading, search
from stories.models import Opinion, Profile, Section, Status, Story, StoryQuerySet, Tag
from tests.factories import StoryFactory

_newest_first = StoryQuerySet.newest_first  # the reader order the views use

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("query plans are checked on PostgreSQL")


@pytest.fixture
def archive():
    """A few thousand stories with statistics, so the planner weighs a real choice."""
    city = Section.objects.create(name="City", slug="city")
    now = timezone.now()
    Story.objects.bulk_create(
        Story(
            title=f"Story {i}",
            slug=f"story-{i}",
            status=Status.PUBLISHED if i % 10 else Status.DRAFT,
            published_at=now - timedelta(hours=i),
            section=city if i % 3 == 0 else None,
        )
        for i in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE stories_story")
    return city


def plan(queryset, seqscan: bool) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL enable_seqscan = {'on' if seqscan else 'off'}")
        # What the README advises on SSD storage. The default (4) prices an index walk so high that the dead
        # rows earlier tests leave in a reused test database can tip a deep page over to sort-after-bitmap.
        cursor.execute("SET LOCAL random_page_cost = 1.1")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("seqscan", [False, True], ids=["seqscan off", "seqscan on"])
def test_the_home_feed_reads_the_feed_index(archive, seqscan):
    text = plan(_newest_first(Story.objects.published())[:11], seqscan)

    assert "story_feed_idx" in text
    assert "Seq Scan on stories_story" not in text


def test_a_deep_feed_page_still_walks_the_index(archive):
    text = plan(_newest_first(Story.objects.published())[2000:2011], seqscan=False)

    assert "story_feed_idx" in text
    assert "Sort" not in text.replace("Incremental Sort", "")


@pytest.mark.parametrize(
    ("label", "queryset", "index"),
    [
        ("section page", lambda city: _newest_first(Story.objects.published().filter(section=city))[:11], "story_"),
        ("moderation queue", lambda city: Opinion.objects.pending().order_by("created_at", "pk")[:50], "opinion_"),
        ("next go-live", lambda city: Story.objects.scheduled().order_by("published_at")[:1], "story_"),
        ("admin story list", lambda city: Story.objects.order_by("-published_at", "-created_at", "-pk")[:50], "story_"),
    ],
)
def test_other_lists_are_served_by_an_index(archive, label, queryset, index):
    text = plan(queryset(archive), seqscan=False)

    assert f"using {index}" in text
    assert "Seq Scan" not in text


def test_a_tag_page_walks_the_tags_index_newest_first(archive):
    transport = Tag.objects.create(name="Transport", slug="transport")
    stories = Story.objects.order_by("pk").values_list("pk", flat=True)
    Story.tags.through.objects.bulk_create(
        Story.tags.through(story_id=pk, tag=transport) for pk in stories if pk % 5 == 0
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE stories_story_tags")

    text = plan(reading._KEYS["tag"](timezone.now(), "transport")[:11], seqscan=False)

    assert "story_tag_feed_idx" in text
    assert "Sort" not in text  # the walk stops after the page: the tag's stories are not all fetched and sorted


def test_an_author_page_walks_the_bylines_index_newest_first(archive):
    # One writer among many: walking the newest stories of the whole archive for theirs took 2.5 ms at 100,000.
    ana = get_user_model().objects.create(username="ana", first_name="Ana")
    Profile.objects.create(user=ana, slug="ana")
    stories = Story.objects.order_by("pk").values_list("pk", flat=True)
    Story.authors.through.objects.bulk_create(
        Story.authors.through(story_id=pk, user=ana) for pk in stories if pk % 50 == 0
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE stories_story_authors")

    text = plan(reading._KEYS["author"](timezone.now(), "ana")[:11], seqscan=False)

    assert "story_author_feed_idx" in text
    assert "story_feed_idx" not in text  # not the archive's newest stories, probed one by one
    assert "Sort" not in text


def _rows_read(plan) -> int:
    """The rows every node of an EXPLAIN ANALYZE plan returned or read and dropped (the figures are per loop)."""
    removed = ("Rows Removed by Filter", "Rows Removed by Join Filter")
    return sum(
        (node["Actual Rows"] + sum(node.get(key, 0) for key in removed)) * node["Actual Loops"] for node in _walk(plan)
    )


def test_a_story_page_reads_few_rows_for_a_story_that_shares_nothing(archive, client):
    # Related stories were found by walking the archive's newest stories and probing each for the section or a
    # shared tag: for a story that shares neither, the walk read every story (97,000 and 0.4 s at 100,000).
    story = StoryFactory(published=True, section=Section.objects.create(name="Obituaries", slug="obituaries"))
    story.tags.add(Tag.objects.create(name="Only here", slug="only-here"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(story.get_absolute_url()).status_code == 200
    [page_query] = [query["sql"] for query in queries if '"related_list"' in query["sql"]]

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + page_query)
        [[explained]] = cursor.fetchone()

    # The story, its neighbours, the section's and the tag's walks, the sections: tens of rows, not 2,700 stories.
    assert _rows_read(explained["Plan"]) < 100


@pytest.mark.parametrize(
    ("word", "index"),
    # A rare word's matches come from either index on the stored vectors: the GIN or the RUM one (search.by_index).
    [("story", ["story_"]), ("2999", ["story_search_vector_idx", search.SEARCH_INDEX])],
    ids=["a word in every story", "a word in one story"],
)
@pytest.mark.parametrize(
    "queryset",
    [
        lambda word: search.ranked(Story.objects.published(), word)[:11],
        lambda word: _newest_first(search.matching(Story.objects.published(), word))[:11],
    ],
    ids=["search page", "feed filtered by words"],
)
def test_a_search_reads_the_stored_vectors_through_an_index(archive, word, index, queryset):
    text = plan(queryset(word), seqscan=False)

    assert any(f" {name}" in text for name in index)
    assert "Seq Scan on stories_story" not in text
    # Matching and ranking read each story's stored vector; nothing parses a headline or body again.
    assert "to_tsvector" not in text
