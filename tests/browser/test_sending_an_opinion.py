import pytest
from playwright.sync_api import expect

from stories.models import Opinion, OpinionStatus
from tests.factories import StoryFactory

THANKS = "Thanks — your opinion will appear once a moderator approves it"


@pytest.mark.django_db(transaction=True)
def test_a_reader_sends_an_opinion_and_is_thanked(live_server, page, screenshot, settings):
    settings.OPINION_MIN_SECONDS = 0  # a script types faster than a person
    story = StoryFactory(published=True, title="Harbour bakery reopens after the flood")
    page.goto(live_server.url + story.get_absolute_url())

    form = page.get_by_role("form", name="Share your opinion")
    expect(form.get_by_text("up to 2,000 characters")).to_be_visible()
    expect(page.get_by_label("Leave this field empty")).not_to_be_in_viewport()  # the honeypot
    form.get_by_label("Name", exact=True).fill("Ana Reader")
    form.get_by_label("Email (optional)").fill("ana@example.com")
    form.get_by_label("Your opinion", exact=True).fill("Good news for the harbour.\nThe queue was worth it.")
    form.get_by_role("button", name="Send opinion").click()

    page.wait_for_url(f"**{story.get_absolute_url()}#opinions")
    notice = page.locator("#opinions").get_by_role("status")
    expect(notice).to_have_text(THANKS)
    expect(notice).to_be_in_viewport()
    expect(page.get_by_text("Good news for the harbour.")).to_have_count(0)  # waits for a moderator
    opinion = Opinion.objects.get()
    assert (opinion.author_name, opinion.status) == ("Ana Reader", OpinionStatus.PENDING)
    assert screenshot("thanked").stat().st_size > 1000


@pytest.mark.django_db(transaction=True)
def test_a_reader_who_leaves_out_the_name_sees_the_error_and_keeps_the_text(live_server, page, screenshot, settings):
    settings.OPINION_MIN_SECONDS = 0
    story = StoryFactory(published=True)
    page.goto(live_server.url + story.get_absolute_url())
    # Without the browser's own check, as a reader whose browser does not enforce `required` would send it.
    page.locator("form.opinion-form").evaluate("form => form.noValidate = true")
    page.get_by_label("Your opinion", exact=True).fill("My words stay here.")
    page.get_by_role("button", name="Send opinion").click()

    expect(page.locator("#id_author_name_error")).to_have_text("This field is required.")
    expect(page.get_by_label("Name", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Your opinion", exact=True)).to_have_value("My words stay here.")
    assert not Opinion.objects.exists()
    assert screenshot("error").stat().st_size > 1000
