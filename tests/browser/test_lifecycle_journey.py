"""A story's life after "publish", in Chromium: an embargo that holds a published story back until its time, a
kill that replaces a live story with the editor's notice, and a writer's change to their live story that readers
see only once an editor publishes it."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from stories.models import Status, Story
from tests.browser.journey_helpers import Camera, CspWatch, log_in, open_from_dashboard, reload_until, staff
from tests.factories import StoryFactory

TITLE = "Drug trial results show fewer relapses"
# Long enough for the editor's steps below, short enough for the test.
EMBARGO_SECONDS = 40


@pytest.mark.django_db(transaction=True)
def test_an_embargo_holds_a_published_story_until_its_time_and_a_kill_takes_it_down(live_server, page, browser):
    base = live_server.url
    people = staff()
    StoryFactory(title=TITLE, slug="drug-trial-results", in_review=True, created_by=people["wendy"])
    csp = CspWatch()
    csp.watch(page.context)
    shoot = Camera("lifecycle")
    reader = csp.watch(browser.new_context()).new_page()

    # The editor sets the embargo the study's publisher gave, then presses Publish now anyway.
    log_in(page, base, "eddie")
    open_from_dashboard(page, TITLE)
    page.get_by_text("Embargo and expiry").click()
    ends = timezone.localtime() + timedelta(seconds=EMBARGO_SECONDS)
    page.locator("#id_embargo_until_0").fill(ends.strftime("%Y-%m-%d"))
    page.locator("#id_embargo_until_1").fill(ends.strftime("%H:%M:%S"))
    page.get_by_role("button", name="Save and continue editing").first.click()
    expect(page.locator(".workflow-panel .status-embargoed")).to_contain_text("Embargoed until")
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Publish now").click()
    expect(page.locator(".messagelist")).to_contain_text("held by its embargo")
    assert "stays hidden from readers until its embargo ends" in questions[0]
    shoot(page, "published-under-embargo")
    story = Story.objects.get(title=TITLE)
    assert story.status == Status.PUBLISHED and story.published_at == story.embargo_until

    # Readers see nothing of it while the embargo runs: not on the front page, not at its address.
    reader.goto(base + "/")
    expect(reader.get_by_role("link", name=TITLE)).to_have_count(0)
    response = reader.goto(base + "/stories/drug-trial-results/")
    assert response.status == 404

    # The embargo passes with nobody touching anything: the story appears on the front page and opens.
    reader.goto(base + "/")
    reload_until(reader, reader.get_by_role("link", name=TITLE), timeout=EMBARGO_SECONDS + 30)
    reader.get_by_role("link", name=TITLE).first.click()
    expect(reader.locator("h1")).to_have_text(TITLE)
    shoot(reader, "reader-after-embargo")

    # A legal complaint: the editor kills it with a public notice.
    page.reload()
    page.get_by_text("Kill…").click()
    notice = "This story has been removed pending a legal review."
    page.get_by_label("Public notice shown at the story's address").fill(notice)
    page.locator(".workflow-dialog").get_by_role("button", name="Kill").click()
    expect(page.locator(".messagelist")).to_contain_text("was killed")
    expect(page.locator(".workflow-panel .status-killed")).to_be_visible()
    shoot(page, "killed")

    # The reader who had it open reloads: the notice, 410 Gone, and the headline is gone from the page.
    response = reader.reload()
    assert response.status == 410
    expect(reader.locator(".gone-notice")).to_have_text(notice)
    assert TITLE not in reader.content()
    shoot(reader, "reader-killed")
    reader.goto(base + "/")
    reader.reload()  # the browser may keep its own copy of a list for a minute (max-age): ask the site
    expect(reader.get_by_role("link", name=TITLE)).to_have_count(0)
    assert csp.violations == []


@pytest.mark.django_db(transaction=True)
def test_a_writers_change_to_a_live_story_reaches_readers_only_when_an_editor_publishes_it(live_server, page, browser):
    base = live_server.url
    people = staff()
    story = StoryFactory(
        title="Harbour ferry fares to rise in March",
        slug="ferry-fares",
        published=True,
        created_by=people["wendy"],
        body="<p>Fares rise by 4 percent.</p>",
    )
    story.authors.add(people["wendy"])
    csp = CspWatch()
    csp.watch(page.context)
    shoot = Camera("lifecycle-revision")
    reader = csp.watch(browser.new_context()).new_page()

    # The writer corrects a figure in her own live story: the save is held for review.
    log_in(page, base, "wendy")
    page.goto(base + f"/admin/stories/story/{story.pk}/change/")
    expect(page.locator(".workflow-panel")).to_be_visible()
    body = page.locator(".ProseMirror")
    body.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("Fares rise by 6 percent, the operator said on Monday.")
    page.get_by_role("button", name="Save and continue editing").first.click()
    expect(page.locator(".messagelist")).to_contain_text("held for review")
    expect(page.locator(".pending-revisions")).to_contain_text("Pending")
    shoot(page, "writer-change-held")

    # Readers still get the live text.
    reader.goto(base + "/stories/ferry-fares/")
    expect(reader.locator(".story-body")).to_contain_text("4 percent")
    expect(reader.locator(".story-body")).not_to_contain_text("6 percent")

    # An editor compares the held change with the live story, then publishes it.
    page.context.clear_cookies()
    log_in(page, base, "eddie")
    page.goto(base + f"/admin/stories/story/{story.pk}/change/")
    page.get_by_role("link", name="Compare with the live story").click()
    expect(page.locator("body")).to_contain_text("6 percent")
    shoot(page, "editor-compare")
    page.go_back()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".pending-revisions").get_by_role("button", name="Publish now").click()
    expect(page.locator(".messagelist")).to_be_visible()
    expect(page.locator(".pending-revisions")).to_have_count(0)

    # The reader reloads: the new text, at once (the story's cached copy was purged when it was published).
    reader.reload()
    expect(reader.locator(".story-body")).to_contain_text("6 percent")
    shoot(reader, "reader-after-publish")
    assert csp.violations == []
