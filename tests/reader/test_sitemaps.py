"""Sitemaps and robots.txt for search engines."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import SectionFactory, StoryFactory

pytestmark = pytest.mark.django_db
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


def test_the_sitemap_index_lists_stories_sections_and_home(client):
    root = ET.fromstring(client.get("/sitemap.xml").content)  # noqa: S314
    locations = [loc.text for loc in root.iter(f"{SM}loc")]
    assert any(loc.endswith("/sitemap-stories.xml") for loc in locations)
    assert any(loc.endswith("/sitemap-sections.xml") for loc in locations)


def test_the_story_sitemap_uses_canonical_urls_and_last_modified(client, settings):
    settings.SITE_URL = "https://news.example"
    story = StoryFactory(published=True)
    root = ET.fromstring(client.get("/sitemap-stories.xml").content)  # noqa: S314
    url = root.find(f"{SM}url")
    assert url.findtext(f"{SM}loc") == "https://news.example" + story.get_absolute_url()
    assert url.findtext(f"{SM}lastmod")


def test_the_section_sitemap_lists_sections(client):
    SectionFactory(slug="city")
    assert b"/section/city/" in client.get("/sitemap-sections.xml").content


def test_the_news_sitemap_holds_the_last_48_hours(client, settings):
    settings.SITE_NAME = "Daily Tram"
    fresh = StoryFactory(published=True, title="Fresh & new")
    StoryFactory(published=True, title="Three days old", published_at=timezone.now() - timedelta(days=3))
    response = client.get("/sitemap-news.xml")
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)  # noqa: S314
    news = root.find(f"{SM}url/{NEWS}news")
    assert news.findtext(f"{NEWS}title") == "Fresh & new"
    assert news.findtext(f"{NEWS}publication/{NEWS}name") == "Daily Tram"
    assert news.findtext(f"{NEWS}publication_date") == fresh.published_at.isoformat()
    assert len(root.findall(f"{SM}url")) == 1


def test_robots_txt_points_to_the_sitemaps(client, settings):
    settings.SITE_URL = "https://news.example"
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "User-agent: *" in text
    assert "Sitemap: https://news.example/sitemap.xml" in text
    assert "Sitemap: https://news.example/sitemap-news.xml" in text
