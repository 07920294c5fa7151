"""The desk at 1280x800 and at 390x844, in Chromium: each role's dashboard puts its own queue first; a moderator
works through ten opinions from the queue; every workflow dialog on a story's page opens whole and usable with the
admin's navigation sidebar open. Nothing scrolls sideways, and axe finds nothing, moderate findings included."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from stories import workflow
from stories.models import Opinion, OpinionStatus, Status, Story
from tests.browser.journey_helpers import Camera, CspWatch, accessibility_violations, log_in, staff
from tests.factories import AssignmentFactory, OpinionFactory, SectionFactory, StoryFactory

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
LONG_REQUEST = (
    "Name the three councillors who voted against the extension and give the vote count; say what the line "
    "will cost each year to run once it opens, and cut the last paragraph, which repeats the second."
)

# Whatever scrolls sideways: the page itself, or any box of it that scrolls its own content (the admin's lists
# wrap their table in one), beyond a pixel of rounding.
SIDEWAYS = """() => {
  const found = [];
  if (document.documentElement.scrollWidth > window.innerWidth) found.push('the page');
  for (const el of document.querySelectorAll('body *')) {
    const style = getComputedStyle(el);
    if (!['auto', 'scroll'].includes(style.overflowX) || el.clientWidth === 0) continue;
    if (el.scrollWidth > el.clientWidth + 1) found.push(el.id || el.className || el.tagName);
  }
  return found;
}"""


def _fits(page, width):
    """Nothing sticks out sideways at this width, and nothing needs scrolling sideways to be reached."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url
    assert page.evaluate(SIDEWAYS) == [], page.url


COVERED = """el => {
  // Each line box of the element (one for a block, one per line for a link that wraps): its middle, and for a
  // single box its corners too, must hit the element itself.
  const rects = Array.from(el.getClientRects());
  const points = rects.map(r => [r.left + r.width / 2, r.top + r.height / 2]);
  if (rects.length === 1) {
    const r = rects[0];
    const inset = Math.min(6, r.width / 4, r.height / 4);  // inside a rounded corner too
    const [x0, x1, y0, y1] = [r.left + inset, r.right - inset, r.top + inset, r.bottom - inset];
    points.push([x0, y0], [x1, y0], [x0, y1], [x1, y1]);
  }
  return points.filter(([x, y]) => !el.contains(document.elementFromPoint(x, y))).map(p => p.map(Math.round));
}"""


def _fully_visible(page, locator):
    """The element is inside the window and nothing lies over it."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    view = page.viewport_size
    assert box["x"] >= 0 and box["x"] + box["width"] <= view["width"], (locator, box)
    assert box["y"] >= 0 and box["y"] + box["height"] <= view["height"], (locator, box)
    assert locator.evaluate(COVERED) == [], f"{locator} is covered"


def _cards(page):
    return page.locator(".desk-card h3").evaluate_all("hs => hs.map(h => h.id)")


def _sidebar_open(page, size):
    """At 1280 px the admin's pages show its navigation sidebar (the index has its app list instead): make sure it
    is open. A phone has none."""
    sidebar = page.locator("#nav-sidebar")
    if size == "phone" or page.url.endswith("/admin/"):
        expect(sidebar).to_be_hidden()
        return
    page.wait_for_load_state()  # the admin's script opens or closes it as the page loads
    if sidebar.get_attribute("aria-expanded") != "true":
        page.locator("#toggle-nav-sidebar").click()
    expect(sidebar).to_be_visible()
    assert sidebar.bounding_box()["width"] > 200


@pytest.fixture
def sized(page, request):
    width, height = SIZES[request.param]
    page.set_viewport_size({"width": width, "height": height})
    return request.param, width


@pytest.fixture
def csp(page):
    watch = CspWatch()
    watch.watch(page.context)
    return watch


def _clean(page, axe_source):
    assert accessibility_violations(page, axe_source) == [], page.url


# --- A writer's dashboard: the request for changes, in full ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("sized", list(SIZES), indirect=True)
def test_a_writer_reads_the_editors_request_in_full_on_the_dashboard(live_server, page, axe_source, sized, csp):
    size, width = sized
    people = staff()
    wendy, eddie = people["wendy"], people["eddie"]
    story = StoryFactory(title="Council approves tram line", created_by=wendy, authors=[wendy])
    workflow.submit_for_review(story, wendy)
    workflow.request_changes(story, eddie, LONG_REQUEST)
    StoryFactory(title="Harbour bakery reopens", created_by=wendy, authors=[wendy])
    StoryFactory(title="Sunday feature on the river", scheduled=True, created_by=wendy, authors=[wendy])
    AssignmentFactory(title="Cover the budget vote", assigned=True, assignee=wendy)
    shoot = Camera(f"dashboard-writer-{size}")

    log_in(page, live_server.url, "wendy")
    assert _cards(page) == ["desk-requests", "desk-drafts", "desk-my-review", "desk-my-scheduled", "desk-assignments"]
    requests = page.locator(".desk-card", has=page.locator("#desk-requests"))
    expect(requests.locator(".desk-count")).to_have_text("1")
    expect(requests).to_contain_text(LONG_REQUEST)
    expect(requests).to_contain_text("by Eddie Editor")
    expect(page.locator(".desk-card", has=page.locator("#desk-drafts"))).to_contain_text("Harbour bakery reopens")
    expect(page.locator(".desk-card", has=page.locator("#desk-my-scheduled"))).to_contain_text("Sunday feature")
    expect(page.locator(".desk-card", has=page.locator("#desk-assignments"))).to_contain_text("Cover the budget")
    # The request is read first: its card comes before anything else on the page.
    _fully_visible(page, requests.locator("h3"))
    shoot(page, "dashboard")
    _fits(page, width)
    _clean(page, axe_source)

    requests.get_by_role("link", name="Council approves tram line").click()
    expect(page.locator(".change-request-comment")).to_have_text(LONG_REQUEST)
    shoot(page, "the-story-sent-back")
    assert csp.violations == []


# --- An editor's dashboard, and the dialog to send a story back with the sidebar open -----------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("sized", list(SIZES), indirect=True)
def test_an_editor_starts_from_the_review_queue_and_sends_a_story_back(live_server, page, axe_source, sized, csp):
    size, width = sized
    people = staff()
    wendy = people["wendy"]
    city = SectionFactory(name="City and regional affairs")
    story = StoryFactory(
        title="Council approves the eastern tram extension after a two-year debate over its cost",
        in_review=True,
        section=city,
        created_by=wendy,
        authors=[wendy, people["erin"]],
    )
    StoryFactory(title="Ferry timetable changes for the winter", scheduled=True, section=city)
    StoryFactory(title="Library reopens after the flood", published=True, section=city, authors=[wendy])
    AssignmentFactory(
        title="Budget vote at city hall", assigned=True, assignee=wendy, due_at=timezone.now() + timedelta(minutes=30)
    )
    shoot = Camera(f"dashboard-editor-{size}")

    log_in(page, live_server.url, "eddie")
    _sidebar_open(page, size)
    assert _cards(page)[:4] == ["desk-review", "desk-scheduled", "desk-published", "desk-budget"]
    review = page.locator(".desk-card", has=page.locator("#desk-review"))
    expect(review.locator(".desk-count")).to_have_text("1")
    expect(page.locator(".desk-card", has=page.locator("#desk-published"))).to_contain_text("Library reopens")
    _fully_visible(page, review.get_by_role("link", name=story.title))
    shoot(page, "dashboard")
    _fits(page, width)
    _clean(page, axe_source)

    review.get_by_role("link", name=story.title).click()
    _sidebar_open(page, size)
    page.get_by_text("Request changes…").click()
    dialog = page.locator(".workflow-details[open] .workflow-dialog")
    for part in (
        dialog.get_by_text("What should the writer change?"),
        dialog.get_by_label("What should the writer change?"),
        dialog.get_by_role("button", name="Request changes", exact=True),
    ):
        _fully_visible(page, part)
    dialog.get_by_label("What should the writer change?").fill(LONG_REQUEST)
    shoot(page, "request-changes-dialog")
    _fits(page, width)
    dialog.get_by_role("button", name="Request changes", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("went back to draft")
    assert Story.objects.get(pk=story.pk).status == Status.DRAFT
    assert csp.violations == []


# --- A moderator: the queue first, then ten opinions moderated from it --------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("sized", list(SIZES), indirect=True)
def test_a_moderator_starts_from_the_queue_and_moderates_ten_opinions(live_server, page, axe_source, sized, csp):
    size, width = sized
    staff()
    story = StoryFactory(
        published=True, title="Council approves the eastern tram extension after a two-year debate over its cost"
    )
    now = timezone.now()
    for n in range(10):
        OpinionFactory(
            story=story,
            status=OpinionStatus.PENDING,
            author_name=f"Reader Number{n}",
            email=f"reader.number{n}@example.org",
            body="A sensible decision for the city, long overdue; the eastern suburbs have waited for years. " * 3,
            flags=["links"] if n % 3 == 0 else [],
            created_at=now - timedelta(minutes=60 - n),
        )
    shoot = Camera(f"dashboard-moderator-{size}")

    log_in(page, live_server.url, "mo")
    _sidebar_open(page, size)
    assert _cards(page) == ["desk-opinions"]
    queue = page.locator(".desk-card", has=page.locator("#desk-opinions"))
    expect(queue.locator(".desk-count")).to_have_text("10")
    expect(queue).to_contain_text("Oldest waiting: 1 hour, by Reader Number0")
    shoot(page, "dashboard")
    _fits(page, width)
    _clean(page, axe_source)

    queue.get_by_role("link", name="Moderate the queue").click()
    expect(page.locator("h1")).to_have_text("Opinions waiting for a moderator")
    _sidebar_open(page, size)
    shoot(page, "queue")
    _fits(page, width)
    _clean(page, axe_source)
    # Every row's decisions can be reached without scrolling sideways.
    for button in page.locator("#result_list button.opinion-decide").all():
        _fully_visible(page, button)

    # Ten decisions, one click each: the next oldest opinion takes the place of the one decided.
    clicks = 0
    decisions = ["Approve", "Approve", "Reject", "Approve", "Mark as spam"] * 2
    for n, decision in enumerate(decisions):
        row = page.locator("#result_list tbody tr").first
        expect(row).to_contain_text(f"Reader Number{n}")
        row.get_by_role("button", name=f"{decision} the opinion by Reader Number{n}").click()
        clicks += 1
        expect(page.locator(".messagelist")).to_contain_text("1 opinion")
        _fits(page, width)
    assert clicks == 10
    statuses = [Opinion.objects.get(author_name=f"Reader Number{n}").status for n in range(10)]
    assert statuses == ["approved", "approved", "rejected", "approved", "spam"] * 2
    expect(page.locator("#result_list")).to_have_count(0)
    shoot(page, "queue-done")
    _clean(page, axe_source)
    assert csp.violations == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("sized", list(SIZES), indirect=True)
def test_a_moderator_approves_ten_opinions_at_once(live_server, page, axe_source, sized, csp):
    _size, width = sized
    staff()
    OpinionFactory.create_batch(10, status=OpinionStatus.PENDING)
    log_in(page, live_server.url, "mo")
    page.locator(".desk-card").get_by_role("link", name="Moderate the queue").click()
    # Three actions: tick "select all", choose the action, run it.
    page.get_by_label("Select all objects on this page for an action").check()
    page.locator("select[name=action]").select_option(label="Approve selected opinions")
    page.get_by_role("button", name="Run").click()
    expect(page.locator(".messagelist")).to_contain_text("10 opinions approved")
    assert Opinion.objects.pending().count() == 0
    _fits(page, width)


# --- The story list ------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("sized", list(SIZES), indirect=True)
def test_the_story_list_needs_no_sideways_scrolling(live_server, page, axe_source, sized, csp):
    size, width = sized
    people = staff()
    city = SectionFactory(name="City and regional affairs")
    byline = [people["wendy"], people["erin"]]
    StoryFactory(title="Ferry timetable changes for the winter season", scheduled=True, section=city, authors=byline)
    StoryFactory(
        title="Council approves the eastern tram extension after a two-year debate over its cost",
        in_review=True,
        section=city,
        authors=byline,
    )
    StoryFactory(title="Library reopens after the flood", published=True, section=city, authors=byline)
    log_in(page, live_server.url, "eddie")
    page.goto(live_server.url + "/admin/stories/story/")
    _sidebar_open(page, size)
    expect(page.locator("#result_list tbody tr")).to_have_count(3)
    Camera(f"story-list-{size}")(page, "list")
    _fits(page, width)
    _clean(page, axe_source)
    row = page.locator("#result_list tbody tr", has_text="Ferry timetable")
    for part in (row.get_by_role("link", name="Ferry timetable"), row.locator(".status-badge")):
        _fully_visible(page, part)
    expect(row).to_contain_text("Scheduled for")
    expect(row).to_contain_text("Wendy Writer, Erin Editor")
    expect(row).to_contain_text("City and regional affairs")
    assert csp.violations == []


# --- Every workflow dialog, with the sidebar open ------------------------------------------------------------------


def _dialog_stories(people):
    wendy = people["wendy"]
    review = StoryFactory(title="In review: tram line", in_review=True, created_by=wendy, authors=[wendy])
    live = StoryFactory(title="Live: ferry timetable", published=True, created_by=wendy, authors=[wendy])
    workflow.propose_revision(live, wendy, {"title": "Live: ferry timetable (updated)"}, comment="New times.")
    scheduled = StoryFactory(title="Scheduled: river feature", scheduled=True, created_by=wendy)
    embargoed = StoryFactory(
        title="Embargoed: the budget",
        scheduled=True,
        embargo_until=timezone.now() + timedelta(hours=20),
        published_at=timezone.now() + timedelta(days=1),
    )
    return {
        review: ["Request changes…", "Schedule…"],
        live: ["Unpublish…", "Kill…", "Publish at…", "Discard…"],
        scheduled: ["Reschedule…", "Cancel schedule…"],
        embargoed: ["Lift embargo…", "Create a partner link…"],
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("sized", list(SIZES), indirect=True)
def test_every_workflow_dialog_opens_whole_and_usable(live_server, page, axe_source, sized, csp):
    size, width = sized
    dialogs = _dialog_stories(staff())
    shoot = Camera(f"workflow-dialogs-{size}")
    log_in(page, live_server.url, "eddie")
    for story, labels in dialogs.items():
        page.goto(f"{live_server.url}/admin/stories/story/{story.pk}/change/")
        _sidebar_open(page, size)
        for label in labels:
            page.locator("summary", has_text=label).click()
            dialog = page.locator(".workflow-details[open] .workflow-dialog")
            expect(dialog).to_have_count(1)
            field = dialog.locator("textarea, input:not([type=hidden])").first
            expect(field).to_be_focused()
            for part in (dialog.locator("label").first, field, dialog.locator("button[type=submit]")):
                _fully_visible(page, part)
            _fits(page, width)
            shoot(page, label.rstrip("…").lower().replace(" ", "-"))
            page.locator("summary", has_text=label).click()  # closes it again
    assert csp.violations == []
