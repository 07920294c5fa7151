"""The home feed: what a reader sees, filters that combine into shareable URLs, and pagination."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stories.models import Section
from tests.factories import HighlightFactory, SectionFactory, StoryFactory, TagFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("database_features_known")]


def _story(title, days_ago=0, **kwargs):
    return StoryFactory(
        published=True, title=title, published_at=timezone.now() - timedelta(days=days_ago, hours=1), **kwargs
    )


def test_a_card_shows_headline_date_section_highlights_and_byline(client):
    city = SectionFactory(name="City", slug="city")
    author = UserFactory(username="ann", first_name="Ann", last_name="Lee")
    story = _story("Tram line approved", section=city)
    story.authors.set([author])
    html = client.get("/").content.decode()
    assert "Tram line approved" in html
    assert f'<time datetime="{story.published_at.isoformat(timespec="seconds")}">' in html
    assert story.published_at.strftime("%b %-d, %Y, %-I:%M %p") in html
    assert '<a href="/section/city/">City</a>' in html
    for highlight in story.highlights.all():
        assert highlight.text in html
    assert "Ann Lee" in html


def test_stories_come_newest_first(client):
    _story("Older story", days_ago=3)
    _story("Newer story", days_ago=1)
    html = client.get("/").content.decode()
    assert html.index("Newer story") < html.index("Older story")


def test_filters_combine_in_a_shareable_url(client):
    city, sport = SectionFactory(name="City", slug="city"), SectionFactory(name="Sport", slug="sport")
    transport = TagFactory(name="Transport", slug="transport")
    match = _story("Tram line extended east", days_ago=2, section=city)
    match.tags.add(transport)
    _story("Tram line in another section", days_ago=2, section=sport).tags.add(transport)
    _story("City story without the tag about trams", days_ago=2, section=city)
    _story("Tram story too old", days_ago=40, section=city).tags.add(transport)
    _story("Bakery reopens", days_ago=2, section=city, body="<p>Fresh bread again.</p>").tags.add(transport)
    since = (timezone.localdate() - timedelta(days=10)).isoformat()
    html = client.get(f"/?section=city&tag=transport&since={since}&q=tram").content.decode()
    assert "Tram line extended east" in html
    for other in ("another section", "without the tag", "too old", "Bakery"):
        assert other not in html
    assert 'value="transport"' in html  # the form keeps what the reader chose


def test_the_until_filter_includes_the_whole_day(client):
    story = _story("Late evening story", days_ago=0)
    day = timezone.localtime(story.published_at).date()
    assert "Late evening story" in client.get(f"/?until={day.isoformat()}").content.decode()
    before = (day - timedelta(days=1)).isoformat()
    assert "Late evening story" not in client.get(f"/?until={before}").content.decode()


@override_settings(STORIES_PER_PAGE=2)
def test_next_and_previous_links_keep_the_filters(client):
    city = SectionFactory(name="City", slug="city")
    for n in range(5):
        _story(f"City story {n}", days_ago=n, section=city)
    first = client.get("/?section=city").content.decode()
    assert 'rel="next" href="?section=city&amp;page=2"' in first
    assert "You&#x27;ve reached the end" not in first and "You've reached the end" not in first
    second = client.get("/?section=city&page=2").content.decode()
    assert 'rel="prev" href="?section=city"' in second
    assert 'href="?section=city&amp;page=3"' in second
    last = client.get("/?section=city&page=3").content.decode()
    assert "City story 4" in last
    assert "You've reached the end" in last
    assert 'rel="next"' not in last


@override_settings(STORIES_PER_PAGE=2)
@pytest.mark.parametrize("page", ["4", "999", "1001", "0", "-1", "abc", "1.5", "٣", "9" * 40])
def test_a_page_that_is_not_there_is_a_404(client, page):
    for n in range(5):
        _story(f"Story {n}", days_ago=n)
    assert client.get("/", {"page": page}).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        {"section": "no-such-section"},
        {"tag": "<script>"},
        {"since": "yesterday"},
        {"until": "2025-02-30"},
        {"since": "0001-01-01", "until": "9999-12-31"},
        {"q": "x" * 1000},
        # A NUL is refused for the whole site (400): tests/security/test_hostile_requests.py.
        {"q": "'\" OR 1=1 --"},
        {"section": ["a", "b"], "tag": ""},
    ],
)
def test_bad_filter_values_are_reported_never_a_500(client, query):
    _story("Still here")
    response = client.get("/", query)
    assert response.status_code == 200
    html = response.content.decode()
    # Only words that may be searched for name the list; anything refused leaves it the latest stories.
    assert "<h1>Latest stories</h1>" in html or "<h1>Stories matching “&#39;&#34; OR 1=1 --”</h1>" in html


def test_an_invalid_filter_is_ignored_and_the_valid_ones_still_apply(client):
    SectionFactory(name="City", slug="city")
    _story("A city story", section=Section.objects.get(slug="city"))
    _story("Elsewhere")
    html = client.get("/?section=city&since=not-a-date").content.decode()
    assert "Some filters could not be used" in html
    assert "A city story" in html and "Elsewhere" not in html


def test_the_last_page_ends_with_the_closing_line(client):
    _story("Only story")
    assert "You've reached the end" in client.get("/").content.decode()


def _populate(count):
    section = SectionFactory()
    tags = [TagFactory() for _ in range(count)]
    authors = [UserFactory() for _ in range(count)]
    for _ in range(count):
        story = StoryFactory(published=True, section=section)
        HighlightFactory.create_batch(min(count, 5) - 1, story=story)
        story.tags.set(tags)
        story.authors.set(authors)
    return section, tags[0], authors[0]


@pytest.mark.parametrize("count", [1, 20])
@pytest.mark.parametrize(
    ("url", "queries"),
    # The page cache's look at the next scheduled story, then one query: the page of stories with their sections,
    # bylines and highlights, the navigation's sections and the tag or person. A filtered front page reads the
    # sections first (its form offers them).
    [
        ("/", 2),
        ("/?q=council&since=2000-01-01", 3),
        ("/section/{section}/", 2),
        ("/tag/{tag}/", 2),
        ("/authors/{author}/", 2),
    ],
)
def test_a_list_page_runs_a_fixed_few_queries_whatever_it_holds(client, django_assert_num_queries, count, url, queries):
    section, tag, author = _populate(count)
    client.get("/")  # the database's features, read once per process
    cache.clear()
    with django_assert_num_queries(queries):
        response = client.get(url.format(section=section.slug, tag=tag.slug, author=author.profile.slug))
    assert response.status_code == 200


def test_the_feed_runs_the_same_number_of_queries_for_one_story_or_twenty(client):
    counts = []
    for count in (1, 20):
        _populate(count)
        cache.clear()  # each measure starts cold, as the budget is for an uncached page
        with CaptureQueriesContext(connection) as captured:
            client.get("/")
        counts.append(len(captured))
    assert counts[0] == counts[1]


def _form_templates(response):
    return [t.name for t in response.templates if t.name and t.name.startswith("django/forms/")]


def test_the_blank_filter_form_is_rendered_once_per_process_then_reused(client):
    SectionFactory(name="City", slug="city")
    _story("Tram line approved")
    client.get("/")

    response = client.get("/?page=1")

    assert not _form_templates(response)
    assert 'name="q"' in response.text and '<option value="city">City</option>' in response.text


def test_the_filter_form_follows_a_renamed_section(client):
    city = SectionFactory(name="City", slug="city")
    _story("Tram line approved")
    client.get("/")
    cache.clear()

    Section.objects.filter(pk=city.pk).update(name="Metro")

    assert '<option value="city">Metro</option>' in client.get("/").text


def test_a_filtered_feed_shows_the_readers_values_in_the_form(client):
    _story("Tram line approved")
    client.get("/")
    cache.clear()

    response = client.get("/?q=tram&since=2026-13-45")

    assert _form_templates(response)  # rendered for this reader
    assert 'value="tram"' in response.text
    assert 'class="field-error"' in response.text


def test_only_the_lead_card_reads_its_highlights_and_shows_them_in_their_order(client):
    from stories import reading

    city = SectionFactory(name="City", slug="city")
    older = _story("Older story", days_ago=2, section=city)
    lead = _story("Lead story", days_ago=1, section=city)
    lead.highlights.all().delete()
    for position, text in [(2, "Second point."), (1, "First point.")]:
        HighlightFactory(story=lead, position=position, text=text)

    html = client.get("/").content.decode()
    assert html.index("First point.") < html.index("Second point.") < html.index("Older story")
    assert not any(h.text in html for h in older.highlights.all())

    front = reading.listing("front", 0, 21).cards
    assert [c["title"] for c in front] == ["Lead story", "Older story"]
    assert front[0]["highlights"] == ["First point.", "Second point."] and front[1]["highlights"] == []
    # The second page, a section's, a tag's: no lead, no highlights read.
    assert reading.listing("front", 1, 21).cards[0]["highlights"] == []
    assert reading.listing("section", 0, 21, "city").cards[0]["highlights"] == []


def test_an_authors_page_reads_no_bylines_and_other_lists_read_theirs(client):
    from stories import reading

    ann = UserFactory(username="ann", first_name="Ann", last_name="Lee")
    ann.profile.slug = "ann-lee"
    ann.profile.save()
    story = _story("Tram line approved")
    story.authors.set([ann, UserFactory(username="bo", first_name="Bo", last_name="Kim")])

    (card,) = reading.listing("author", 0, 21, "ann-lee").cards
    assert card["title"] == "Tram line approved" and card["byline"] == []
    html = client.get("/authors/ann-lee/").content.decode()
    assert "Tram line approved" in html and "Bo Kim" not in html
    assert [p["name"] for p in reading.listing("front", 0, 21).cards[0]["byline"]] == ["Ann Lee", "Bo Kim"]
