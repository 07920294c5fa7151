"""The newsroom end to end in real Chromium: writers, editors, a moderator and readers, each at their own browser.

Every journey starts from the admin login page or the home page and saves a
screenshot of each step in test-artifacts/screenshots/. Every browser context
reports Content-Security-Policy violations to the test, and each journey ends
with none reported.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from stories import opinions, workflow
from stories.models import Opinion, OpinionStatus, Status, Story
from tests.browser.journey_helpers import (
    Camera,
    CspWatch,
    log_in,
    open_from_dashboard,
    reload_until,
    serious_accessibility_violations,
    staff,
)
from tests.factories import SectionFactory, StoryFactory

HEADLINE = "Council approves new tram line after two-year debate"
HIGHLIGHTS = [
    "The council voted 31 to 12 in favour of the eastern extension.",
    "Construction is expected to begin next spring.",
    "Opponents say the budget ignores rising steel prices.",
]
DATE_LINE = re.compile(r"^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2} [AP]M$")  # Jul 24, 2025, 8:14 PM


@pytest.fixture
def csp():
    return CspWatch()


@pytest.fixture
def new_context(new_context, csp):
    """Every browser context of a journey, `page`'s included, reports CSP violations to `csp`."""

    def make(**kwargs):
        return csp.watch(new_context(**kwargs))

    return make


@pytest.fixture
def shot(request):
    return Camera(request.node.originalname)


@pytest.fixture
def desk(transactional_db):
    return staff()


def _published(title, section=None, **fields):
    story = StoryFactory(published=True, title=title, section=section, highlights=[], **fields)
    for position, text in enumerate(HIGHLIGHTS, start=1):
        story.highlights.create(text=text, position=position)
    return story


# --- 1. A writer files a story --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_writer_files_a_story_and_submits_it_without_a_publish_button(live_server, page, desk, shot, csp):
    log_in(page, live_server.url, "wendy")
    shot(page, "writer-dashboard")
    page.get_by_role("link", name="Write a new story").click()
    page.locator("#id_title").fill(HEADLINE)
    page.locator(".ProseMirror").click()
    page.keyboard.type("The city council on Tuesday approved the eastern tram extension.")
    page.keyboard.press("Enter")
    page.keyboard.type("Construction starts next spring.")
    for row, text in enumerate(HIGHLIGHTS):
        page.locator(f"#id_highlights-{row}-text").fill(text)
    shot(page, "new-story-filled-in")
    page.get_by_role("button", name="Save and continue editing").first.click()

    expect(page.locator(".workflow-panel")).to_contain_text("Not visible to readers.")
    story = Story.objects.get()
    assert (story.title, story.status, story.created_by) == (HEADLINE, Status.DRAFT, desk["wendy"])
    assert [h.text for h in story.highlights.all()] == HIGHLIGHTS
    assert "next spring" in story.body
    expect(page.get_by_role("button", name="Publish now")).to_have_count(0)
    expect(page.get_by_text("Schedule…")).to_have_count(0)
    shot(page, "draft-saved")

    page.get_by_role("button", name="Submit for review", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was submitted for review")
    expect(page.locator(".workflow-panel .status-badge")).to_have_text("In review")
    expect(page.get_by_role("button", name="Publish now")).to_have_count(0)
    expect(page.get_by_role("button", name="Submit for review", exact=True)).to_have_count(0)
    assert Story.objects.get().status == Status.REVIEW
    shot(page, "submitted-for-review")
    assert csp.violations == []


# --- 2. Changes requested, resubmitted, published; a scheduled story goes live ---------------


@pytest.mark.django_db(transaction=True)
def test_an_editor_sends_a_story_back_then_publishes_it_and_a_scheduled_story_goes_live(
    live_server, new_context, desk, shot, csp
):
    wendy = desk["wendy"]
    StoryFactory(in_review=True, title=HEADLINE, created_by=wendy, authors=[wendy])
    later = "Harbour bakery reopens after the flood"
    StoryFactory(in_review=True, title=later, created_by=wendy, authors=[wendy])
    comment = "Name the councillors who voted against, and add the cost."
    writer, editor, reader = (new_context().new_page() for _ in range(3))

    log_in(editor, live_server.url, "eddie")
    shot(editor, "editor-dashboard-in-review")
    open_from_dashboard(editor, HEADLINE)
    editor.get_by_text("Request changes…").click()
    editor.get_by_label("What should the writer change?").fill(comment)
    shot(editor, "editor-writes-a-comment")
    editor.get_by_role("button", name="Request changes", exact=True).click()
    expect(editor.locator(".messagelist")).to_contain_text("went back to draft; the writer has your comment.")

    log_in(writer, live_server.url, "wendy")
    requests = writer.locator(".desk-card", has=writer.locator("#desk-requests"))
    expect(requests).to_contain_text("Changes requested by Eddie Editor")
    expect(requests.locator(".desk-request-comment")).to_have_text(comment)
    shot(writer, "writer-sees-the-comment-on-the-dashboard")
    open_from_dashboard(writer, HEADLINE)
    expect(writer.locator(".transition-history")).to_contain_text(comment)
    writer.locator(".ProseMirror").click()
    writer.keyboard.press("Control+End")
    writer.keyboard.press("Enter")
    writer.keyboard.type("Councillors Berg and Haddad voted against; the line will cost 310 million.")
    shot(writer, "writer-edits")
    writer.get_by_role("button", name="Save and continue editing").first.click()
    expect(writer.locator(".messagelist")).to_contain_text("was changed successfully")
    assert "310 million" in Story.objects.get(title=HEADLINE).body
    writer.get_by_role("button", name="Submit for review", exact=True).click()
    expect(writer.locator(".messagelist")).to_contain_text("was submitted for review")
    shot(writer, "writer-resubmits")

    editor.goto(live_server.url + "/admin/")
    open_from_dashboard(editor, HEADLINE)
    expect(editor.locator(".ProseMirror")).to_contain_text("310 million")
    editor.once("dialog", lambda dialog: dialog.accept())
    editor.get_by_role("button", name="Publish now").click()
    expect(editor.locator(".messagelist")).to_contain_text("is published and live.")
    shot(editor, "editor-publishes")
    assert Story.objects.get(title=HEADLINE).status == Status.PUBLISHED

    reader.goto(live_server.url + "/")
    expect(reader.get_by_role("link", name=HEADLINE)).to_be_visible()
    expect(reader.get_by_role("link", name=later)).to_have_count(0)
    shot(reader, "reader-sees-the-published-story")

    # The editor schedules the other story. The form takes whole minutes, the earliest valid one is up to a
    # minute away; once the schedule is recorded, its time is brought to a few seconds from now, before any
    # reader asks for a page, so the site learns that time exactly as it would have from the form.
    editor.goto(live_server.url + "/admin/")
    open_from_dashboard(editor, later)
    editor.get_by_text("Schedule…").click()
    in_two_minutes = timezone.localtime() + timedelta(minutes=2)
    editor.get_by_label("Go live at").fill(in_two_minutes.strftime("%Y-%m-%dT%H:%M"))
    editor.get_by_role("button", name="Schedule", exact=True).click()
    expect(editor.locator(".messagelist")).to_contain_text("is scheduled: it goes live on")
    expect(editor.locator(".workflow-panel .status-badge")).to_have_text("Scheduled")
    shot(editor, "editor-schedules-another-story")
    Story.objects.filter(title=later).update(published_at=timezone.now() + timedelta(seconds=8))

    reader.reload()
    expect(reader.get_by_role("link", name=later)).to_have_count(0)
    # A stored copy of the home page now stands between readers and the story.
    assert reader.request.get(live_server.url + "/").headers["x-cache"] == "hit"
    shot(reader, "scheduled-story-not-yet-on-the-home-page")
    # The stored home page must give way to the story once its time passes, with nobody purging anything.
    reload_until(reader, reader.get_by_role("link", name=later))
    shot(reader, "scheduled-story-is-live")
    assert csp.violations == []


# --- 3. A reader finds, reads, filters and searches ------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_reader_reads_a_story_in_the_design_order_filters_by_section_and_searches(live_server, page, shot, csp):
    city = SectionFactory(name="City", slug="city")
    business = SectionFactory(name="Business", slug="business")
    story = _published(HEADLINE, section=city)
    other = _published(
        "Shipyard orders two new ferries", section=business, body="<p>The yard will build two electric ferries.</p>"
    )

    page.goto(live_server.url + "/")
    shot(page, "home")
    page.get_by_role("link", name=HEADLINE).click()
    expect(page.locator("h1")).to_have_text(HEADLINE)
    shot(page, "story")

    story_page = page.locator("article.story")
    parts = {
        "date line": story_page.locator(".date-line time"),
        "headline": story_page.locator("h1"),
        "Highlights": story_page.get_by_role("heading", name="Highlights", exact=True),
        "Story": story_page.get_by_role("heading", name="Story", exact=True),
        "Opinions": story_page.get_by_role("heading", name=re.compile(r"^Opinions")),
        "end": story_page.get_by_text("You've reached the end", exact=True),
    }
    tops = {name: locator.bounding_box()["y"] for name, locator in parts.items()}
    assert sorted(tops, key=tops.get) == list(parts), tops
    assert DATE_LINE.match(parts["date line"].inner_text())
    assert parts["date line"].get_attribute("datetime").startswith(str(timezone.localdate(story.published_at)))
    expect(story_page.locator(".story-highlights li")).to_have_text(HIGHLIGHTS)

    page.get_by_role("link", name="Latest").click()
    page.get_by_text("Filter stories").click()
    page.get_by_label("Section", exact=True).select_option(label="City")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"section=city"))
    expect(page.get_by_role("link", name=HEADLINE)).to_be_visible()
    expect(page.get_by_role("link", name=other.title)).to_have_count(0)
    shot(page, "feed-filtered-by-section")

    search = page.get_by_role("searchbox", name="Search stories")
    search.fill("tram line")
    search.press("Enter")
    expect(page.get_by_role("link", name=HEADLINE)).to_be_visible()
    expect(page.get_by_role("link", name=other.title)).to_have_count(0)
    shot(page, "search-results")
    page.get_by_role("link", name=HEADLINE).click()
    expect(page.locator("h1")).to_have_text(HEADLINE)
    assert csp.violations == []


# --- 4. An opinion goes through moderation ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_readers_opinion_appears_once_a_moderator_approves_it(
    live_server, page, new_context, desk, shot, csp, settings
):
    # The form refuses posts sent within OPINION_MIN_SECONDS of the page being shown; a script types faster.
    settings.OPINION_MIN_SECONDS = 0
    _published(HEADLINE)
    words = "About time. The east side has waited twenty years for this line."

    page.goto(live_server.url + "/")
    page.get_by_role("link", name=HEADLINE).click()
    form = page.get_by_role("form", name="Share your opinion")
    form.get_by_label("Name", exact=True).fill("Ana Reader")
    form.get_by_label("Your opinion", exact=True).fill(words)
    shot(page, "reader-writes-an-opinion")
    form.get_by_role("button", name="Send opinion").click()
    expect(page.locator("#opinions").get_by_role("status")).to_have_text(opinions.THANKS)
    expect(page.get_by_text(words)).to_have_count(0)
    shot(page, "reader-is-told-it-waits-for-a-moderator")
    assert Opinion.objects.get().status == OpinionStatus.PENDING

    moderator = new_context().new_page()
    log_in(moderator, live_server.url, "mo")
    expect(moderator.locator("#desk-opinions").locator("..")).to_contain_text("1 reader opinion waiting")
    moderator.get_by_role("link", name="Opinions waiting").click()
    expect(moderator.locator("h1")).to_have_text("Opinions waiting for a moderator")
    expect(moderator.locator("#result_list")).to_contain_text(words)
    shot(moderator, "moderation-queue")
    moderator.get_by_role("button", name="Approve the opinion by Ana Reader").click()
    expect(moderator.locator(".messagelist")).to_contain_text("1 opinion approved: now shown on the story.")
    shot(moderator, "opinion-approved")

    page.reload()
    expect(page.locator("#opinions .opinion-body")).to_have_text(words)
    expect(page.locator("#opinions .opinion-author")).to_have_text("Ana Reader")
    shot(page, "reader-sees-the-opinion")
    assert csp.violations == []


# --- 5. Unpublished: gone for readers ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_unpublished_story_is_a_404_and_gone_from_the_feed_and_search(
    live_server, page, new_context, desk, shot, csp
):
    story = _published(HEADLINE)
    _published("Shipyard orders two new ferries", body="<p>The yard will build two electric ferries.</p>")
    url = live_server.url + story.get_absolute_url()

    page.goto(live_server.url + "/")
    expect(page.get_by_role("link", name=HEADLINE)).to_be_visible()
    page.goto(live_server.url + "/search/?q=tram")
    expect(page.get_by_role("link", name=HEADLINE)).to_be_visible()
    page.get_by_role("link", name=HEADLINE).click()
    expect(page.locator("h1")).to_have_text(HEADLINE)
    shot(page, "reader-reads-the-story")

    editor = new_context().new_page()
    log_in(editor, live_server.url, "eddie")
    editor.get_by_role("link", name="Stories").first.click()
    editor.get_by_role("link", name=HEADLINE).click()
    editor.get_by_text("Unpublish…").click()
    editor.get_by_label("Reason for unpublishing").fill("Legal asked us to hold it until the vote is certified.")
    shot(editor, "editor-gives-a-reason")
    editor.get_by_role("button", name="Unpublish", exact=True).click()
    expect(editor.locator(".messagelist")).to_contain_text("was unpublished and is a draft again.")
    shot(editor, "editor-unpublished")
    assert Story.objects.get(pk=story.pk).status == Status.DRAFT

    assert page.reload().status == 404
    expect(page.locator("h1")).not_to_have_text(HEADLINE)
    shot(page, "reader-gets-a-404")
    assert page.goto(url).status == 404
    # The browser may keep a list it showed a minute ago for PUBLIC_MAX_AGE (Cache-Control: max-age=60): a reload
    # asks the site again, which answers with the list as it is now.
    page.goto(live_server.url + "/")
    page.reload()
    expect(page.get_by_role("link", name="Shipyard orders two new ferries")).to_be_visible()
    expect(page.get_by_role("link", name=HEADLINE)).to_have_count(0)
    shot(page, "gone-from-the-feed")
    page.goto(live_server.url + "/search/?q=tram")
    page.reload()
    expect(page.get_by_role("link", name=HEADLINE)).to_have_count(0)
    expect(page.get_by_text("No stories match")).to_be_visible()
    shot(page, "gone-from-search")
    assert csp.violations == []


# --- 6. Two editors, one story -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_second_of_two_editors_saving_the_same_story_is_refused(live_server, new_context, desk, shot, csp):
    story = StoryFactory(in_review=True, title=HEADLINE)
    eddie, erin = new_context().new_page(), new_context().new_page()
    for page, username in ((eddie, "eddie"), (erin, "erin")):
        log_in(page, live_server.url, username)
        open_from_dashboard(page, HEADLINE)
        shot(page, f"{username}-opens-the-story")

    eddie.locator("#id_title").fill("Council approves tram line, 31 votes to 12")
    eddie.get_by_role("button", name="Save and continue editing").first.click()
    expect(eddie.locator(".messagelist")).to_contain_text("was changed successfully")
    shot(eddie, "first-editor-saves")

    erin.locator("#id_title").fill("Tram line approved after two years")
    erin.get_by_role("button", name="Save and continue editing").first.click()
    expect(erin.get_by_text(workflow.EDIT_CONFLICT_MESSAGE)).to_be_visible()
    # Nothing the second editor typed is lost: it is still in the form.
    expect(erin.locator("#id_title")).to_have_value("Tram line approved after two years")
    shot(erin, "second-editor-is-refused")
    assert Story.objects.get(pk=story.pk).title == "Council approves tram line, 31 votes to 12"
    assert csp.violations == []


# --- 7. Accessibility -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_axe_finds_nothing_serious_on_the_public_pages(live_server, page, axe_source, shot, csp):
    city = SectionFactory(name="City", slug="city")
    story = _published(HEADLINE, section=city)
    for path in ["/", story.get_absolute_url(), "/search/?q=tram", "/section/city/", "/?section=city"]:
        page.goto(live_server.url + path)
        assert serious_accessibility_violations(page, axe_source) == [], path
    shot(page, "filtered-feed-checked")
    assert csp.violations == []


@pytest.mark.django_db(transaction=True)
def test_axe_finds_nothing_serious_on_the_admin_story_form(live_server, page, desk, axe_source, shot, csp):
    story = _published(HEADLINE)
    log_in(page, live_server.url, "eddie")
    found = {}
    for path in ["/admin/stories/story/add/", f"/admin/stories/story/{story.pk}/change/"]:
        page.goto(live_server.url + path)
        found[path] = serious_accessibility_violations(page, axe_source)
    shot(page, "story-form-checked")
    assert csp.violations == []
    assert found == {path: [] for path in found}


@pytest.mark.django_db(transaction=True)
def test_a_keyboard_alone_reaches_the_opinion_form_and_sends_it(live_server, page, shot, csp, settings):
    settings.OPINION_MIN_SECONDS = 0
    _published(HEADLINE)
    page.goto(live_server.url + "/")

    # From the top of the home page to the story, then down the story page to the form, by Tab alone.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == HEADLINE:
            break
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(HEADLINE)
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "author_name":
            break
    name = page.get_by_label("Name", exact=True)
    expect(name).to_be_focused()
    page.keyboard.type("Kim Keyboard")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email (optional)")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Your opinion", exact=True)).to_be_focused()
    page.keyboard.type("Sent without a mouse.")
    shot(page, "opinion-typed-with-the-keyboard")
    page.keyboard.press("Tab")
    # The honeypot field is out of the tab order: the next stop is the button.
    expect(page.get_by_role("button", name="Send opinion")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#opinions").get_by_role("status")).to_have_text(opinions.THANKS)
    shot(page, "opinion-sent-with-the-keyboard")
    assert Opinion.objects.get().author_name == "Kim Keyboard"
    assert csp.violations == []


# --- 8. The CSP watch itself ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_csp_watch_catches_a_script_the_policy_blocks(live_server, page, csp):
    """Without this, an empty list of violations could mean a watch that sees nothing."""
    page.goto(live_server.url + "/")
    assert csp.violations == []
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = '1'; document.body.append(s); }")
    for _ in range(50):
        if csp.violations:
            break
        page.wait_for_timeout(100)
    assert any("script-src" in v for v in csp.violations), csp.violations
