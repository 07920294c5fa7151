"""Only the anonymous opinion form went over to origin checks: every staff form still needs Django's CSRF token.

A same-origin POST without the token is refused on the admin's login and on the
desk's forms, as it was before, and nothing changes.
"""

import pytest
from django.test import Client
from django.urls import reverse

from stories.models import Opinion, OpinionStatus, Status, Story
from tests.factories import StoryFactory
from tests.story_admin_helpers import transition_url

SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [{}, SAME_ORIGIN], ids=["no-browser-headers", "same-origin"])
def test_the_admin_login_refuses_a_post_without_a_csrf_token(headers):
    browser = Client(enforce_csrf_checks=True)
    browser.get(reverse("admin:login"))  # the login page sets the CSRF cookie; the post leaves the token out

    response = browser.post(reverse("admin:login"), {"username": "editor", "password": "x"}, headers=headers)

    assert response.status_code == 403
    assert "_auth_user_id" not in browser.session


@pytest.mark.parametrize("headers", [{}, SAME_ORIGIN], ids=["no-browser-headers", "same-origin"])
def test_a_desk_form_refuses_a_post_without_a_csrf_token(editor, headers):
    story = StoryFactory(in_review=True)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)

    response = browser.post(transition_url(story, "publish"), headers=headers)

    assert response.status_code == 403
    assert Story.objects.get(pk=story.pk).status == Status.REVIEW


@pytest.mark.parametrize("headers", [{}, SAME_ORIGIN], ids=["no-browser-headers", "same-origin"])
def test_a_moderators_decision_refuses_a_post_without_a_csrf_token(moderator, headers):
    opinion = Opinion.objects.create(story=StoryFactory(published=True), author_name="Ana", body="Long overdue.")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(moderator)

    url = reverse("admin:stories_opinion_moderate", args=[opinion.pk])
    response = browser.post(url, {"decision": "approved"}, headers=headers)

    assert response.status_code == 403
    assert Opinion.objects.get(pk=opinion.pk).status == OpinionStatus.PENDING
