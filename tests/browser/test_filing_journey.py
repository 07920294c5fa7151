"""Filing a story in Chromium: a writer tags it by typing (one tag that exists, one that does not), an editor
publishes it and the reader's tag page lists it; an editor uploads a lead image, which loads on the desk's preview
and on the reader's page under the development settings; a moderator reads the story as formatted text."""

import pytest
from django.contrib.auth import get_user_model
from PIL import Image
from playwright.sync_api import expect

from stories import renditions
from stories.models import Story, Tag
from tests.browser.journey_helpers import Camera, CspWatch, log_in, serious_accessibility_violations, staff
from tests.factories import SectionFactory, StoryFactory, TagFactory

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
HEADLINE = "Night bus routes redrawn across the city"
HIGHLIGHTS = ["Four routes change from Monday.", "The N4 now runs through Eastgate."]


def _fits(page, width):
    """Nothing sticks out sideways at this width."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def _image_loaded(image):
    return image.evaluate("img => img.complete && img.naturalWidth > 0")


def _publish(page, base, story):
    page.goto(f"{base}/admin/stories/story/{story.pk}/change/")
    page.once("dialog", lambda dialog: dialog.accept())  # "Publish now" asks first
    page.get_by_role("button", name="Publish now").click()
    expect(page.locator(".messagelist")).to_contain_text("is published and live.")


@pytest.fixture
def sized(page, request):
    width, height = SIZES[request.param]
    page.set_viewport_size({"width": width, "height": height})
    return request.param, width


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("sized", list(SIZES), indirect=True)
def test_a_writer_tags_a_story_by_typing_and_readers_find_it_on_the_tag_page(
    live_server, page, browser, axe_source, sized
):
    size, width = sized
    base = live_server.url
    staff()
    transport = TagFactory(name="Transport")
    TagFactory(name="Trade")
    older = StoryFactory(published=True, title="Tram line approved after two years")
    older.tags.add(transport)
    csp = CspWatch()
    csp.watch(page.context)
    shoot = Camera(f"filing-tags-{size}")

    # The writer files the story and types its tags: a new one, then the start of one that exists.
    log_in(page, base, "wendy")
    page.goto(base + "/admin/stories/story/add/")
    page.locator("#id_title").fill(HEADLINE)
    page.locator(".ProseMirror").click()
    page.keyboard.type("The night network changes on Monday.")
    for row, text in enumerate(HIGHLIGHTS):
        page.locator(f"#id_highlights-{row}-text").fill(text)
    tags = page.get_by_label("Tags")
    tags.click()
    tags.press_sequentially("Night buses, tra")
    suggestions = page.locator("#id_tags-suggestions option")
    # What the browser offers for the name being typed keeps the name already typed before it.
    expect(suggestions).to_have_count(2)
    assert sorted(suggestions.evaluate_all("options => options.map(o => o.value)")) == [
        "Night buses, Trade",
        "Night buses, Transport",
    ]
    tags.press_sequentially("nsport")
    expect(suggestions).to_have_count(1)
    expect(tags).to_have_value("Night buses, transport")
    shoot(page, "tags-typed")
    _fits(page, width)
    assert serious_accessibility_violations(page, axe_source) == []
    page.get_by_role("button", name="Save and continue editing").first.click()
    expect(page.locator(".workflow-panel")).to_be_visible()
    expect(page.get_by_label("Tags")).to_have_value("Night buses, Transport")
    story = Story.objects.get(title=HEADLINE)
    assert sorted(story.tags.values_list("name", flat=True)) == ["Night buses", "Transport"]
    assert Tag.objects.count() == 3  # "transport" was the tag that exists, not a new one
    page.get_by_role("button", name="Submit for review", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was submitted for review")
    shoot(page, "submitted")

    # An editor publishes it; the reader's page for each tag lists it.
    page.context.clear_cookies()
    log_in(page, base, "eddie")
    _publish(page, base, story)
    reader = csp.watch(browser.new_context(viewport={"width": width, "height": SIZES[size][1]})).new_page()
    reader.goto(base + "/tag/night-buses/")
    expect(reader.get_by_role("heading", name=HEADLINE)).to_be_visible()
    _fits(reader, width)
    shoot(reader, "reader-new-tag-page")
    reader.goto(base + "/tag/transport/")
    expect(reader.get_by_role("heading", name=HEADLINE)).to_be_visible()
    expect(reader.get_by_role("heading", name="Tram line approved after two years")).to_be_visible()
    _fits(reader, width)
    assert serious_accessibility_violations(reader, axe_source) == []
    shoot(reader, "reader-existing-tag-page")
    assert csp.violations == []


def _png(path):
    Image.new("RGB", (640, 360), "steelblue").save(path, format="PNG")
    return path


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("sized", list(SIZES), indirect=True)
def test_an_editor_uploads_a_lead_image_and_it_loads_on_the_preview_and_the_reader_page(
    live_server, page, browser, settings, tmp_path, axe_source, sized
):
    size, width = sized
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SERVE_MEDIA = True  # what `make run` has (DEBUG on)
    base = live_server.url
    people = staff()
    SectionFactory(name="City")
    story = StoryFactory(
        in_review=True,
        title=HEADLINE,
        body="<h2>What changes</h2><p>The N4 now runs through Eastgate.</p>",
        created_by=people["wendy"],
    )
    story.authors.set([people["wendy"], people["erin"]])
    csp = CspWatch()
    csp.watch(page.context)
    shoot = Camera(f"filing-image-{size}")

    log_in(page, base, "eddie")
    page.goto(f"{base}/admin/stories/story/{story.pk}/change/")
    page.get_by_role("button", name="Lead image").set_input_files(str(_png(tmp_path / "night-bus.png")))
    page.get_by_label("Alt text").fill("A night bus at the Eastgate stop")
    page.get_by_role("button", name="Save and continue editing").first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert Story.objects.get(pk=story.pk).lead_image.name.endswith(".png")

    # The desk's preview, before readers can see it.
    page.goto(f"{base}/preview/{story.pk}/")
    image = page.locator(".lead-image img")
    expect(image).to_be_visible()
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert _image_loaded(image)
    _fits(page, width)
    shoot(page, "preview-with-image")

    # Published, on the reader's page.
    _publish(page, base, story)
    reader = csp.watch(browser.new_context(viewport={"width": width, "height": SIZES[size][1]})).new_page()
    reader.goto(base + Story.objects.get(pk=story.pk).get_absolute_url())
    image = reader.locator(".lead-image img")
    expect(image).to_have_attribute("alt", "A night bus at the Eastgate stop")
    reader.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    # The browser chose a rendition in a modern format, not the 640-pixel PNG that was uploaded.
    source = image.evaluate("img => img.currentSrc")
    assert renditions.prefix(Story.objects.get(pk=story.pk).lead_image.name) in source
    assert source.endswith((".avif", ".webp")), source
    _fits(reader, width)
    assert serious_accessibility_violations(reader, axe_source) == []
    shoot(reader, "reader-with-image")

    # A moderator reads it: a subheading as a heading (no coloured bar), names, the picture itself.
    page.context.clear_cookies()
    log_in(page, base, "mo")
    page.goto(f"{base}/admin/stories/story/{story.pk}/change/")
    heading = page.locator(".story-body-preview h2")
    expect(heading).to_have_text("What changes")
    assert heading.evaluate("h => getComputedStyle(h).backgroundColor") == "rgba(0, 0, 0, 0)"
    assert heading.evaluate("h => parseFloat(getComputedStyle(h).fontSize)") > 16
    expect(page.locator(".field-byline .readonly")).to_have_text("Wendy Writer, Erin Editor")
    thumbnail = page.locator("img.lead-image-thumbnail")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())
    assert thumbnail.evaluate("img => img.getBoundingClientRect().width") <= min(320, width)
    _fits(page, width)
    shoot(page, "moderator-read-only")
    assert get_user_model().objects.get(username="mo").has_perm("stories.view_story")
    assert csp.violations == []
