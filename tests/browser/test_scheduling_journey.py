"""Scheduled stories and one-click submission, in Chromium, on a desktop (1280×800) and a phone (390×844).

An editor reschedules a scheduled story (a time before its embargo is refused next to the field), publishes another
at once (a reader's reload shows it) and cancels the schedule of a third (back to review). A writer writes a story
and sends it to the desk with one click, "Save and submit for review"; an editor asks for changes, and the writer
reads the whole comment, with who wrote it and when, on the story itself.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from stories import workflow
from stories.dates import format_local
from stories.models import Status, Story, StoryTransition
from tests.browser.journey_helpers import (
    Camera,
    CspWatch,
    log_in,
    open_from_dashboard,
    serious_accessibility_violations,
    staff,
)
from tests.factories import StoryFactory

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
RESCHEDULED = "Budget vote moves to Thursday"
PUBLISHED_NOW = "Ferry strike called off"
CANCELLED = "Stadium plan goes to the council"
HEADLINE = "Library opens on Sundays from March"
HIGHLIGHTS = ["The central library opens 10 to 4 on Sundays.", "The council pays for two more librarians."]
COMMENT = (
    "Good start. Before this runs: name the councillor who proposed the Sunday hours, say what the two extra "
    "librarians cost a year (the budget papers have it, page 14), and add how many people used the library last "
    "year.\nAlso check the opening time with the library itself — the press release and its website disagree."
)


@pytest.fixture(params=list(SIZES))
def size(request):
    return SIZES[request.param]


def _context(browser, csp, size):
    width, height = size
    return csp.watch(browser.new_context(viewport={"width": width, "height": height})).new_page()


def _fits(page, size):
    """No sideways scroll at this width."""
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0], page.url


def _local_input(value):
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.django_db(transaction=True)
def test_an_editor_reschedules_publishes_now_and_cancels_scheduled_stories(live_server, browser, size, axe_source):
    base = live_server.url
    staff()
    csp = CspWatch()
    shoot = Camera(f"scheduling-{size[0]}")
    tomorrow = timezone.now() + timedelta(days=1)
    embargo = (timezone.localtime() + timedelta(days=2)).replace(second=0, microsecond=0)
    held = StoryFactory(in_review=True, title=RESCHEDULED, slug="budget-vote", embargo_until=embargo)
    workflow.publish(held, None)  # held by its embargo: it goes live when the embargo ends
    StoryFactory(scheduled=True, title=PUBLISHED_NOW, slug="ferry-strike", published_at=tomorrow)
    StoryFactory(scheduled=True, title=CANCELLED, slug="stadium-plan", published_at=tomorrow)
    editor, reader = _context(browser, csp, size), _context(browser, csp, size)

    # A reader's front page, before: none of the three is there (and the site keeps a copy of it).
    reader.goto(base + "/")
    expect(reader.get_by_role("link", name=PUBLISHED_NOW)).to_have_count(0)

    # 1. The budget vote moves: a time before its embargo ends is refused, next to the time; a later one is taken.
    log_in(editor, base, "eddie")
    open_from_dashboard(editor, RESCHEDULED)
    panel = editor.locator(".workflow-panel")
    expect(panel.get_by_role("button", name="Publish now")).to_have_count(0)  # not while the embargo runs
    panel.get_by_text("Reschedule…").click()
    time_field = editor.get_by_label("Go live at")
    expect(time_field).to_be_focused()
    time_field.fill(_local_input(embargo - timedelta(hours=6)))
    panel.get_by_role("button", name="Reschedule", exact=True).click()
    error = editor.locator("#reschedule-at-error")
    expect(error).to_contain_text(f"under embargo until {format_local(embargo)}: it cannot go live before then")
    expect(editor.get_by_label("Go live at")).to_be_focused()
    _fits(editor, size)
    assert serious_accessibility_violations(editor, axe_source) == []
    shoot(editor, "reschedule-refused-before-the-embargo")
    thursday = embargo + timedelta(days=1)
    editor.get_by_label("Go live at").fill(_local_input(thursday))
    editor.locator(".workflow-panel").get_by_role("button", name="Reschedule", exact=True).click()
    expect(editor.locator(".messagelist")).to_contain_text(
        f"“{RESCHEDULED}” was rescheduled: it goes live on {format_local(thursday)} "
        f"(instead of {format_local(embargo)})"
    )
    expect(editor.locator(".workflow-panel")).to_contain_text(format_local(thursday))
    assert Story.objects.get(title=RESCHEDULED).published_at == thursday
    shoot(editor, "rescheduled")

    # 2. The ferry strike story runs now, not tomorrow: the editor confirms, the reader's reload shows it.
    editor.goto(base + "/admin/")
    open_from_dashboard(editor, PUBLISHED_NOW)
    questions = []
    editor.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    editor.locator(".workflow-panel").get_by_role("button", name="Publish now").click()
    expect(editor.locator(".messagelist")).to_contain_text(f"“{PUBLISHED_NOW}” is published and live since")
    assert questions == [f"Publish this story now instead of {format_local(tomorrow)}? Readers will see it at once."]
    expect(editor.locator(".workflow-panel")).to_contain_text("Live since")
    _fits(editor, size)
    shoot(editor, "published-now")
    reader.reload()
    reader.get_by_role("link", name=PUBLISHED_NOW).first.click()
    expect(reader.locator("h1")).to_have_text(PUBLISHED_NOW)
    _fits(reader, size)
    shoot(reader, "reader-sees-the-story-published-now")

    # 3. The stadium plan waits: its schedule is cancelled, and it is back in review for an editor.
    editor.goto(base + "/admin/")
    open_from_dashboard(editor, CANCELLED)
    editor.locator(".workflow-panel").get_by_text("Cancel schedule…").click()
    editor.get_by_label("Why is the schedule cancelled?").fill("The council postponed its vote.")
    shoot(editor, "cancel-schedule-dialog")
    editor.locator(".workflow-dialog").get_by_role("button", name="Cancel schedule", exact=True).click()
    expect(editor.locator(".messagelist")).to_contain_text(f"The schedule of “{CANCELLED}” was cancelled")
    expect(editor.locator(".workflow-panel .status-badge")).to_have_text("In review")
    expect(editor.locator(".workflow-panel").get_by_text("Schedule…")).to_be_visible()
    expect(editor.locator(".transition-history")).to_contain_text("The council postponed its vote.")
    _fits(editor, size)
    shoot(editor, "schedule-cancelled")
    story = Story.objects.get(title=CANCELLED)
    assert (story.status, story.published_at) == (Status.REVIEW, None)
    assert csp.violations == []


@pytest.mark.django_db(transaction=True)
def test_a_writer_saves_and_submits_in_one_click_and_reads_the_editors_whole_comment(
    live_server, browser, size, axe_source
):
    base = live_server.url
    staff()
    csp = CspWatch()
    shoot = Camera(f"save-and-submit-{size[0]}")
    writer, editor = _context(browser, csp, size), _context(browser, csp, size)
    presses = {"before": 0, "after": 0}
    confirms = {"before": 0, "after": 0}
    path = ["before"]
    writer.on("dialog", lambda dialog: (confirms.__setitem__(path[0], confirms[path[0]] + 1), dialog.accept()))

    def press(locator):
        presses[path[0]] += 1
        locator.click()

    def write(title):
        writer.goto(base + "/admin/")
        writer.get_by_role("link", name="Write a new story").click()
        writer.locator("#id_title").fill(title)
        writer.locator(".ProseMirror").click()
        writer.keyboard.type("The central library will open on Sundays from March, the council said.")
        for row, text in enumerate(HIGHLIGHTS):
            writer.locator(f"#id_highlights-{row}-text").fill(text)

    log_in(writer, base, "wendy")

    # Before: Save, then Submit for review in the workflow panel.
    write("Pool hours cut for repairs")
    press(writer.get_by_role("button", name="Save and continue editing").first)
    expect(writer.locator(".messagelist")).to_contain_text("was added successfully")
    press(writer.locator(".workflow-panel").get_by_role("button", name="Submit for review", exact=True))
    expect(writer.locator(".messagelist")).to_contain_text("was submitted for review")

    # After: one button in the form's save row.
    path[0] = "after"
    write(HEADLINE)
    shoot(writer, "new-story-written")
    _fits(writer, size)
    press(writer.get_by_role("button", name="Save and submit for review").first)
    expect(writer.locator(".messagelist")).to_contain_text(f"“{HEADLINE}” was saved and submitted for review.")
    expect(writer.locator(".workflow-panel .status-badge")).to_have_text("In review")
    shoot(writer, "saved-and-submitted")
    story = Story.objects.get(title=HEADLINE)
    assert story.status == Status.REVIEW
    assert [h.text for h in story.highlights.all()] == HIGHLIGHTS
    # One click instead of two, and no question asked on either path.
    assert (presses, confirms) == ({"before": 2, "after": 1}, {"before": 0, "after": 0})

    # The editor sends it back with a long, two-part comment.
    log_in(editor, base, "eddie")
    open_from_dashboard(editor, HEADLINE)
    editor.get_by_text("Request changes…").click()
    editor.get_by_label("What should the writer change?").fill(COMMENT)
    editor.get_by_role("button", name="Request changes", exact=True).click()
    expect(editor.locator(".messagelist")).to_contain_text("went back to draft")
    sent_back = StoryTransition.objects.filter(story=story).last()

    # The writer opens her story: the whole comment, who wrote it and when, above the form.
    writer.goto(base + "/admin/")
    open_from_dashboard(writer, HEADLINE)
    request = writer.locator(".workflow-panel .change-request")
    expect(request.get_by_role("heading", name="Changes requested")).to_be_visible()
    expect(request).to_contain_text(f"by Eddie Editor, {format_local(sent_back.created_at)}")
    first, second = COMMENT.split("\n")
    expect(request.locator(".change-request-comment")).to_contain_text(first)
    expect(request.locator(".change-request-comment")).to_contain_text(second)
    expect(request.locator(".change-request-comment")).to_be_visible()
    _fits(writer, size)
    assert serious_accessibility_violations(writer, axe_source) == []
    shoot(writer, "writer-reads-the-whole-comment")

    # She makes the changes and sends it back, again in one click; the request leaves the panel.
    writer.locator(".ProseMirror").click()
    writer.keyboard.press("Control+End")
    writer.keyboard.press("Enter")
    writer.keyboard.type("Councillor Amal Haddad proposed the Sunday hours; two librarians cost 96,000 a year.")
    writer.get_by_role("button", name="Save and submit for review").first.click()
    expect(writer.locator(".messagelist")).to_contain_text("was saved and submitted for review")
    expect(writer.locator(".workflow-panel .change-request")).to_have_count(0)
    assert "96,000" in Story.objects.get(pk=story.pk).body
    shoot(writer, "resubmitted")
    assert csp.violations == []
