"""The moderation queue: opens on pending, oldest first, with the story, author, text, age, flags and counts."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stories import counts, opinions
from stories.models import Opinion, OpinionStatus
from tests.changelist import sortable_columns
from tests.factories import OpinionFactory, StoryFactory

QUEUE = "/admin/stories/opinion/"


@pytest.fixture
def story(db):
    return StoryFactory(published=True, title="Tram line approved")


def _opinion(story, minutes_ago, status=OpinionStatus.PENDING, **fields):
    return OpinionFactory(
        story=story, status=status, created_at=timezone.now() - timedelta(minutes=minutes_ago), **fields
    )


def _rows(html):
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr")[1:]


def test_the_queue_opens_on_pending_opinions_oldest_first(client, moderator, story):
    _opinion(story, 5, author_name="Newer Pending")
    _opinion(story, 50, author_name="Older Pending")
    _opinion(story, 500, status=OpinionStatus.APPROVED, author_name="Already Approved")
    _opinion(story, 500, status=OpinionStatus.SPAM, author_name="Spammer")
    client.force_login(moderator)
    html = client.get(QUEUE).content.decode()
    rows = _rows(html)
    assert len(rows) == 2
    assert "Older Pending" in rows[0] and "Newer Pending" in rows[1]
    assert "Opinions waiting for a moderator" in html


def test_a_row_shows_the_story_linked_the_author_the_text_its_age_and_flags(client, moderator, story):
    _opinion(
        story,
        90,
        author_name="Ana Reader",
        email="ana@example.com",
        body="Too many links: https://a.example https://b.example https://c.example",
        flags=[opinions.FLAG_LINKS, opinions.FLAG_BANNED_WORDS, opinions.FLAG_DUPLICATE],
    )
    client.force_login(moderator)
    row = _rows(client.get(QUEUE).content.decode())[0]
    assert f'<a href="{reverse("admin:stories_story_change", args=[story.pk])}">Tram line approved</a>' in row
    assert "Ana Reader" in row and "ana@example.com" in row
    assert "Too many links: https://a.example" in row
    assert "1\xa0hour" in row
    for label in ("links", "banned words", "duplicate"):
        assert f'<span class="opinion-flag">{label}</span>' in row


@pytest.mark.parametrize(
    "count_limit, statuses, labels, spam_rows",
    [
        (None, "pppaarssss", ("Pending (3)", "Approved (2)", "Rejected (1)", "Spam (4)"), 4),
        # Past the limit the count stops counting; the queue itself still lists every opinion of the status chosen.
        (3, "pppasssss", ("Pending (3)", "Approved (1)", "Rejected (0)", "Spam (3+)"), 5),
    ],
)
def test_the_queue_counts_each_status_and_filters_by_it(
    client, moderator, story, monkeypatch, count_limit, statuses, labels, spam_rows
):
    if count_limit:
        monkeypatch.setattr(counts, "EXACT_COUNT_LIMIT", count_limit)
    names = {"p": "pending", "a": "approved", "r": "rejected", "s": "spam"}
    for minutes, letter in enumerate(statuses):
        _opinion(story, minutes, status=names[letter])
    client.force_login(moderator)
    html = client.get(QUEUE).content.decode()
    for label in labels:
        assert label in html
    assert len(_rows(client.get(QUEUE + "?status=spam").content.decode())) == spam_rows
    assert len(_rows(client.get(QUEUE + "?status=all").content.decode())) == len(statuses)


def test_the_queue_filters_by_story_and_date(client, moderator, story):
    other = StoryFactory(published=True, title="Bakery reopens")
    _opinion(story, 10, author_name="On the tram")
    _opinion(other, 10, author_name="On the bakery")
    _opinion(other, 60 * 24 * 10, author_name="Long ago")
    client.force_login(moderator)
    html = client.get(QUEUE).content.decode()
    assert "Bakery reopens" in html.split('id="changelist-filter"', 1)[1]
    by_story = client.get(QUEUE + f"?story__id__exact={other.pk}").content.decode()
    assert "On the bakery" in by_story and "On the tram" not in by_story
    # Follow the filter's own "Past 7 days" link, as a moderator would.
    past_week = re.search(r'<a href="(\?[^"]*created_at__gte[^"]*)">Past 7 days</a>', html).group(1)
    recent = client.get(QUEUE + unescape(past_week)).content.decode()
    assert "On the bakery" in recent and "Long ago" not in recent


def test_the_queue_runs_the_same_number_of_queries_however_long_it_is(client, moderator, story):
    client.force_login(moderator)
    _opinion(story, 1, flags=[opinions.FLAG_LINKS])
    with CaptureQueriesContext(connection) as few:
        assert client.get(QUEUE).status_code == 200
    stories = [StoryFactory(published=True) for _ in range(5)]
    for n in range(40):
        _opinion(stories[n % 5], n, flags=[opinions.FLAG_DUPLICATE])
    with CaptureQueriesContext(connection) as many:
        response = client.get(QUEUE)
    assert len(_rows(response.content.decode())) == 41
    assert len(many) == len(few)


def test_the_change_page_shows_the_whole_text_read_only(client, moderator, story):
    opinion = _opinion(story, 3, body="Line one\nLine <b>two</b>")
    client.force_login(moderator)
    html = client.get(reverse("admin:stories_opinion_change", args=[opinion.pk])).content.decode()
    assert "Line one\nLine &lt;b&gt;two&lt;/b&gt;" in html
    assert 'name="body"' not in html and 'name="author_name"' not in html
    assert Opinion.objects.get().body == "Line one\nLine <b>two</b>"


def _story_choices(html):
    """The story filter as a moderator reads it: each choice's text, and which one is selected."""
    sidebar = html.split('id="changelist-filter"', 1)[1]
    story_filter = sidebar.split("By story with pending opinions", 1)[1].split("</details>", 1)[0]
    return [
        (unescape(text), selected == "selected")
        for selected, text in re.findall(
            r'<li(?: class="(selected)")?>\s*<a href="[^"]*story__id__exact=\d+[^"]*">([^<]*)</a>', story_filter
        )
    ]


def test_the_story_filter_offers_the_stories_waiting_longest_with_how_many_wait(client, moderator, story):
    bakery = StoryFactory(published=True, title="Bakery reopens")
    quiet = StoryFactory(published=True, title="Quiet story")
    spammed = StoryFactory(published=True, title="Spammed story")
    _opinion(story, 50)
    _opinion(story, 5)
    _opinion(story, 900, status=OpinionStatus.APPROVED)
    _opinion(bakery, 500)
    _opinion(quiet, 1000, status=OpinionStatus.APPROVED)
    _opinion(spammed, 1000, status=OpinionStatus.SPAM)
    client.force_login(moderator)
    html = client.get(QUEUE).content.decode()
    # In the queue's order (the longest wait first); stories with nothing to moderate are not offered.
    assert _story_choices(html) == [("Bakery reopens (1)", False), ("Tram line approved (2)", False)]
    assert "Quiet story" not in html and "Spammed story" not in html


def test_the_story_filter_stays_short_however_busy_the_queue(client, moderator):
    waiting = [StoryFactory(published=True, title=f"Story {n:02}") for n in range(25)]
    for n, waiting_story in enumerate(waiting):
        _opinion(waiting_story, 1000 - n)  # Story 00 has waited longest
    client.force_login(moderator)
    choices = [text for text, _ in _story_choices(client.get(QUEUE).content.decode())]
    assert choices == [f"Story {n:02} (1)" for n in range(20)]


def test_a_story_opened_from_its_all_link_is_offered_and_selected_in_the_story_filter(client, moderator, story):
    quiet = StoryFactory(published=True, title="Quiet story")
    _opinion(story, 10)
    _opinion(quiet, 60, status=OpinionStatus.APPROVED, author_name="Approved Reader")
    client.force_login(moderator)
    row = _rows(client.get(QUEUE + "?status=approved").content.decode())[0]
    all_link = unescape(re.search(r'href="(\?story__id__exact=\d+&amp;status=all)"', row).group(1))
    html = client.get(QUEUE + all_link).content.decode()
    assert "Approved Reader" in _rows(html)[0]
    assert ("Quiet story", True) in _story_choices(html)
    assert ("Tram line approved (1)", False) in _story_choices(html)


def test_the_queue_sorts_by_age_and_by_nothing_that_would_read_every_opinion(client, moderator, story):
    _opinion(story, 50, author_name="Zoe Older")
    _opinion(story, 5, author_name="Amy Newer")
    client.force_login(moderator)
    response = client.get(QUEUE)
    columns = list(response.context["cl"].list_display)
    assert sortable_columns(response) == {"age"}

    def authors(query):
        rows = _rows(client.get(f"{QUEUE}?{query}").content.decode())
        return ["Zoe" if "Zoe Older" in row else "Amy" for row in rows]

    assert authors(f"o=-{columns.index('age')}") == ["Amy", "Zoe"]
    # A hand-made address sorting by the opinion's column (names, texts) keeps the queue's own order, oldest first.
    assert authors(f"o={columns.index('summary')}") == ["Zoe", "Amy"]


def test_an_opinions_page_names_the_reader_and_the_story(client, moderator, story):
    opinion = _opinion(story, 5, author_name="Rosa")
    client.force_login(moderator)
    html = unescape(client.get(f"{QUEUE}{opinion.pk}/change/").content.decode())
    assert "<title>Rosa on “Tram line approved” | " in html
    assert "<h2>Rosa on “Tram line approved”</h2>" in html
    assert str(opinion) == "Rosa on “Tram line approved”"
