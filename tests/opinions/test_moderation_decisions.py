"""Moderators decide in bulk or per row; every decision goes through workflow.moderate and records who and when."""

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from stories import workflow
from stories.models import Opinion, OpinionStatus
from tests.factories import OpinionFactory, StoryFactory

QUEUE = "/admin/stories/opinion/"


@pytest.fixture
def pending(db):
    story = StoryFactory(published=True)
    return OpinionFactory.create_batch(3, story=story, status=OpinionStatus.PENDING)


@pytest.fixture
def decisions(monkeypatch):
    """Every call to the single door, recorded."""
    calls = []
    real = workflow.moderate

    def spy(opinion, user, decision):
        calls.append((opinion.pk, user, decision))
        return real(opinion, user, decision)

    monkeypatch.setattr(workflow, "moderate", spy)
    return calls


@pytest.mark.parametrize(
    ("action", "status", "message"),
    [
        ("approve_selected", "approved", "2 opinions approved"),
        ("reject_selected", "rejected", "2 opinions rejected"),
        ("spam_selected", "spam", "2 opinions marked as spam"),
    ],
)
def test_a_bulk_action_decides_every_selected_opinion(client, moderator, pending, decisions, action, status, message):
    client.force_login(moderator)
    chosen = [o.pk for o in pending[:2]]
    response = client.post(QUEUE, {"action": action, ACTION_CHECKBOX_NAME: chosen, "index": 0}, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert sorted(pk for pk, _, _ in decisions) == sorted(chosen)
    for opinion in Opinion.objects.filter(pk__in=chosen):
        assert opinion.status == status
        assert opinion.moderated_by == moderator
        assert opinion.moderated_at is not None
    assert Opinion.objects.get(pk=pending[2].pk).status == "pending"


def test_a_row_button_decides_one_opinion_with_csrf_and_keeps_the_filters(moderator, pending, decisions):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(moderator)
    html = browser.get(f"{QUEUE}?story__id__exact={pending[0].story_id}").content.decode()
    target = pending[0]
    url = reverse("admin:stories_opinion_moderate", args=[target.pk])
    button = re.search(rf'<button type="submit"[^>]*formaction="({re.escape(url)}[^"]*)"[^>]*value="approved"', html)
    assert button, "no Approve button on the row"
    assert "<script" not in html.split('id="result_list"', 1)[1].split("</table>", 1)[0]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    action_url = button.group(1).replace("&amp;", "&")

    refused = browser.post(action_url, {"decision": "approved"})
    assert refused.status_code == 403  # no CSRF token
    response = browser.post(action_url, {"decision": "approved", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?story__id__exact={target.story_id}"
    target.refresh_from_db()
    assert (target.status, target.moderated_by) == ("approved", moderator)
    assert decisions == [(target.pk, moderator, "approved")]


def test_a_row_button_only_answers_post(client, moderator, pending):
    client.force_login(moderator)
    url = reverse("admin:stories_opinion_moderate", args=[pending[0].pk])
    assert client.get(url, {"decision": "approved"}).status_code == 405
    assert Opinion.objects.get(pk=pending[0].pk).status == "pending"


def test_an_unknown_decision_changes_nothing(client, moderator, pending):
    client.force_login(moderator)
    url = reverse("admin:stories_opinion_moderate", args=[pending[0].pk])
    response = client.post(url, {"decision": "published"}, follow=True)
    assert "Unknown moderation decision" in response.content.decode()
    assert Opinion.objects.get(pk=pending[0].pk).status == "pending"


def test_an_opinion_can_be_decided_from_its_own_page(client, moderator, pending, decisions):
    client.force_login(moderator)
    target = pending[0]
    url = reverse("admin:stories_opinion_change", args=[target.pk])
    html = client.get(url).content.decode()
    assert "Mark as spam" in html
    client.post(url, {"CHANGE_FORM-action": "spam_selected", ACTION_CHECKBOX_NAME: [target.pk]})
    target.refresh_from_db()
    assert (target.status, target.moderated_by) == ("spam", moderator)
    assert decisions == [(target.pk, moderator, "spam")]


def test_an_approved_opinion_appears_on_the_story_at_once(
    client, moderator, pending, django_capture_on_commit_callbacks
):
    story = pending[0].story
    reader = Client()
    assert pending[0].author_name not in reader.get(story.get_absolute_url()).content.decode()  # now cached
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(QUEUE, {"action": "approve_selected", ACTION_CHECKBOX_NAME: [pending[0].pk], "index": 0})
    assert pending[0].author_name in reader.get(story.get_absolute_url()).content.decode()
