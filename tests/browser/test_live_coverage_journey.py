"""Live coverage in Chromium: an editor opens it and posts updates from the live desk while a reader with
JavaScript sees them arrive without reloading, and a reader without JavaScript sees them on reload."""

import pytest
from playwright.sync_api import expect

from stories.models import LiveUpdate, Story
from tests.browser.journey_helpers import Camera, CspWatch, log_in, serious_accessibility_violations, staff
from tests.factories import StoryFactory

TITLE = "Storm Ida reaches the coast"
# The reader's page asks every POLL_SECONDS; each expectation waits a few polls at most.
POLL_SECONDS = 2
ARRIVES_MS = POLL_SECONDS * 1000 * 4

UPDATES = [
    "Rain bands reach the harbour; the ferry to the islands is cancelled.",
    "The coastal bridge is closed in both directions.",
    "Power is out in the old town, the utility says.",
]


def _accepting(page):
    """Answer the next confirm() with OK, as an editor does."""
    page.once("dialog", lambda dialog: dialog.accept())


def _post(page, text, headline=""):
    page.get_by_role("textbox", name="Update").fill(text)
    page.get_by_label("Headline (optional)").fill(headline)
    page.get_by_role("button", name="Post update").click()
    expect(page.locator(".messagelist")).to_contain_text("Update posted")
    # Back on the desk with an empty form, ready for the next one.
    expect(page.get_by_role("textbox", name="Update")).to_have_text("")


@pytest.mark.django_db(transaction=True)
def test_an_editor_covers_a_storm_live_and_readers_follow_it(live_server, page, browser, settings, axe_source):
    settings.LIVE_POLL_SECONDS = POLL_SECONDS
    base = live_server.url
    staff()
    story = StoryFactory(published=True, title=TITLE, slug="storm-ida-reaches-the-coast")
    story_url = base + story.get_absolute_url()
    csp = CspWatch()
    csp.watch(page.context)
    shoot = Camera("live-coverage")

    # Two readers: one with JavaScript (the page updates itself), one without (a reload shows what is new).
    reader = csp.watch(browser.new_context()).new_page()
    polls = []
    reader.on("request", lambda request: polls.append(request.url) if "/updates/" in request.url else None)
    plain = browser.new_context(java_script_enabled=False).new_page()

    # The editor opens live coverage from the story's workflow panel.
    log_in(page, base, "eddie")
    page.goto(f"{base}/admin/stories/story/{story.pk}/change/")
    _accepting(page)
    page.get_by_role("button", name="Start live coverage").click()
    expect(page.locator(".messagelist")).to_contain_text("Live coverage of “Storm Ida reaches the coast” started")
    expect(page.locator(".workflow-panel .status-live")).to_be_visible()
    shoot(page, "coverage-started")

    reader.goto(story_url)
    expect(reader.get_by_role("heading", name="Live updates")).to_be_visible()
    expect(reader.locator(".live-badge")).to_have_text("Live")
    expect(reader.locator("li.live-update")).to_have_count(0)
    reader.evaluate("window.__sameVisit = true")  # gone if the page reloads
    plain.goto(story_url)
    expect(plain.locator("li.live-update")).to_have_count(0)

    # The live desk: three updates, one after the other, from the same page.
    page.get_by_role("link", name="Live updates").click()
    expect(page.get_by_role("heading", name="Post an update")).to_be_visible()
    for number, text in enumerate(UPDATES, start=1):
        _post(page, text, headline="Bridge closed" if number == 2 else "")
        # The reader's page shows it without a reload, newest first, and says so to screen readers.
        expect(reader.locator("li.live-update")).to_have_count(number, timeout=ARRIVES_MS)
        expect(reader.locator("li.live-update").first).to_contain_text(text)
        expect(reader.locator(".live-announcer")).to_have_text("1 new update", timeout=ARRIVES_MS)
    shoot(page, "desk-three-updates")
    shoot(reader, "reader-three-updates")
    assert reader.evaluate("window.__sameVisit") is True

    # The bridge closure is a key event: the editor pins it, and it moves to the top of the reader's page.
    bridge = LiveUpdate.objects.get(headline="Bridge closed")
    page.locator(f"#desk-update-{bridge.pk}").get_by_role("link", name="Edit").click()
    page.get_by_label("Key event").check()
    page.get_by_role("button", name="Save the update").click()
    expect(page.locator(".messagelist")).to_contain_text("Update changed")
    first = reader.locator("li.live-update").first
    expect(first).to_have_attribute("id", f"update-{bridge.pk}", timeout=ARRIVES_MS)
    expect(first).to_contain_text("Key event")
    expect(first.get_by_role("heading", name="Bridge closed")).to_be_visible()
    assert reader.evaluate("window.__sameVisit") is True
    shoot(reader, "reader-key-event")
    assert serious_accessibility_violations(reader, axe_source) == []
    assert serious_accessibility_violations(page, axe_source) == []

    # Each update has its own address: the permalink opens the page at it.
    first.locator("a.live-update-link").click()
    expect(reader).to_have_url(f"{story_url}#update-{bridge.pk}")

    # Without JavaScript nothing moves by itself; a reload shows all three, the key event first.
    expect(plain.locator("li.live-update")).to_have_count(0)
    plain.reload()
    expect(plain.locator("li.live-update")).to_have_count(3)
    expect(plain.locator("li.live-update").first).to_contain_text("Key event")
    expect(plain.locator("li.live-update").first).to_contain_text(UPDATES[1])
    expect(plain.locator("li.live-update").nth(1)).to_contain_text(UPDATES[2])
    expect(plain.locator("li.live-update").nth(2)).to_contain_text(UPDATES[0])
    shoot(plain, "reader-without-javascript")

    # The editor ends the coverage: the reader's page says so, and stops asking.
    page.goto(f"{base}/admin/stories/story/{story.pk}/change/")
    _accepting(page)
    page.get_by_role("button", name="End live coverage").click()
    expect(page.locator(".messagelist")).to_contain_text("ended")
    expect(reader.locator(".live-status")).to_have_text("Live coverage has ended.", timeout=ARRIVES_MS)
    asked = len(polls)
    reader.wait_for_timeout(POLL_SECONDS * 1000 * 2 + 500)
    assert len(polls) == asked
    expect(reader.locator("li.live-update")).to_have_count(3)
    shoot(reader, "reader-coverage-ended")

    assert Story.objects.get(pk=story.pk).live_ended_at is not None
    assert csp.violations == []
