"""Moderators moderate and do nothing else; writers and editors cannot moderate."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from stories.models import Opinion, OpinionStatus, Story
from tests.factories import OpinionFactory, StoryFactory
from tests.story_admin_helpers import change_url

QUEUE = "/admin/stories/opinion/"


@pytest.fixture
def opinion(db):
    return OpinionFactory(status=OpinionStatus.PENDING)


def _try_every_door(client, opinion):
    """Each way a decision can be asked for in the admin; the statuses answered."""
    return [
        client.post(QUEUE, {"action": "approve_selected", ACTION_CHECKBOX_NAME: [opinion.pk], "index": 0}).status_code,
        client.post(reverse("admin:stories_opinion_moderate", args=[opinion.pk]), {"decision": "approved"}).status_code,
        client.post(
            reverse("admin:stories_opinion_change", args=[opinion.pk]),
            {"CHANGE_FORM-action": "approve_selected", ACTION_CHECKBOX_NAME: [opinion.pk]},
        ).status_code,
    ]


def test_a_moderator_sees_the_queue_with_its_actions_and_may_decide(client, moderator, opinion):
    client.force_login(moderator)
    html = client.get(QUEUE).content.decode()
    assert "Approve selected opinions" in html and "Mark selected opinions as spam" in html
    assert "Delete selected" not in html
    client.post(reverse("admin:stories_opinion_moderate", args=[opinion.pk]), {"decision": "approved"})
    assert Opinion.objects.get().status == OpinionStatus.APPROVED


def test_a_moderator_cannot_edit_or_delete_an_opinion(client, moderator, opinion):
    client.force_login(moderator)
    change = reverse("admin:stories_opinion_change", args=[opinion.pk])
    client.post(change, {"author_name": "Changed", "body": "Changed text", "_save": "Save"})
    assert Opinion.objects.get().body == opinion.body
    assert client.post(reverse("admin:stories_opinion_delete", args=[opinion.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:stories_opinion_add")).status_code == 403
    assert Opinion.objects.count() == 1


def test_a_moderator_can_do_nothing_else(client, moderator):
    story = StoryFactory(published=True, title="Untouched headline")
    client.force_login(moderator)
    assert client.get(reverse("admin:stories_story_add")).status_code == 403
    client.post(change_url(story), {"title": "Changed by a moderator"})
    assert Story.objects.get().title == "Untouched headline"
    assert client.get("/admin/stories/moderationpolicy/").status_code == 403
    assert client.get("/admin/stories/bannedword/add/").status_code == 403
    assert client.get("/admin/auth/user/").status_code == 403


@pytest.mark.parametrize("role", ["writer", "editor"])
def test_writers_and_editors_cannot_moderate(client, request, role, opinion):
    client.force_login(request.getfixturevalue(role))
    answers = _try_every_door(client, opinion)
    # A writer may not even open the queue; an editor may read it, where the action is not offered.
    assert answers == ([403, 403, 403] if role == "writer" else [200, 403, 403])
    assert Opinion.objects.get().status == OpinionStatus.PENDING
    assert Opinion.objects.get().moderated_by is None


def test_a_writer_does_not_see_the_queue(client, writer, opinion):
    client.force_login(writer)
    assert client.get(QUEUE).status_code == 403
    assert (
        client.post(reverse("admin:stories_opinion_moderate", args=[opinion.pk]), {"decision": "spam"}).status_code
        == 403
    )


def test_an_editor_sees_the_queue_without_the_means_to_decide(client, editor, opinion):
    client.force_login(editor)
    html = client.get(QUEUE).content.decode()
    assert opinion.author_name in html
    assert "Approve selected opinions" not in html
    assert 'name="decision"' not in html


def test_an_anonymous_visitor_is_sent_to_the_login(client, opinion):
    response = client.post(reverse("admin:stories_opinion_moderate", args=[opinion.pk]), {"decision": "approved"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert Opinion.objects.get().status == OpinionStatus.PENDING
