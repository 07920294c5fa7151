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
