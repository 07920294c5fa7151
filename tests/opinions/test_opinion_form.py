"""A reader sends an opinion through the form on the story page; it waits for a moderator."""

import pytest
from django.test import Client
from django.urls import reverse

from stories.models import Opinion, OpinionStatus
from tests.factories import StoryFactory
from tests.opinion_helpers import hidden_value, post_opinion

THANKS = "Thanks — your opinion will appear once a moderator approves it"


@pytest.fixture
def story(db):
    return StoryFactory(published=True, title="Council approves the tram line")


def test_the_story_page_has_the_form_with_its_length_limit(client, story, settings):
    html = client.get(story.get_absolute_url()).content.decode()
    section = html[html.index('id="opinions"') :]
    assert f'action="{reverse("stories:post_opinion", args=[story.slug])}#opinions"' in section
    assert '<label for="id_author_name">Name</label>' in section
    assert '<label for="id_email">Email (optional)</label>' in section
    assert '<label for="id_body">Your opinion</label>' in section
    assert f"up to {settings.OPINION_MAX_LENGTH:,} characters" in section
    assert f'maxlength="{settings.OPINION_MAX_LENGTH}"' in section


@pytest.mark.parametrize("visit", ["first", "from-the-cache"])
def test_the_story_page_carries_no_csrf_token_and_sets_no_csrf_cookie(story, visit):
    browser = Client(enforce_csrf_checks=True)
    if visit == "from-the-cache":
        Client().get(story.get_absolute_url())
    response = browser.get(story.get_absolute_url())

    assert response.status_code == 200
    assert response["X-Cache"] == ("hit" if visit == "from-the-cache" else "miss")
    assert 'name="started"' in response.content.decode()  # the form is there
    assert "csrfmiddlewaretoken" not in response.content.decode()
    assert "csrftoken" not in response.cookies
    assert "csrftoken" not in browser.cookies
    # Still for this reader's browser only: the time token is of their own visit (stories.opinions._visit_token).
    assert response["Cache-Control"] == "private, no-cache"


def test_a_reader_sends_an_opinion_through_the_real_form_with_csrf_enforced(story, settings):
    settings.OPINION_MIN_SECONDS = 0  # the test reads and writes faster than a person
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(story.get_absolute_url()).content.decode()
    data = {
        "started": hidden_value(page, "started"),
        "author_name": "Ana Reader",
        "email": "ana@example.com",
        "body": "Finally.\nThe eastern districts have waited long enough.",
        "website": "",
    }
    # As a browser sends it from the page: no CSRF token, the page's own origin.
    response = browser.post(
        reverse("stories:post_opinion", args=[story.slug]),
        data,
        headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"},
    )

    assert response.status_code == 303
    assert response["Location"] == story.get_absolute_url() + "#opinions"
    opinion = Opinion.objects.get()
    assert opinion.status == OpinionStatus.PENDING
    assert (opinion.author_name, opinion.email) == ("Ana Reader", "ana@example.com")
    assert opinion.body == "Finally.\nThe eastern districts have waited long enough."

    after = browser.get(response["Location"]).content.decode()
    section = after[after.index('id="opinions"') :]
    assert THANKS in section
    assert after.count(THANKS) == 1  # shown by the form, not again at the top of the page
    assert "Finally." not in after  # pending: not shown to anyone yet


def test_a_post_another_site_made_the_browser_send_is_refused(story):
    # The form has no CSRF token to check: the browser's Sec-Fetch-Site says where the post came from
    # (tests/opinions/test_cross_origin.py has the whole matrix).
    browser = Client(enforce_csrf_checks=True)
    browser.get(story.get_absolute_url())
    response = post_opinion(browser, story, HTTP_SEC_FETCH_SITE="cross-site", HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert not Opinion.objects.exists()


def test_errors_show_next_to_the_fields_and_keep_the_input(client, story):
    response = post_opinion(client, story, author_name="", email="not an address", body="My kept words")
    assert response.status_code == 400
    html = response.content.decode()
    assert '<ul class="errorlist" id="id_author_name_error"><li>This field is required.</li></ul>' in html
    assert 'id="id_email_error"' in html
    assert 'value="not an address"' in html
    assert ">\nMy kept words</textarea>" in html
    assert 'aria-invalid="true"' in html
    assert not Opinion.objects.exists()


def test_an_opinion_over_the_length_limit_is_refused_with_the_limit(client, story, settings):
    response = post_opinion(client, story, body="x" * (settings.OPINION_MAX_LENGTH + 1))
    assert response.status_code == 400
    assert f"at most {settings.OPINION_MAX_LENGTH}" in response.content.decode()
    assert not Opinion.objects.exists()


def test_line_breaks_sent_by_a_browser_count_once_towards_the_limit(client, story, settings):
    lines = ["a" * 9] * (settings.OPINION_MAX_LENGTH // 10)
    response = post_opinion(client, story, body="\r\n".join(lines))
    assert response.status_code == 303
    assert Opinion.objects.get().body == "\n".join(lines)


def test_the_email_is_never_shown(client, story):
    post_opinion(client, story, email="private@example.com")
    opinion = Opinion.objects.get()
    from stories import workflow

    workflow.moderate(opinion, None, OpinionStatus.APPROVED)
    html = client.get(story.get_absolute_url()).content.decode()
    assert "Ana Reader" in html
    assert "private@example.com" not in html


def test_only_post_is_accepted(client, story):
    assert client.get(reverse("stories:post_opinion", args=[story.slug])).status_code == 405


@pytest.mark.parametrize("state", ["draft", "in_review", "scheduled"])
def test_a_story_readers_cannot_see_takes_no_opinions(client, db, state):
    story = StoryFactory(**{state: True} if state != "draft" else {})
    assert post_opinion(client, story).status_code == 404
    assert not Opinion.objects.exists()
