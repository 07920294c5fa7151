"""Reader addresses are remembered, and still follow the script prefix and the URLconf."""

import pytest
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from stories.links import reader_url


@pytest.fixture
def script_prefix():
    yield set_script_prefix
    clear_script_prefix()


def test_a_remembered_address_is_the_reversed_one():
    for _ in range(2):
        assert reader_url("stories:detail", "tram-line") == reverse("stories:detail", args=["tram-line"])


def test_an_address_follows_the_script_prefix(script_prefix):
    assert reader_url("stories:section", "city") == "/section/city/"
    script_prefix("/news/")
    assert reader_url("stories:section", "city") == "/news/section/city/"


def test_an_address_follows_the_urlconf(settings):
    assert reader_url("stories:tag", "transport") == "/tag/transport/"
    settings.ROOT_URLCONF = "tests.crash_urls"
    with pytest.raises(NoReverseMatch):  # not the address remembered under the site's URLconf
        reader_url("stories:tag", "transport")


def test_a_remembered_static_address_is_djangos_and_follows_the_static_settings(settings):
    from django.templatetags.static import static

    from stories.links import static_url

    assert static_url("css/site.css") == static("css/site.css")
    settings.STATIC_URL = "https://static.example.com/assets/"
    assert static_url("css/site.css") == static("css/site.css")
    assert static_url("css/site.css").startswith("https://static.example.com/assets/")


def test_a_pages_addresses_follow_the_script_prefix_read_when_the_page_starts(script_prefix):
    from stories.links import reader_urls

    assert reader_urls()("stories:section", "city") == "/section/city/"
    script_prefix("/news/")
    url = reader_urls()
    assert url("stories:section", "city") == "/news/section/city/"
    assert url("stories:detail", "tram-line") == reverse("stories:detail", args=["tram-line"])


@pytest.mark.django_db
def test_a_page_served_under_a_script_prefix_links_under_it(client, script_prefix, settings):
    from tests.factories import SectionFactory, StoryFactory

    story = StoryFactory(published=True, section=SectionFactory(name="City", slug="city"))
    script_prefix("/news/")  # as the WSGI handler sets it from SCRIPT_NAME (Django's test client does not)
    # Django's static files storage keeps the address it first read for a relative STATIC_URL (a deployment has one
    # prefix). Set again (the site's own, relative), it reads it anew, under this prefix.
    settings.STATIC_URL = "static/"
    html = client.get(f"/stories/{story.slug}/").content.decode()
    assert 'href="/news/section/city/"' in html  # a template's url()
    assert 'href="/news/feed/"' in html
    assert 'href="/news/static/css/site' in html  # a template's static()
    assert 'href="/section/' not in html and 'href="/static/' not in html
