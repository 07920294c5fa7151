import pytest

from tests.factories import StoryFactory


@pytest.mark.django_db(transaction=True)
def test_a_reader_opens_the_home_page_and_sees_the_latest_story(live_server, page, screenshot):
    story = StoryFactory(published=True, title="Harbour bakery reopens after the flood")
    page.goto(live_server.url + "/")
    assert page.locator("h1").first.inner_text() == "Latest stories"
    page.get_by_role("link", name=story.title).click()
    page.wait_for_url(f"**{story.get_absolute_url()}")
    assert page.locator("h1").inner_text() == story.title
    assert screenshot("story").stat().st_size > 1000
