"""A writer files a story in the admin and sends it to the desk; an editor's dashboard shows it."""

import pytest

from stories.models import Status, Story
from tests.factories import PASSWORD, UserFactory


def _log_in(page, live_server, username):
    page.goto(live_server.url + "/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/admin/")


@pytest.mark.django_db(transaction=True)
def test_a_writer_files_a_story_with_three_highlights_and_submits_it(live_server, page, screenshot):
    writer = UserFactory(username="wendy", first_name="Wendy", last_name="Writer", role="Writers")
    UserFactory(username="eddie", first_name="Eddie", last_name="Editor", role="Editors")
    blocked = []
    page.on("console", lambda msg: blocked.append(msg.text) if "Content Security Policy" in msg.text else None)

    _log_in(page, live_server, "wendy")
    page.get_by_role("link", name="Write a new story").click()
    page.wait_for_load_state("load")  # the admin's slug filling listens from its deferred script on
    page.locator("#id_title").press_sequentially("Council approves new tram line after two-year debate")
    assert page.input_value("#id_slug") == "council-approves-new-tram-line-after-two-year-debate"

    body = page.locator(".ProseMirror")
    body.click()
    page.keyboard.type("The city council on Tuesday approved the eastern tram extension.")
    page.keyboard.press("Enter")
    page.keyboard.type("Construction starts next spring.")
    page.keyboard.press("Control+A")
    page.get_by_role("button", name="Bold").click()
    for i, text in enumerate(
        [
            "The council voted 31 to 12 in favour.",
            "Construction is expected to begin next spring.",
            "Opponents say the budget ignores steel prices.",
        ]
    ):
        page.fill(f"#id_highlights-{i}-text", text)
    screenshot("writer-new-story")
    page.get_by_role("button", name="Save and continue editing").first.click()
    page.wait_for_selector(".workflow-panel")

    story = Story.objects.get()
    assert story.created_by == writer and list(story.authors.all()) == [writer]
    assert story.highlights.count() == 3
    assert "<strong>" in story.body and "next spring" in story.body
    assert page.get_by_role("button", name="Publish now").count() == 0
    assert page.get_by_text("Schedule…").count() == 0
    screenshot("writer-draft")

    page.get_by_role("button", name="Submit for review", exact=True).click()
    page.wait_for_selector(".messagelist .success")
    assert "submitted for review" in page.locator(".messagelist").inner_text()
    story.refresh_from_db()
    assert story.status == Status.REVIEW
    # In review the writer reads the story but no longer edits it or publishes it.
    assert page.locator("#id_title").count() == 0
    assert page.get_by_role("button", name="Publish now").count() == 0
    assert page.get_by_role("button", name="Submit for review", exact=True).count() == 0
    screenshot("writer-in-review")
    assert blocked == []

    page.context.clear_cookies()
    _log_in(page, live_server, "eddie")
    review_card = page.locator("#desk-review").locator("..")
    assert "Council approves new tram line" in review_card.inner_text()
    screenshot("editor-dashboard")
    page.get_by_role("link", name="Council approves new tram line after two-year debate").first.click()
    page.wait_for_url("**/change/")
    page.wait_for_selector(".workflow-panel")
    assert page.get_by_role("button", name="Publish now").count() == 1
    page.get_by_text("Schedule…").click()
    assert page.locator("#schedule-at").is_visible()
    screenshot("editor-review-page")
