"""Section, tag and author pages list published stories."""

from html import unescape

import pytest
from django.core.cache import cache

from stories.models import Section
from tests.factories import SectionFactory, StoryFactory, TagFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_section_page_lists_its_published_stories(client):
    city = SectionFactory(name="City", slug="city", description="News from the town hall.")
    StoryFactory(published=True, section=city, title="City story")
    StoryFactory(published=True, section=SectionFactory(slug="sport"), title="Sport story")
    html = client.get("/section/city/").content.decode()
    assert "<h1>City</h1>" in html and "News from the town hall." in html
    assert "City story" in html and "Sport story" not in html
    assert 'aria-current="page">City</a>' in html
    assert 'href="/section/city/feed/"' in html


def test_a_tag_page_lists_its_published_stories(client):
    transport = TagFactory(name="Transport", slug="transport")
    StoryFactory(published=True, title="Tagged story").tags.add(transport)
    StoryFactory(published=True, title="Untagged story")
    html = client.get("/tag/transport/").content.decode()
    assert "<h1>Transport</h1>" in html
    assert "Tagged story" in html and "Untagged story" not in html


def test_an_author_page_lists_their_bylines(client):
    ann = UserFactory(username="ann", first_name="Ann", last_name="Lee")
    StoryFactory(published=True, title="Ann's story", authors=[ann])
    StoryFactory(published=True, title="Someone else's story", authors=[UserFactory()])
    html = client.get("/authors/ann-lee/").content.decode()
    assert "<h1>Ann Lee</h1>" in html
    assert "Ann's story" in unescape(html) and "Someone else" not in html


def test_the_byline_links_to_the_author_page(client):
    ann = UserFactory(username="ann", first_name="Ann", last_name="Lee")
    story = StoryFactory(published=True, authors=[ann])
    html = client.get(story.get_absolute_url()).content.decode()
    assert '<a rel="author" href="/authors/ann-lee/">Ann Lee</a>' in html


@pytest.mark.parametrize("url", ["/section/nowhere/", "/tag/nothing/", "/authors/nobody/"])
def test_unknown_sections_tags_and_authors_are_404(client, url):
    assert client.get(url).status_code == 404


def test_a_person_without_a_published_byline_has_no_public_page(client, editor):
    StoryFactory(title="A draft", authors=[editor])
    assert client.get(editor.profile.get_absolute_url()).status_code == 404
    assert client.get(f"/authors/{editor.username}/").status_code == 404


def test_the_navigation_follows_a_renamed_section_and_marks_the_page_of_each(client):
    city = SectionFactory(name="City", slug="city")
    sport = SectionFactory(name="Sport", slug="sport")
    for section in (city, sport):
        StoryFactory(published=True, section=section)
    assert '<a href="/section/city/" aria-current="page">City</a>' in client.get("/section/city/").text
    assert '<a href="/section/sport/" aria-current="page">Sport</a>' in client.get("/section/sport/").text
    assert '<a href="/" aria-current="page">Latest</a>' in client.get("/").text

    Section.objects.filter(pk=city.pk).update(name="Metro")
    cache.clear()

    html = client.get("/section/sport/").text
    assert '<a href="/section/city/">Metro</a>' in html
    assert '<a href="/section/sport/" aria-current="page">Sport</a>' in html
