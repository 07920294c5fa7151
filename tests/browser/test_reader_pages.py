"""A reader browses the site in a real browser, on a phone and a desktop, light and dark."""

import pytest
from playwright.sync_api import expect

from tests.browser.reader_content import build

SIZES = {"phone": (390, 844), "desktop": (1280, 800)}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", SIZES)
def test_screenshots_of_the_reader_pages(live_server, page, screenshot, size, scheme):
    story = build()
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    page.emulate_media(color_scheme=scheme)
    pages = {
        "home": "/",
        "story": story.get_absolute_url(),
        "search": "/search/?q=tram",
        "section": "/section/city/",
    }
    for name, path in pages.items():
        page.goto(live_server.url + path)
        # Nothing may be wider than the screen: no sideways scrolling on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        assert screenshot(f"{name}-{size}-{scheme}").stat().st_size > 1000


@pytest.mark.django_db(transaction=True)
def test_a_reader_filters_and_pages_through_the_feed_without_javascript(live_server, browser, settings):
    settings.STORIES_PER_PAGE = 4  # the City section holds 7 stories: two pages
    build()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.get_by_text("Filter stories").click()
    page.get_by_label("Section", exact=True).select_option("city")
    page.get_by_role("button", name="Apply filters").click()
    assert "section=city" in page.url
    page.get_by_role("link", name="Older stories →").click()
    assert "section=city" in page.url and "page=2" in page.url
    assert page.get_by_text("You've reached the end").is_visible()
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_reader_searches_and_opens_a_story(live_server, page):
    story = build()
    page.goto(live_server.url + "/")
    page.get_by_role("searchbox", name="Search stories").fill("tram line")
    page.get_by_role("searchbox", name="Search stories").press("Enter")
    page.get_by_role("link", name=story.title).click()
    assert page.locator("h1").inner_text() == story.title
    # The heading is there before the rest of the page has been parsed: wait
    # for the last section before reading them all.
    sections = page.locator("article.story > section > h2")
    expect(sections.nth(2)).to_contain_text("Opinions")
    headings = [" ".join(h.split()) for h in sections.all_text_contents()]
    assert headings[:2] == ["Highlights", "Story"]
    assert headings[2].startswith("Opinions")
