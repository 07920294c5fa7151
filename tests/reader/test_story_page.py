"""The story page: DESIGN order, byline, dateline, corrections, lead image, related and neighbouring stories."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stories.models import Correction
from stories.story_page import any_story_page
from stories.views import story_page_context
from tests.factories import HighlightFactory, OpinionFactory, SectionFactory, StoryFactory, TagFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("database_features_known")]


# A 1x1 transparent GIF.
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def _text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_page_follows_the_design_order(client):
    story = StoryFactory(published=True, title="Tram line approved", body="<p>The council voted.</p>")
    html = client.get(story.get_absolute_url()).content.decode()
    main = html[html.index('<main id="main"') :]
    date = timezone.localtime(story.published_at).strftime("%b %-d, %Y, %-I:%M %p")
    order = [
        f'<time datetime="{story.published_at.isoformat(timespec="seconds")}">{date}</time>',
        "<h1",
        ">Highlights</h2>",
        '<ul class="highlights">',
        ">Story</h2>",
        "The council voted.",
        ">Opinions",
        "You've reached the end",
    ]
    positions = [main.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert main.count("<h1") == 1


def test_the_date_is_shown_in_the_newsroom_time_zone(client, settings):
    settings.TIME_ZONE = "America/New_York"
    when = timezone.make_aware(timezone.datetime(2025, 7, 24, 20, 14), timezone.get_fixed_timezone(-240))
    story = StoryFactory(published=True, published_at=when)
    html = client.get(story.get_absolute_url()).content.decode()
    assert "Jul 24, 2025, 8:14 PM" in html


def test_byline_names_every_author_with_dateline_and_standfirst(client):
    authors = [
        UserFactory(username="ann", first_name="Ann", last_name="Lee"),
        UserFactory(username="bo", first_name="Bo", last_name="Kim"),
        UserFactory(username="cy", first_name="", last_name=""),
    ]
    story = StoryFactory(published=True, authors=authors, dateline="LYON", standfirst="Two years of debate end.")
    text = _text(client.get(story.get_absolute_url()).content.decode())
    assert "By Ann Lee , Bo Kim and cy · LYON" in text
    assert "Two years of debate end." in text


def test_corrections_are_shown_with_their_dates(client):
    story = StoryFactory(published=True)
    Correction.objects.create(story=story, text="An earlier version misspelled the mayor's name.")
    Correction.objects.create(story=story, kind=Correction.Kind.UPDATE, text="The vote count was added.")
    html = client.get(story.get_absolute_url()).content.decode()
    assert "Corrections and updates" in html
    assert "An earlier version misspelled the mayor&#39;s name." in html
    assert html.index("misspelled") < html.index("vote count was added")
    # Each under its kind, as a heading, with its time.
    assert '<h4 class="notice-kind">Correction</h4>' in html and '<h4 class="notice-kind">Update</h4>' in html
    assert html.count('<p class="notice-time"><time datetime="') == 2


def test_the_lead_image_has_its_alt_text_and_caption(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    story = StoryFactory(
        published=True,
        lead_image=SimpleUploadedFile("tram.gif", GIF, content_type="image/gif"),
        lead_image_alt="A green tram crossing the river bridge",
        lead_image_caption="The eastern line. Photo: City archive",
    )
    html = client.get(story.get_absolute_url()).content.decode()
    assert 'alt="A green tram crossing the river bridge"' in html
    assert "<figcaption>The eastern line. Photo: City archive</figcaption>" in html


def test_related_stories_share_the_section_or_a_tag_and_are_published(client):
    city, sport = SectionFactory(name="City", slug="city"), SectionFactory(name="Sport", slug="sport")
    transport = TagFactory(name="Transport", slug="transport")
    story = StoryFactory(published=True, section=city)
    story.tags.add(transport)
    StoryFactory(published=True, section=city, title="Same section story")
    StoryFactory(published=True, section=sport, title="Same tag story").tags.add(transport)
    StoryFactory(published=True, section=sport, title="Unrelated story")
    StoryFactory(section=city, title="Draft in the same section")
    html = client.get(story.get_absolute_url()).content.decode()
    related = html[html.index('id="related-heading"') :]
    assert "Same section story" in related and "Same tag story" in related
    assert "Unrelated story" not in related and "Draft in the same section" not in html


def _related_titles(client, story) -> list[str]:
    html = client.get(story.get_absolute_url()).content.decode()
    if 'id="related-heading"' not in html:
        return []
    related = html[html.index('id="related-heading"') :].split("</section>")[0]
    return re.findall(r'<a href="/stories/[^"]+/">([^<]+)</a>', related)


def _made(title, hours_ago, section, tags=(), **state):
    story = StoryFactory(
        title=title,
        section=section,
        published_at=timezone.now() - timedelta(hours=hours_ago),
        **(state or {"published": True}),
    )
    story.tags.add(*tags)


def test_related_stories_are_the_newest_four_of_the_section_and_every_shared_tag(client):
    city, sport, arts = (SectionFactory(name=name, slug=name.lower()) for name in ("City", "Sport", "Arts"))
    trams, bikes = TagFactory(name="Trams", slug="trams"), TagFactory(name="Bikes", slug="bikes")
    story = StoryFactory(published=True, section=city, published_at=timezone.now() - timedelta(days=30))
    story.tags.add(trams, bikes)

    _made("An unrelated story", 0.5, arts)
    _made("Tram strike ends", 1, sport, [trams])
    _made("Bike lanes open", 2, arts, [bikes])
    _made("Council meets", 3, city)
    _made("Tram fares rise", 4, sport, [trams, bikes])
    _made("Older city news", 5, city)
    _made("Tram history", 48, sport, [trams])

    assert _related_titles(client, story) == ["Tram strike ends", "Bike lanes open", "Council meets", "Tram fares rise"]


def test_stories_readers_cannot_see_take_no_place_among_the_related(client):
    city, sport = SectionFactory(name="City", slug="city"), SectionFactory(name="Sport", slug="sport")
    trams = TagFactory(name="Trams", slug="trams")
    story = StoryFactory(published=True, section=city, published_at=timezone.now() - timedelta(days=30))
    story.tags.add(trams)

    _made("An expired tram story", 1, sport, [trams], published=True, expires_at=timezone.now())
    _made("A draft tram story", 1.5, sport, [trams], status="draft")
    _made("A draft city story", 1.5, city, status="draft")
    _made("A scheduled tram story", -2, sport, [trams], scheduled=True)
    for hours in (2, 3, 4, 5, 6):
        _made(f"Tram story {hours}", hours, sport, [trams])

    assert _related_titles(client, story) == [f"Tram story {hours}" for hours in (2, 3, 4, 5)]


def test_a_story_alone_in_its_section_and_tags_has_no_related_stories(client):
    story = StoryFactory(published=True, section=SectionFactory(name="Obituaries", slug="obituaries"))
    story.tags.add(TagFactory(name="Only here", slug="only-here"))
    StoryFactory(published=True, section=SectionFactory(name="Sport", slug="sport"), title="Cup final")

    assert _related_titles(client, story) == []


def test_previous_and_next_stories_are_the_published_neighbours(client):
    now = timezone.now()
    older = StoryFactory(published=True, published_at=now - timedelta(hours=3), title="Older neighbour")
    StoryFactory(in_review=True, title="In review between")
    story = StoryFactory(published=True, published_at=now - timedelta(hours=2))
    newer = StoryFactory(published=True, published_at=now - timedelta(hours=1), title="Newer neighbour")
    StoryFactory(scheduled=True, title="Scheduled later")
    html = client.get(story.get_absolute_url()).content.decode()
    assert f'<a rel="prev" href="{older.get_absolute_url()}">' in html
    assert f'<a rel="next" href="{newer.get_absolute_url()}">' in html
    newest = client.get(newer.get_absolute_url()).content.decode()
    assert 'rel="next"' not in newest.split("story-after")[-1]


def test_a_scheduled_neighbour_appears_as_next_and_related_once_its_time_comes(client, monkeypatch):
    # The story page's query is compiled once per process: the time it compares against must be each request's.
    city = SectionFactory(name="City", slug="city")
    now = timezone.now()
    story = StoryFactory(published=True, published_at=now - timedelta(hours=1), section=city)
    scheduled = StoryFactory(scheduled=True, published_at=now + timedelta(hours=2), section=city, title="Tram opens")
    before = client.get(story.get_absolute_url()).content.decode()
    assert "Tram opens" not in before

    later = now + timedelta(hours=3)
    monkeypatch.setattr(timezone, "now", lambda: later)
    after = client.get(story.get_absolute_url()).content.decode()
    assert f'<a rel="next" href="{scheduled.get_absolute_url()}">' in after
    assert "Tram opens" in after[after.index('id="related-heading"') :]


def test_a_preview_shows_the_banner_and_is_not_indexable():
    story = StoryFactory(title="Draft about trams")
    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string

    request.user = AnonymousUser()
    context = {**story_page_context(request, any_story_page(story.pk)), "preview": True}
    html = render_to_string("stories/story_detail.html", context, request)
    assert '<div class="preview-banner" role="status">Preview — not published</div>' in html
    assert '<meta name="robots" content="noindex">' in html
    assert "application/ld+json" not in html and 'rel="canonical"' not in html


def test_the_story_page_html_stays_under_30_kb(client):
    story = StoryFactory(published=True, body="<p>" + "A long paragraph of reporting. " * 150 + "</p>")
    story.authors.set([UserFactory() for _ in range(5)])
    HighlightFactory.create_batch(2, story=story)
    OpinionFactory.create_batch(10, story=story)
    for _ in range(5):
        StoryFactory(published=True, section=story.section)
    response = client.get(story.get_absolute_url())
    assert len(response.content) < 30 * 1024


def _story_with(count):
    section = SectionFactory()
    tags = [TagFactory() for _ in range(count)]
    story = StoryFactory(published=True, section=section, authors=[UserFactory() for _ in range(count)])
    HighlightFactory.create_batch(min(count, 5) - 1, story=story)
    story.tags.set(tags)
    OpinionFactory.create_batch(count, story=story)
    for n in range(count):
        Correction.objects.create(story=story, text=f"Correction {n}")
        StoryFactory(published=True, section=section).tags.set(tags)
    return story


@pytest.mark.parametrize("count", [1, 20])
def test_the_story_page_runs_two_queries(client, django_assert_num_queries, count):
    # The story with its short lists (highlights, byline, tags, corrections, related, neighbours, sections) and its
    # first page of opinions; and the page cache's look at the next scheduled story, once per content version.
    story = _story_with(count)
    with django_assert_num_queries(2):
        response = client.get(story.get_absolute_url())
    assert response.status_code == 200


def test_the_story_page_runs_the_same_queries_with_one_or_twenty_of_everything(client):
    counts = []
    for count in (1, 20):
        story = _story_with(count)
        cache.clear()  # each measure starts cold, as the budget is for an uncached page
        with CaptureQueriesContext(connection) as captured:
            client.get(story.get_absolute_url())
        counts.append(len(captured))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("page", ["story", "home", "feed"])
def test_reader_pages_never_read_the_authors_password_hashes_or_addresses(client, page):
    story = _story_with(2)
    url = {"story": story.get_absolute_url(), "home": "/", "feed": "/feed/"}[page]
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    user_columns = [q["sql"] for q in captured if "auth_user" in q["sql"]]
    assert user_columns, "the page shows a byline: it must read the authors"
    for sql in user_columns:
        assert '"password"' not in sql and '"email"' not in sql, sql


def test_a_blank_opinion_form_is_rendered_once_per_process_then_reused(client):
    first, second = StoryFactory(published=True), StoryFactory(published=True)
    client.get(first.get_absolute_url())  # renders the blank form's fields, if no page did before

    response = client.get(second.get_absolute_url())

    # Django's form templates are the only ones the test client sees rendered (the page itself is Jinja2's).
    rendered = [template.name for template in response.templates]
    assert not [name for name in rendered if name and name.startswith("django/forms/")], rendered
    assert 'name="author_name"' in response.text and 'name="body"' in response.text
