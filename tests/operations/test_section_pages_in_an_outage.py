"""A section page while the database is down is the "back in a moment" page, not "page not found".

The navigation of an error page is decoration, though: the 404 page still renders, without it, when the
database fails under its own render.
"""

import pytest

from tests.factories import SectionFactory, StoryFactory
from tests.operations.outage import assert_friendly_503

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    section = SectionFactory(name="City")
    StoryFactory(published=True, title="Tram depot reopens", section=section)
    return section


def test_a_section_page_is_the_503_page_while_the_database_is_down(client, city, database_down):
    assert_friendly_503(client.get(f"/section/{city.slug}/"))


def test_the_front_page_is_the_503_page_while_the_database_is_down(client, city, database_down):
    assert_friendly_503(client.get("/"))


def test_an_unknown_section_is_not_found_and_its_page_shows_the_sections(client, city):
    response = client.get("/section/no-such-desk/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert f'href="/section/{city.slug}/"' in html


@pytest.mark.parametrize("path", ["/no-such-page/", "/nul%00/"], ids=["unknown address", "NUL in the address"])
def test_the_not_found_page_renders_without_its_navigation_while_the_database_is_down(
    client, city, database_down, path
):
    response = client.get(path)
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert 'aria-label="Sections"' not in html
