"""A writer takes their story back from review with the side panel's "Withdraw from review"."""

import re

import pytest

from stories.models import Status, StoryTransition
from tests.story_admin_helpers import change_url, transition_url
from tests.workflow_helpers import make_story

pytestmark = pytest.mark.django_db


def _panel(html):
    return re.search(r'<section class="workflow-panel".*?</section>', html, re.S).group(0)


def test_the_writer_withdraws_their_story_from_review_and_may_edit_it_again(client, writer):
    story = make_story("review", writer)
    client.force_login(writer)
    html = client.get(change_url(story)).content.decode()
    panel = _panel(html)
    assert f'action="{transition_url(story, "withdraw")}"' in panel
    assert ">Withdraw from review</button>" in panel
    assert 'name="title"' not in html  # in review, the writer's story is read-only

    response = client.post(transition_url(story, "withdraw"), follow=True)
    story.refresh_from_db()
    assert story.status == Status.DRAFT
    assert StoryTransition.objects.get(story=story).actor == writer
    html = response.content.decode()
    assert "was withdrawn from review and is a draft again." in html
    assert 'name="title"' in html  # theirs to edit again
    assert "Withdraw from review" not in _panel(html)
    assert ">Submit for review</button>" in _panel(html)


def test_another_writer_cannot_withdraw_it(client, writer, other_writer):
    story = make_story("review", writer)
    client.force_login(other_writer)
    assert client.post(transition_url(story, "withdraw")).status_code == 404
    assert story.__class__.objects.get(pk=story.pk).status == Status.REVIEW
