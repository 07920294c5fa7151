"""Readers see approved opinions only: name, date and plain text, newest first, counted and paginated."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stories import opinions
from stories.models import Opinion, OpinionStatus
from stories.story_page import live_story_page
from tests.factories import OpinionFactory


def _section(client, story, query=""):
    html = client.get(story.get_absolute_url() + query).content.decode()
    return html[html.index('id="opinions"') : html.index("</section>", html.index('id="opinions"'))]


def _opinions_at(story, count, **fields):
    now = timezone.now()
    return Opinion.objects.bulk_create(
        [
            Opinion(
                story=story,
                author_name=f"Reader {n}",
                body=f"Opinion number {n}.",
                status=OpinionStatus.APPROVED,
                created_at=now - timedelta(minutes=count - n),
                **fields,
            )
            for n in range(count)
        ]
    )


def test_only_approved_opinions_are_shown(client, story):
    for status in OpinionStatus.values:
        OpinionFactory(story=story, status=status, author_name=f"Name {status}", body=f"Text {status}")
    section = _section(client, story)
    assert "Name approved" in section and "Text approved" in section
    for status in ("pending", "rejected", "spam"):
        assert f"Name {status}" not in section
        assert f"Text {status}" not in section


def test_opinions_show_name_and_date_newest_first_with_the_count(client, story, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    when = timezone.datetime(2025, 7, 24, 18, 14, tzinfo=ZoneInfo("UTC"))
    OpinionFactory(story=story, author_name="Older Reader", created_at=when)
    OpinionFactory(story=story, author_name="Newer Reader", created_at=when + timedelta(hours=1))
    OpinionFactory(story=story, author_name="Newest Reader", created_at=when + timedelta(hours=2))
    section = _section(client, story)
    assert 'Opinions <span class="opinion-count">(3)</span></h2>' in section
    assert section.index("Newest Reader") < section.index("Newer Reader") < section.index("Older Reader")
    assert "Jul 24, 2025, 8:14 PM" in section  # 18:14 UTC in Berlin summer time
    assert 'datetime="2025-07-24T20:14:00+02:00"' in section


def test_text_is_plain_escaped_with_line_breaks_kept_and_links_not_clickable(client, story):
    OpinionFactory(
        story=story,
        author_name="<b>Bold</b> Reader",
        body='First line & <em>more</em>\nSecond line https://spam.example/x <a href="https://x.example">x</a>',
    )
    section = _section(client, story)
    assert "&lt;b&gt;Bold&lt;/b&gt; Reader" in section
    assert "First line &amp; &lt;em&gt;more&lt;/em&gt;<br>Second line https://spam.example/x" in section
    assert "&lt;a href=&#34;https://x.example&#34;&gt;x&lt;/a&gt;" in section
    assert "<a " not in section.split("</h2>", 1)[1].split("<form", 1)[0]


def test_a_story_without_opinions_says_so(client, story):
    section = _section(client, story)
    assert '<h2 id="opinions-heading">Opinions</h2>' in section
    assert "No opinions yet." in section


def test_opinions_are_paginated_past_fifty(client, story):
    _opinions_at(story, 120)
    first = _section(client, story)
    assert "(120)" in first
    assert first.count('class="opinion"') == 50
    assert "Opinion number 119." in first and "Opinion number 70." in first and "Opinion number 69." not in first
    assert 'href="?opinions_page=2#opinions"' in first
    assert "Page 1 of 3" in first

    third = _section(client, story, "?opinions_page=3")
    assert third.count('class="opinion"') == 20
    assert "Opinion number 19." in third and "Opinion number 0." in third
    assert 'href="?opinions_page=2#opinions"' in third and "opinions_page=4" not in third


@pytest.mark.parametrize("page", ["0", "-3", "abc", "99"])
def test_a_page_that_does_not_exist_shows_the_first(client, story, page):
    _opinions_at(story, 60)
    response = client.get(story.get_absolute_url() + f"?opinions_page={page}")
    assert response.status_code == 200
    assert "Page 1 of 2" in response.content.decode()


def test_the_opinions_section_costs_one_query_whatever_the_number_of_opinions(story, django_assert_num_queries):
    request = RequestFactory().get(story.get_absolute_url())
    shown = live_story_page(story.slug)["story"]
    with django_assert_num_queries(1):
        empty = opinions.section_context(request, shown)
    assert empty["opinion_count"] == 0 and empty["opinions_open"]
    _opinions_at(story, 130)
    with django_assert_num_queries(1):
        full = opinions.section_context(request, shown)
    assert full["opinion_count"] == 130 and len(full["opinions"]) == 50
    request = RequestFactory().get(shown["url"] + "?opinions_page=3")
    with django_assert_num_queries(1):
        last = opinions.section_context(request, shown)
    assert len(last["opinions"]) == 30


def test_the_story_page_query_count_does_not_grow_with_opinions(client, story, django_assert_num_queries):
    url = story.get_absolute_url()
    _opinions_at(story, 2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _opinions_at(story, 150)
    # The first page of opinions comes with the story; another page costs one query more.
    for query, queries in (("", len(few)), ("?opinions_page=3", len(few) + 1)):
        cache.clear()  # the page itself is cached for anonymous readers
        with django_assert_num_queries(queries):
            assert client.get(url + query).status_code == 200
