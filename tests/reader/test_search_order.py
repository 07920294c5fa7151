"""Search finds its newest matches in the RUM index for a rare word and by walking the newest stories for a common
one (stories.search: `by_index`): the same results either way."""

import random
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.explain import _walk
from stories import search
from stories.models import Status, Story
from stories.search import WordStatistics, by_index

STATISTICS = WordStatistics(
    indexed=True, stories=100_000, shares={"tramway": 0.02, "harbour": 0.12, "said": 0.98}, rare=0.02
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tramway", True),  # 2,000 matches to sort against 10,000 stories to walk
        ("Tramways", True),  # as the stemmer stores it
        ("said", False),  # 98,000 matches against 204 stories
        ("harbour", False),  # 12,000 matches against 1,667 stories
        ("tramway said", True),  # no more matches than the rarer word
        ("the tramway", True),  # a stop word is not looked for
        ("zyzzyva", True),  # not listed: rarer than any listed word
        ("zyzzyva said", False),  # the listed word decides (the walk: as every search did before the index)
        ("tramway or said", False),
        ('"tramway depot"', False),
        ("tramway -said", False),
        ("", False),
    ],
)
def test_a_rare_word_goes_by_the_index_and_a_common_one_walks(text, expected):
    assert by_index(text, STATISTICS) is expected


def test_without_the_index_every_search_walks():
    assert not by_index("tramway", WordStatistics(indexed=False, stories=100_000, shares={"tramway": 0.02}))


def test_the_balance_moves_with_the_archive():
    # At twenty times the stories, a word in 2 % of them has 40,000 matches to sort: dearer than walking 10,000.
    assert by_index("tramway", STATISTICS)
    assert not by_index("tramway", WordStatistics(indexed=True, stories=2_000_000, shares={"tramway": 0.02}))


@pytest.fixture
def indexed():
    if connection.vendor != "postgresql":
        pytest.skip("the RUM index is PostgreSQL's")
    search._read_statistics.clear()
    if not search.word_statistics("default").indexed:
        pytest.skip("PostgreSQL's RUM extension is not installed (bash scripts/ensure-postgres installs it)")
    yield
    search._read_statistics.clear()


@pytest.fixture
def archive(indexed):
    """600 stories, an hour apart: "harbour" in every second one, "tramway" in every 50th, "ferry" in the 5 newest
    and in drafts, expired and scheduled stories, which no search shows."""
    now = timezone.now()

    def story(i, **fields):
        words = ["Council news"]
        words += ["harbour"] if i % 2 == 0 else []
        words += ["tramway"] if i % 50 == 0 else []
        words += ["ferry"] if i < 5 else []
        fields = {"status": Status.PUBLISHED, "published_at": now - timedelta(hours=i), **fields}
        return Story(title=f"{' '.join(words)} {i}", slug=f"story-{i}", body=f"<p>Story {i} of the town.</p>", **fields)

    stories = [story(i) for i in range(600)]
    stories += [story(i, status=Status.DRAFT) for i in range(600, 603)]
    stories += [story(i, expires_at=now - timedelta(minutes=1)) for i in range(603, 606)]
    stories += [story(i, published_at=now + timedelta(hours=i)) for i in range(606, 609)]
    for extra in stories[600:]:
        extra.title += " ferry"
    random.Random(17).shuffle(stories)  # stored in no particular order: the table's order is not the time's
    Story.objects.bulk_create(stories)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE stories_story")
    search._read_statistics.clear()
    return now


def _ranked(now, text, by_index_at=None, limit=11):
    queryset = search.ranked(Story.objects.live(at=now), text, 0, limit, by_index_at=by_index_at)
    return [row["slug"] for row in queryset]


@pytest.mark.parametrize("text", ["harbour", "tramway", "ferry", "council harbour", "tramway 450", "the", "nothing"])
@pytest.mark.parametrize("limit", [11, search.MAX_RANKED])
@pytest.mark.postgres
@pytest.mark.django_db
def test_both_ways_find_the_same_results_in_the_same_order(archive, text, limit):
    assert _ranked(archive, text, by_index_at=archive, limit=limit) == _ranked(archive, text, limit=limit)


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_newest_matches_are_ranked_whichever_way_they_are_found(archive, monkeypatch):
    # "harbour" matches 300 live stories: only the newest MAX_RANKED are ranked, by either way.
    monkeypatch.setattr(search, "MAX_RANKED", 20)
    for by_index_at in (archive, None):
        found = _ranked(archive, "harbour", by_index_at=by_index_at, limit=100)
        assert sorted(found, key=lambda slug: int(slug.split("-")[1])) == [f"story-{i}" for i in range(0, 40, 2)]


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_statistics_tell_the_index_and_each_words_share(archive):
    statistics = search.word_statistics("default")

    assert statistics.indexed
    assert statistics.stories == pytest.approx(609, rel=0.1)
    assert statistics.shares["harbour"] == pytest.approx(0.5, abs=0.05)
    assert statistics.shares["council"] == pytest.approx(1, abs=0.01)
    assert by_index("tramway", statistics)
    assert not by_index("council", statistics)


def _plan(sql, params):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL random_page_cost = 1.1")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        [[explained]] = cursor.fetchone()
    return list(_walk(explained["Plan"]))


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_rare_words_newest_matches_come_from_the_index_unsorted(archive):
    sql, params = search.ranked(Story.objects.live(at=archive), "tramway", by_index_at=archive).query.sql_with_params()
    nodes = _plan(sql, params)

    [scan] = [node for node in nodes if node.get("Index Name") == search.SEARCH_INDEX]
    assert scan["Node Type"] == "Index Scan"  # in the index's order, not a bitmap to sort
    assert "Order By" in scan


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_results_page_asks_the_statistics_once_in_a_while(archive, client, monkeypatch):
    def queries():
        cache.clear()  # the page computed afresh each time
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/search/", {"q": "tramway"}).status_code == 200
        return [query["sql"] for query in captured]

    first, again = queries(), queries()
    monkeypatch.setattr(search, "STATISTICS_SECONDS", -1)  # kept no time: read on the next search
    search._read_statistics.clear()
    stale = queries()

    assert sum("pg_stats" in sql for sql in first) == 1
    assert len(again) == len(first) - 1 and not any("pg_stats" in sql for sql in again)
    assert len(stale) == len(first)
    # The page's own query went by the index (the archive's statistics list "tramway" as rare).
    assert any("<=|" in sql for sql in again)
