"""The front page in Chromium, on a desktop and a phone: the newest story leads with its picture, standfirst and
highlights, the rest follow compact; a section's page does not repeat its name on each card; a filtered list
says what it is filtered by."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from playwright.sync_api import expect

from stories import images, renditions
from tests.browser.journey_helpers import Camera, CspWatch, serious_accessibility_violations
from tests.browser.reader_content import build

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}


def _with_lead_image(story):
    """Give `story` a 1,600 × 900 lead image and its renditions, as the desk's save does."""
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 900), "darkslateblue").save(buffer, format="JPEG")
    story.lead_image = SimpleUploadedFile("tram.jpg", buffer.getvalue(), content_type="image/jpeg")
    story.lead_image_alt = "A tram at the eastern terminus"
    story.save()
    renditions.make(story.lead_image.name, default_storage, images.focus_of(story))
    return story


def _fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", SIZES)
def test_the_newest_story_leads_the_front_page_and_lists_say_what_they_are(
    live_server, browser, settings, tmp_path, axe_source, size
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SERVE_MEDIA = True
    width, height = SIZES[size]
    story = _with_lead_image(build())
    context = browser.new_context(viewport={"width": width, "height": height})
    csp = CspWatch()
    csp.watch(context)
    page = context.new_page()
    shoot = Camera(f"front-page-{size}")

    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Latest stories")
    cards = page.locator(".feed > article.card")
    lead = cards.first
    # The lead is the newest story, with what the others leave out: its picture, standfirst and highlights.
    expect(lead).to_have_class("card lead has-image")
    expect(lead.get_by_role("heading")).to_have_text(story.title)
    expect(lead.locator(".card-standfirst")).to_have_text(story.standfirst)
    expect(lead.locator(".highlights li")).to_have_count(3)
    picture = lead.locator("img")
    expect(picture).to_have_attribute("alt", "A tram at the eastern terminus")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=picture.element_handle())
    source = picture.evaluate("img => img.currentSrc")
    assert renditions.prefix(story.lead_image.name) in source and ".50-50." in source  # the 16:9 crop
    assert picture.get_attribute("loading") != "lazy"  # the first picture loads at once
    # The lead's headline is larger than every other card's, and on a desktop it spans both columns.
    sizes = cards.evaluate_all(
        "cards => cards.map(c => parseFloat(getComputedStyle(c.querySelector('.card-title')).fontSize))"
    )
    assert sizes[0] > max(sizes[1:])
    assert cards.count() == settings.STORIES_PER_PAGE
    for other in range(1, cards.count()):
        expect(cards.nth(other).locator(".card-standfirst, .highlights")).to_have_count(0)
    boxes = cards.evaluate_all("cards => cards.map(c => c.getBoundingClientRect().width)")
    if size == "desktop":
        assert boxes[0] > 1.8 * boxes[1]
    else:
        assert boxes[0] == pytest.approx(boxes[1], abs=1)
    _fits(page, width)
    assert serious_accessibility_violations(page, axe_source) == []
    shoot(page, "front-page")

    # A section's page names the section once, in its heading: its cards do not repeat it.
    page.goto(live_server.url + "/section/city/")
    expect(page.get_by_role("heading", level=1)).to_have_text("City")
    section_cards = page.locator("article.card")
    assert section_cards.count() > 1
    expect(section_cards.locator(".meta a[href='/section/city/']")).to_have_count(0)
    _fits(page, width)
    shoot(page, "section-page")

    # A filtered front page says what it is filtered by, and no story leads it.
    page.goto(live_server.url + "/?tag=transport&q=tram")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Transport")
    expect(heading).to_contain_text("tram")
    expect(page.locator("article.card.lead")).to_have_count(0)
    expect(page.get_by_role("link", name="Clear filters")).to_be_visible()
    _fits(page, width)
    assert serious_accessibility_violations(page, axe_source) == []
    shoot(page, "filtered")
    assert csp.violations == []
    context.close()
