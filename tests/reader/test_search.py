"""Search: full-text and ranked on PostgreSQL, a plain fallback on SQLite; any query is safe."""

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from reversion.models import Version

from stories import search
from stories.models import Highlight, Story
from tests.factories import HighlightFactory, SectionFactory, StoryFactory
from tests.story_admin_helpers import change_url, story_form_data

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
        # A NUL is refused for the whole site (400): tests/security/test_hostile_requests.py.
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
    assert 'href="?q=tram&amp;page=2">More results →</a>' in html
    assert "You've reached the end" not in html
    response = client.get("/search/", {"q": "tram", "page": "2"})
    assert "You've reached the end" in response.content.decode()
    assert 'href="?q=tram">← Previous results</a>' in response.content.decode()
    assert "Newer stories" not in response.content.decode()  # results are ranked, not in date order
    assert client.get("/search/", {"q": "tram", "page": "3"}).status_code == 404


@postgres_only
def test_past_the_ranked_matches_the_reader_is_pointed_to_the_feed_filter_which_finds_the_older_ones(
    client, settings, monkeypatch
):
    monkeypatch.setattr("stories.search.MAX_RANKED", 3)
    settings.STORIES_PER_PAGE = 2
    stories = [StoryFactory(published=True, title=f"Tram story {n}") for n in range(4)]
    assert "most recent matches" not in _results(client, "tram")  # page 1 of 2

    last = client.get("/search/", {"q": "tram", "page": "2"}).content.decode()
    assert "Search shows the 3 most recent matches" in last
    assert 'href="/?q=tram"' in last
    feed = client.get("/", {"q": "tram"}).content.decode() + client.get("/", {"q": "tram", "page": "2"}).text
    assert all(story.title in feed for story in stories)


# --- Search follows every change to a story: the admin, imports, restored revisions -----------


def _found(story, query):
    """Whether a reader (a fresh anonymous visitor) searching `query` is shown `story`."""
    return story.get_absolute_url() in _results(Client(), query)


def test_a_headline_and_body_edited_in_the_admin_are_found_by_their_new_words_only(
    client, editor, django_capture_on_commit_callbacks
):
    story = StoryFactory(published=True, title="Council meets", body="<p>The agenda is short.</p>")
    # Highlights already numbered as the form numbers them: this save leaves them alone.
    for position, highlight in enumerate(story.highlights.all(), start=1):
        Highlight.objects.filter(pk=highlight.pk).update(position=position)
    client.force_login(editor)
    data = story_form_data(story, title="Council meets the zeppelin club", body="<p>Gondolas return.</p>")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(change_url(story), data).status_code == 302
    assert _found(story, "zeppelin")
    assert _found(story, "gondolas")
    assert not _found(story, "agenda")
    assert _found(story, "sentence")  # its highlights, untouched ("Highlight sentence number …")


def test_a_highlight_added_or_deleted_in_the_admin_changes_what_finds_the_story(
    client, editor, django_capture_on_commit_callbacks
):
    story = StoryFactory(published=True, title="Harbour news", body="<p>Boats.</p>")
    kept = [h.text for h in story.highlights.all()][:2]
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        data = story_form_data(story, highlights=[*kept, "Lighthouse keepers strike."])
        assert client.post(change_url(story), data).status_code == 302
    assert _found(story, "lighthouse")
    story.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(change_url(story), story_form_data(story, highlights=kept)).status_code == 302
    assert not _found(story, "keepers")


def test_an_imported_story_is_found_by_its_highlights_and_a_reimport_replaces_them(
    tmp_path, django_capture_on_commit_callbacks
):
    document = "Mar 3, 2026, 9:05 AM\n\nTram line approved\n\nHighlights\n- {highlight}\nStory\n\nThe council voted.\n"
    path = tmp_path / "tram.txt"
    for highlight in ("Ferry timetables change in June.", "Cyclists get a new lane."):
        path.write_text(document.format(highlight=highlight))
        with django_capture_on_commit_callbacks(execute=True):
            call_command("import_stories", str(path), "--publish", stdout=io.StringIO(), stderr=io.StringIO())
    story = Story.objects.get(title="Tram line approved")
    assert _found(story, "cyclists")
    assert not _found(story, "ferry")


def test_restoring_a_revision_brings_back_what_finds_the_story(client, editor, django_capture_on_commit_callbacks):
    story = StoryFactory(published=True, title="Market day")
    client.force_login(editor)
    versions = []
    for highlight in ("Cheesemongers return to the square.", "Florists take the stalls."):
        story.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(change_url(story), story_form_data(story, highlights=[highlight])).status_code == 302
        versions.append(Version.objects.get_for_object(story).first())
    story.refresh_from_db()
    url = reverse("admin:stories_story_restore", args=[story.pk, versions[0].pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"base_version": story.version}).status_code == 302
    assert _found(story, "cheesemongers")
    assert not _found(story, "florists")


def test_the_results_page_runs_the_same_few_queries_for_one_result_or_a_full_page(client, settings):
    settings.STORIES_PER_PAGE = 5
    section = SectionFactory(name="Transport")  # the navigation has a section to show
    counts = []
    if connection.vendor == "postgresql":
        search.word_statistics("default")  # read once in a while, not for each page (tests/reader/test_search_order.py)
    for total in (1, 6):
        while Story.objects.count() < total:
            StoryFactory(published=True, title="Tram line news", section=section)
        cache.clear()  # each measure starts cold: the budget is for a page computed afresh
        with CaptureQueriesContext(connection) as captured:
            html = _results(client, "tram")
        assert html.count("<mark>Tram</mark>") == min(total, 5)
        counts.append(len(captured))
    # When the page's content next changes (for the page cache), the results and, on PostgreSQL, the navigation
    # with them; SQLite's plain search reads the navigation on its own.
    assert counts == ([2, 2] if connection.vendor == "postgresql" else [3, 3])
