"""axe-core finds no serious or critical accessibility problem on the reader pages, light or dark."""

import pytest

from tests.browser.journey_helpers import serious_accessibility_violations as _serious_violations
from tests.browser.reader_content import build


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width,height", [(390, 844), (1280, 800)])
def test_reader_pages_have_no_serious_accessibility_violations(live_server, page, axe_source, scheme, width, height):
    story = build()
    page.set_viewport_size({"width": width, "height": height})
    page.emulate_media(color_scheme=scheme)
    for path in ["/", story.get_absolute_url(), "/search/?q=tram", "/section/city/", "/?section=city&since=bad"]:
        page.goto(live_server.url + path)
        assert _serious_violations(page, axe_source) == [], path


@pytest.mark.django_db(transaction=True)
def test_the_skip_link_is_the_first_stop_and_moves_focus_to_the_content(live_server, page):
    story = build()
    page.goto(live_server.url + story.get_absolute_url())
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.django_db(transaction=True)
def test_focus_is_visible_on_links(live_server, page):
    build()
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
