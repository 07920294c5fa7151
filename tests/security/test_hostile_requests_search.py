"""What a reader types into a search never reaches the database in a form it refuses, and a refusal is no 500.

On PostgreSQL the words go to websearch_to_tsquery, whose parser has limits of its own (measured below);
stories/search.py cleans every query before it is sent, and turns a refusal into a message.
"""

import random

import pytest
from django.db import DataError, InternalError, OperationalError, connection, transaction

from stories import search
from stories.models import Story
from tests.factories import StoryFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the full-text parser is PostgreSQL's")

# What websearch_to_tsquery's parser skips between two dashes: white space and these operators.
SKIPPED = [" ", "\t", "\n", "!", "&", "|", "(", ")", "<", "\u3000", "\u2003"]
BOMBS = [
    "-" * 33,
    "-" * 200,
    "tram " + "-" * 32,
    "tram or " + "-" * 40,
    "-" * 32 + " tram " + "-" * 32,
    '"tram line" ' + "- " * 60,
    *[("-" + between) * 60 for between in SKIPPED],
    "-\u200b" * 60,
    "-\ufeff" * 60,
    "(-" * 60 + ")" * 60,
    '!(-"tram" | line) & c:* <-> ' + "-" * 50,
]


def _parse(text):
    """websearch_to_tsquery's reading of `text`, or the error it raises (in a savepoint: the test goes on)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT websearch_to_tsquery(%s, %s)::text", [search.CONFIG, text])
            return cursor.fetchone()[0]
    except InternalError as exc:
        return exc


def _generated(count, seed=14):
    """Texts made mostly of dashes and what the parser skips, with a few words and quotes between."""
    rng = random.Random(seed)
    others = ['"', "'", ":*", "<->", "or", "the", "tram", ",", "\u200b", "\u00a0", "é"]
    texts = []
    for _ in range(count):
        dashes, skipped = rng.random(), rng.random()
        pieces = []
        for _ in range(rng.randint(30, 200)):
            roll = rng.random()
            if roll < dashes:
                pieces.append("-")
            elif roll < dashes + (1 - dashes) * skipped:
                pieces.append(rng.choice(SKIPPED))
            else:
                pieces.append(rng.choice(others))
        texts.append("".join(pieces)[: search.MAX_QUERY_LENGTH])
    return texts


@postgres_only
def test_the_parser_limits_are_the_ones_measured():
    """32 negations in a row fill the parser's stack; a 33rd, or a 32nd after a word, is refused."""
    assert not isinstance(_parse("-" * 32), Exception)
    assert "stack too small" in str(_parse("-" * 33))
    assert not isinstance(_parse("tram " + "-" * 31), Exception)
    assert "stack too small" in str(_parse("tram " + "-" * 32))
    for between in SKIPPED:
        assert isinstance(_parse(("-" + between) * 33), Exception), repr(between)
    # Anything else starts a word (or, for a quote, a phrase): the stack empties.
    for between in [",", "_", "'", '"', "\u00a0", "é"]:
        assert not isinstance(_parse(("-" + between) * 60), Exception), repr(between)


@postgres_only
def test_no_cleaned_query_is_refused_by_the_parser():
    texts = BOMBS + _generated(2000)
    refused_raw = [text for text in texts if isinstance(_parse(text), Exception)]
    assert len(refused_raw) > 200  # the texts do reach the limit before they are cleaned
    refused = [text for text in texts if isinstance(_parse(search.clean_query(text)), Exception)]
    assert not refused, refused[:3]


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("tram line", "tram line"),
        ('"tram line" or bus -depot', '"tram line" or bus -depot'),
        ("tram-line", "tram-line"),
        ("-" * 40 + "depot", "-depot"),
        ("tram " + "- " * 40 + "depot", "tram - depot"),
        ("-!-|-&-(-<-\t-\u3000-bus", "-bus"),
        ("tram\x00line", "tram line"),
        ("tram\x0bline\x1b", "tram line"),
        ("tram\ud800line", "tram line"),
    ],
)
def test_cleaning_keeps_what_the_reader_meant(typed, sent):
    assert search.clean_query(typed) == sent


@pytest.mark.parametrize("bomb", BOMBS, ids=range(len(BOMBS)))
def test_query_bombs_find_nothing_rather_than_fail(client, bomb):
    StoryFactory(published=True, title="Tram depot reopens")
    for url in ("/search/", "/"):
        response = client.get(url, {"q": bomb})
        assert response.status_code == 200, url
        assert search.REFUSED_MESSAGE not in response.content.decode()


# Where a refused query lands, and whether the stories still show there: the search page's result is empty; the
# home page treats it like any filter that cannot be used, said so and left out.
REFUSING_PAGES = [("/search/", False), ("/", True)]


def _refused_page(client, url, stories_shown):
    StoryFactory(published=True, title="Tram depot reopens")
    response = client.get(url, {"q": "tram " + "-" * 33})
    assert response.status_code == 200
    html = response.content.decode()
    assert search.REFUSED_MESSAGE in html
    assert ("Tram depot reopens" in html) is stories_shown
    # The request went on after the refusal: the database still answers.
    assert Story.objects.count() == 1


@postgres_only
@pytest.mark.parametrize("url, stories_shown", REFUSING_PAGES, ids=["search", "home"])
def test_a_query_the_database_refuses_is_a_message_not_an_error(client, monkeypatch, url, stories_shown):
    monkeypatch.setattr(search, "clean_query", lambda text: text)  # what the site sent before it cleaned
    _refused_page(client, url, stories_shown)


def _refuse_searches(execute, sql, params, many, context):
    if "websearch_to_tsquery" in sql or " LIKE " in sql:
        raise DataError("invalid input syntax")
    return execute(sql, params, many, context)


@pytest.mark.parametrize("url, stories_shown", REFUSING_PAGES, ids=["search", "home"])
def test_a_refused_search_is_a_message_on_every_database(client, url, stories_shown):
    with connection.execute_wrapper(_refuse_searches):
        _refused_page(client, url, stories_shown)


def test_a_failure_that_is_not_the_readers_is_not_hidden(client):
    def lost(execute, sql, params, many, context):
        if "websearch_to_tsquery" in sql or " LIKE " in sql:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    StoryFactory(published=True, title="Tram depot reopens")
    with connection.execute_wrapper(lost):
        response = client.get("/search/", {"q": "tram -bus"})
    assert response.status_code == 503
