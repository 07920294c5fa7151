"""Search: full-text and ranked on PostgreSQL, a plain fallback on SQLite; any query is safe."""

import pytest
from django.db import connection

from tests.factories import HighlightFactory, StoryFactory

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search needs PostgreSQL")


def _results(client, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index("<main") :]


def test_it_finds_a_word_in_the_headline_a_highlight_or_the_body(client):
    StoryFactory(published=True, title="Harbour bakery reopens", body="<p>Bread.</p>")
    story = StoryFactory(published=True, title="Weather report", body="<p>Rain.</p>")
    story.highlights.all().delete()
    HighlightFactory(story=story, text="Fishermen cheer the harbour dredging.")
    StoryFactory(published=True, title="Budget", body="<p>The harbour fees rise.</p>")
    StoryFactory(published=True, title="Unrelated", body="<p>Nothing here.</p>")
    html = _results(client, "harbour")
    assert "bakery reopens" in html and "Weather report" in html and "Budget" in html
    assert "Unrelated" not in html


def test_matches_are_marked_and_everything_else_is_escaped(client):
    StoryFactory(published=True, title="Tram <b>line</b> & the council", body="<p>The tram &lt;script&gt; runs.</p>")
    html = _results(client, "tram")
    assert "<mark>Tram</mark>" in html
    assert "&lt;b&gt;" in html and "<b>line" not in html
    assert "<script>" not in html.split("</form>", 1)[1]


@postgres_only
def test_a_headline_match_ranks_above_a_highlight_match_above_a_body_match(client):
    body_only = StoryFactory(published=True, title="Budget news", body="<p>A word about the tram depot.</p>")
    in_highlight = StoryFactory(published=True, title="Weather news", body="<p>Sunny.</p>")
    HighlightFactory(story=in_highlight, text="The tram depot floods again.")
    in_headline = StoryFactory(published=True, title="Tram depot reopens", body="<p>Finally.</p>")
    html = _results(client, "tram depot")
    positions = [html.index(f'href="{s.get_absolute_url()}"') for s in (in_headline, in_highlight, body_only)]
    assert positions == sorted(positions)


@postgres_only
def test_words_are_stemmed(client):
    story = StoryFactory(published=True, title="Councils vote on trams")
    assert story.get_absolute_url() in _results(client, "council voting tram")


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "x" * 1000,
        "tram " * 300,
        "'; DROP TABLE stories_story; --",
        '"unbalanced quote',
        "!!! & | <-> :* ()",
        "-",
        "or or or",
        "<script>alert(1)</script>",
        "\x00",
        "😀 ünïcödé 中文",
        "%_%",
    ],
)
def test_any_query_gets_a_page_never_a_500(client, query):
    StoryFactory(published=True, title="Tram line approved")
    html = _results(client, query)
    assert "<script>alert(1)</script>" not in html


def test_a_very_long_query_is_explained(client):
    html = _results(client, "x" * 1000)
    assert "Please shorten your search" in html


def test_an_empty_query_invites_the_reader_to_type(client):
    assert "Type a few words" in _results(client, "")


def test_no_result_says_so(client):
    StoryFactory(published=True, title="Tram line approved")
    assert "No stories match" in _results(client, "zeppelin")


def test_results_are_paginated_with_the_query_kept(client, settings):
    settings.STORIES_PER_PAGE = 2
    for n in range(3):
        StoryFactory(published=True, title=f"Tram story {n}")
    html = _results(client, "tram")
    assert 'href="?q=tram&amp;page=2"' in html
    assert "You've reached the end" not in html
    response = client.get("/search/", {"q": "tram", "page": "2"})
    assert "You've reached the end" in response.content.decode()
    assert client.get("/search/", {"q": "tram", "page": "3"}).status_code == 404
