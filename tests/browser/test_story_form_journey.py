"""Writing a story in Chromium, on a laptop and on a phone: the form reads like the story, the highlights are
added, reordered by keyboard and by dragging and counted, nothing typed is lost (the autosave brings it back after
a reload, leaving asks first), one click saves and submits, and the writer takes the story back from review."""

import pytest
from playwright.sync_api import expect

from stories import workflow
from stories.models import Status, Story, StoryAutosave
from tests.browser.journey_helpers import Camera, CspWatch, accessibility_violations, log_in, staff
from tests.factories import StoryFactory

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
HEADLINE = "Night bus routes redrawn across the city"
FIRST, SECOND, THIRD = (
    "Four routes change from Monday.",
    "The N4 now runs through Eastgate.",
    "Fares stay the same.",
)
BODY = "The night network changes on Monday, the transport authority said."


def _fits(page, width):
    """Nothing sticks out sideways at this width."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def _highlights(page):
    """The highlights' texts in the order the form shows them."""
    return page.locator("#highlights-group .highlight-row:not([hidden]) .highlight-text").evaluate_all(
        "inputs => inputs.map(input => input.value)"
    )


def _accessible(page, axe_source):
    assert accessibility_violations(page, axe_source) == [], page.url


@pytest.fixture
def sized(page, request):
    width, height = SIZES[request.param]
    page.set_viewport_size({"width": width, "height": height})
    return request.param, width


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("sized", list(SIZES), indirect=True)
def test_a_writer_writes_a_story_loses_nothing_submits_it_in_one_click_and_withdraws_it(
    live_server, page, axe_source, sized
):
    size, width = sized
    base = live_server.url
    staff()
    csp = CspWatch()
    csp.watch(page.context)
    shoot = Camera(f"story-form-{size}")
    dialogs = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.type))

    log_in(page, base, "wendy")
    page.goto(base + "/admin/stories/story/add/")
    # The form reads like the story: the headline first, the highlights under it, then the body.
    headline = page.get_by_label("Headline")
    highlights = page.locator("#highlights-group")
    body = page.locator(".ProseMirror")
    tops = [item.evaluate("el => el.getBoundingClientRect().top") for item in (headline, highlights, body)]
    assert tops == sorted(tops)
    headline.fill(HEADLINE)

    # Three highlights, counted as they are typed; a fourth row added and removed again.
    count = page.locator("#highlights-count")
    expect(count).to_have_text("0 of 5 highlights — a story needs at least 1 to go to review")
    page.get_by_label("Highlight 1", exact=True).fill(FIRST)
    page.get_by_label("Highlight 2", exact=True).fill(SECOND)
    page.get_by_label("Highlight 3", exact=True).fill(THIRD)
    expect(count).to_have_text("3 of 5 highlights")
    rows = page.locator("#highlights-group .highlight-row:not([hidden])")
    page.get_by_role("button", name="Add a highlight").click()
    expect(rows).to_have_count(4)
    expect(page.get_by_label("Highlight 4", exact=True)).to_be_focused()
    page.get_by_role("button", name="Remove highlight 4").click()
    expect(rows).to_have_count(3)
    expect(count).to_have_text("Highlight removed. 3 of 5 highlights")
    # The add button goes once there are five rows.
    page.get_by_role("button", name="Add a highlight").click()
    page.get_by_role("button", name="Add a highlight").click()
    expect(rows).to_have_count(5)
    expect(page.get_by_role("button", name="Add a highlight")).to_be_hidden()
    page.get_by_role("button", name="Remove highlight 5").click()
    page.get_by_role("button", name="Remove highlight 4").click()
    expect(rows).to_have_count(3)

    # By keyboard: the third moves up, the focus stays on its button.
    page.get_by_role("button", name="Move highlight 3 up").focus()
    page.keyboard.press("Enter")
    assert _highlights(page) == [FIRST, THIRD, SECOND]
    expect(page.get_by_role("button", name="Move highlight 2 up")).to_be_focused()
    expect(count).to_contain_text("Highlight moved to position 2 of 3.")
    # By dragging: the last one's handle dropped on the first row.
    rows.nth(2).locator(".highlight-handle").drag_to(rows.nth(0))
    assert _highlights(page) == [SECOND, FIRST, THIRD]
    expect(count).to_contain_text("3 of 5 highlights")

    # The body, then a field left: the autosave keeps it all.
    body.click()
    page.keyboard.type(BODY)
    page.get_by_label("Dateline").click()
    expect(page.locator(".autosave-status")).to_contain_text("Unsaved changes kept at", timeout=15_000)
    kept = StoryAutosave.objects.get(user__username="wendy", story=None)
    assert ["title", HEADLINE] in kept.data
    shoot(page, "written")
    _fits(page, width)
    _accessible(page, axe_source)

    # Leaving asks first; staying keeps everything.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("link", name="Stories", exact=True).first.click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.url == base + "/admin/stories/story/add/"
    assert _highlights(page) == [SECOND, FIRST, THIRD]

    # Reloaded (leaving anyway), the page offers the changes back and restores them.
    page.once("dialog", lambda dialog: dialog.accept())
    page.reload()
    assert dialogs == ["beforeunload", "beforeunload"]
    expect(page.get_by_label("Headline")).to_have_value("")
    restore = page.get_by_role("link", name="Restore your unsaved changes from")
    expect(restore).to_be_visible()
    expect(page.get_by_role("button", name="Discard")).to_be_visible()
    shoot(page, "restore-offered")
    _fits(page, width)
    _accessible(page, axe_source)
    restore.click()
    expect(page.get_by_label("Headline")).to_have_value(HEADLINE)
    assert _highlights(page) == [SECOND, FIRST, THIRD]
    expect(page.locator(".ProseMirror")).to_contain_text(BODY)
    expect(page.locator(".autosave-status")).to_contain_text("are back in the form")
    expect(page.locator("#highlights-count")).to_have_text("3 of 5 highlights")
    assert "restore-autosave" not in page.url
    shoot(page, "restored")
    _accessible(page, axe_source)

    # One click saves and submits; nothing asks before the page goes.
    page.get_by_role("button", name="Save and submit for review").first.click()
    expect(page.locator(".messagelist")).to_contain_text("was saved and submitted for review")
    assert dialogs == ["beforeunload", "beforeunload"]
    story = Story.objects.get(title=HEADLINE)
    assert story.status == Status.REVIEW
    assert [h.text for h in story.highlights.all()] == [SECOND, FIRST, THIRD]
    assert BODY in story.body
    assert not StoryAutosave.objects.exists()
    expect(page.locator(".story-desk-side .workflow-panel")).to_contain_text("Waiting for an editor")
    shoot(page, "submitted")
    _fits(page, width)
    _accessible(page, axe_source)

    # The writer takes it back: a draft again, theirs to edit.
    page.get_by_role("button", name="Withdraw from review").click()
    expect(page.locator(".messagelist")).to_contain_text("was withdrawn from review and is a draft again")
    expect(page.get_by_label("Headline")).to_have_value(HEADLINE)
    assert Story.objects.get(pk=story.pk).status == Status.DRAFT
    expect(page.locator(".transition-history")).to_contain_text("In review → Draft")
    shoot(page, "withdrawn")
    _fits(page, width)
    _accessible(page, axe_source)
    assert dialogs == ["beforeunload", "beforeunload"]
    assert csp.violations == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("sized", list(SIZES), indirect=True)
def test_an_editor_finds_the_moves_the_schedule_and_the_history_in_the_side_panel(live_server, page, axe_source, sized):
    size, width = sized
    base = live_server.url
    people = staff()
    story = StoryFactory(title=HEADLINE, created_by=people["wendy"])
    story.authors.set([people["wendy"]])
    workflow.submit_for_review(story, people["wendy"])
    workflow.request_changes(story, people["eddie"], "Add the mayor's response.")
    workflow.submit_for_review(story, people["wendy"])
    later = StoryFactory(title="Tram line opens in spring", scheduled=True, created_by=people["wendy"])
    csp = CspWatch()
    csp.watch(page.context)
    shoot = Camera(f"story-form-editor-{size}")

    log_in(page, base, "eddie")
    page.goto(f"{base}/admin/stories/story/{story.pk}/change/")
    panel = page.locator(".story-desk-side")
    form = page.locator("#story_form")
    # Beside the form on a laptop, below it on a phone.
    beside = panel.evaluate("el => el.getBoundingClientRect().left") > form.evaluate(
        "el => el.getBoundingClientRect().left"
    )
    assert beside == (size == "desktop")
    expect(panel.locator(".transition-history")).to_contain_text("Add the mayor's response.")
    panel.get_by_text("Request changes…").click()
    expect(panel.get_by_label("What should the writer change?")).to_be_focused()
    shoot(page, "request-changes")
    _fits(page, width)
    _accessible(page, axe_source)

    page.goto(f"{base}/admin/stories/story/{later.pk}/change/")
    schedule = page.locator(".workflow-schedule")
    expect(schedule).to_contain_text("Goes live")
    page.locator(".story-desk-side").get_by_text("Reschedule…").click()
    expect(page.get_by_label("Go live at")).to_be_focused()
    shoot(page, "reschedule")
    _fits(page, width)
    _accessible(page, axe_source)
    assert csp.violations == []
