"""RSS and Atom feeds of the latest stories, for the site and per section."""

import xml.etree.ElementTree as ET

import pytest
from django.conf import settings

from tests.factories import HighlightFactory, SectionFactory, StoryFactory, UserFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def test_rss_lists_the_latest_stories_with_authors(client):
    ann = UserFactory(username="ann", first_name="Ann", last_name="Lee")
    story = StoryFactory(published=True, title="Tram & bus <news>", standfirst="The short version.", authors=[ann])
    response = client.get("/feed/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")  # noqa: S314
    item = channel.find("item")
    assert item.findtext("title") == "Tram & bus <news>"
    assert item.findtext("link").endswith(story.get_absolute_url())
    assert item.findtext("description") == "The short version."
    assert "Ann Lee" in ET.tostring(item, encoding="unicode")


def test_atom_lists_the_latest_stories(client):
    StoryFactory(published=True, title="Atom story")
    response = client.get("/feed/atom/")
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314
    assert root.find(f"{ATOM}entry").findtext(f"{ATOM}title") == "Atom story"
    assert root.find(f"{ATOM}entry").findtext(f"{ATOM}updated")


@pytest.mark.parametrize("url", ["/section/city/feed/", "/section/city/feed/atom/"])
def test_a_section_feed_holds_only_that_section(client, url):
    city = SectionFactory(name="City", slug="city")
    StoryFactory(published=True, section=city, title="City story")
    StoryFactory(published=True, title="Elsewhere story")
    content = client.get(url).content.decode()
    assert "City story" in content and "Elsewhere story" not in content


def test_an_unknown_section_feed_is_404(client):
    assert client.get("/section/nowhere/feed/").status_code == 404


def test_the_pages_announce_their_feeds(client):
    html = client.get("/").content.decode()
    assert '<link rel="alternate" type="application/rss+xml"' in html
    assert '<link rel="alternate" type="application/atom+xml"' in html


def test_the_feed_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for _ in range(5):
        StoryFactory(published=True, authors=[UserFactory(), UserFactory()])
    with django_assert_max_num_queries(6):
        client.get("/feed/")


@pytest.mark.parametrize("url", ["/feed/", "/feed/atom/", "/section/city/feed/"])
def test_a_feed_leaves_in_one_piece(client, url):
    # Each piece of a response is one socket write for the WSGI server: not one per XML element.
    city = SectionFactory(name="City", slug="city")
    StoryFactory.create_batch(3, published=True, section=city)
    response = client.get(url)
    assert response.status_code == 200
    assert b"<item>" in response.content or b"<entry>" in response.content
    assert len(list(response)) == 1


def test_an_item_without_a_standfirst_is_described_by_its_highlights_else_its_first_paragraph(client):
    plain = StoryFactory(published=True, title="No standfirst", standfirst="")
    plain.highlights.all().delete()
    HighlightFactory(story=plain, text="Trams return in May.", position=1)
    HighlightFactory(story=plain, text="Fares stay the same.", position=2)
    bare = StoryFactory(
        published=True, title="Body alone", standfirst="", body="<p>The <b>first</b> one.</p><p>The second.</p>"
    )
    bare.highlights.all().delete()
    StoryFactory(published=True, title="With standfirst", standfirst="The short version.", body="<p>Not this.</p>")

    channel = ET.fromstring(client.get("/feed/").content).find("channel")  # noqa: S314

    described = {item.findtext("title"): item.findtext("description") for item in channel.iter("item")}
    assert described == {
        "No standfirst": "Trams return in May. Fares stay the same.",
        "Body alone": "The first one.",
        "With standfirst": "The short version.",
    }


@pytest.mark.parametrize("url", ["/feed/atom/", "/section/city/feed/atom/"])
def test_every_atom_entry_has_an_author_even_without_a_byline(client, url):
    # RFC 4287 4.1.1: a feed without an <author> needs one in every entry.
    section = SectionFactory(name="City", slug="city")
    story = StoryFactory(title="Nobody signed this", published=True, section=section)
    story.authors.clear()
    feed = ET.fromstring(client.get(url).content)  # noqa: S314 (our own feed)
    atom = "{http://www.w3.org/2005/Atom}"
    entries = feed.findall(f"{atom}entry")
    assert entries
    feed_author = feed.find(f"{atom}author/{atom}name")
    assert feed_author is not None and feed_author.text == settings.SITE_NAME
    assert all(entry.find(f"{atom}author") is None for entry in entries)  # the story has no byline of its own
    # RSS has no such rule and gets no made-up author.
    assert b"<managingEditor>" not in client.get(url.replace("atom/", "")).content
