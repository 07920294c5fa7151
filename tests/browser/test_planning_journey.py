"""The planning desk end to end: a writer pitches, an editor assigns it to another writer, that writer starts
and files the story from the board, an editor publishes it, and the budget shows each step."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from stories.models import Assignment, Status
from tests.browser.journey_helpers import Camera, CspWatch, log_in, staff
from tests.factories import SectionFactory, UserFactory

TITLE = "Night buses: a month of the new timetable"
BOARD = "/admin/stories/assignment/budget/"


def _line(page):
    """The board's line of the assignment (a table row on a wide screen)."""
    return page.locator("tr.budget-line", has_text=TITLE)


def _as(page, base, username):
    page.context.clear_cookies()
    log_in(page, base, username)
    page.goto(base + BOARD)


@pytest.mark.django_db(transaction=True)
def test_a_pitch_becomes_a_published_story_on_the_budget(live_server, page):
    base = live_server.url
    staff()
    walt = UserFactory(username="walt", first_name="Walt", last_name="Whitfield", role="Writers")
    SectionFactory(name="City")
    csp = CspWatch()
    csp.watch(page.context)
    shoot = Camera("planning")

    # The writer pitches from the board.
    _as(page, base, "wendy")
    page.get_by_role("link", name="Pitch a story").click()
    page.get_by_label("Working title").fill(TITLE)
    page.get_by_label("Desk").select_option(label="City")
    page.get_by_label("Planned words").fill("900")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(base + BOARD)
    expect(_line(page)).to_contain_text("Pitched")
    assert _line(page).get_by_role("link", name="Assign…").count() == 0  # writers do not assign
    shoot(page, "pitched")

    # An editor assigns it to another writer, due tomorrow at noon.
    _as(page, base, "eddie")
    _line(page).get_by_role("link", name="Assign…").click()
    page.get_by_label("Writer:", exact=True).select_option(label="Walt Whitfield")
    noon = (timezone.localtime() + timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)
    page.get_by_label("Due").fill(noon.strftime("%Y-%m-%dT%H:%M"))
    shoot(page, "assign-form")
    page.get_by_role("button", name="Assign").click()
    expect(page).to_have_url(base + BOARD)
    expect(_line(page)).to_contain_text("Assigned")
    expect(_line(page)).to_contain_text("Walt Whitfield")
    expect(_line(page)).to_contain_text("12:00 PM")
    shoot(page, "assigned")

    # That writer starts the story from the board and files it.
    _as(page, base, "walt")
    _line(page).get_by_role("button", name="Start story").click()
    expect(page.locator(".workflow-panel")).to_be_visible()
    assert page.input_value("#id_title") == TITLE
    page.fill("#id_highlights-0-text", "The night network carried a third more riders in its first month.")
    page.get_by_role("button", name="Save and continue editing").first.click()
    expect(page.locator(".workflow-panel")).to_be_visible()
    page.goto(base + BOARD)
    expect(_line(page)).to_contain_text("Story: Draft")
    shoot(page, "started")
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("button", name="Submit for review", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was submitted for review")
    page.goto(base + BOARD)
    expect(_line(page)).to_contain_text("Filed")
    expect(_line(page)).to_contain_text("Story: In review")
    shoot(page, "filed")

    # An editor publishes it; the board reads the story's own status.
    _as(page, base, "eddie")
    page.get_by_role("link", name=TITLE).click()
    page.once("dialog", lambda dialog: dialog.accept())  # "Publish now" asks first
    page.get_by_role("button", name="Publish now").click()
    expect(page.locator(".messagelist")).to_contain_text("is published and live.")
    page.goto(base + BOARD)
    expect(_line(page)).to_contain_text("Story: Published")
    shoot(page, "published")

    assignment = Assignment.objects.get()
    assert assignment.state == "filed" and assignment.assignee == walt
    assert assignment.story.status == Status.PUBLISHED
    assert list(assignment.story.authors.all()) == [walt]
    assert csp.violations == []
