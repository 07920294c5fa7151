"""Who may open, read and change a story in the admin."""

import pytest

from stories.models import Status, Story
from tests.factories import StoryFactory
from tests.story_admin_helpers import change_url, story_form_data
from tests.workflow_helpers import make_story

# Every test here uses the database (some only through request.getfixturevalue).
pytestmark = pytest.mark.django_db


def _editable(response):
    html = response.content.decode()
    return 'name="title"' in html and 'name="_save"' in html


# (role, state) → what the change page is for that person: "edit", "read", "hidden", or "propose" (editable, and a
# save is held for an editor's review: readers keep the live text).
RIGHTS = {
    ("writer", "draft"): "edit",
    ("writer", "review"): "read",
    ("writer", "published"): "propose",
    ("other_writer", "draft"): "hidden",
    ("other_writer", "review"): "hidden",
    ("other_writer", "published"): "read",
    ("editor", "draft"): "edit",
    ("editor", "review"): "edit",
    ("editor", "published"): "edit",
    ("moderator", "draft"): "read",
    ("moderator", "review"): "read",
    ("moderator", "published"): "read",
    ("admin_user", "draft"): "edit",
    ("admin_user", "review"): "edit",
    ("admin_user", "published"): "edit",
}


@pytest.mark.parametrize(("role", "state"), list(RIGHTS))
def test_each_role_opens_a_story_as_the_rules_say(request, client, writer, role, state):
    user = request.getfixturevalue(role)
    story = make_story(state, writer)
    client.force_login(user)
    response = client.get(change_url(story))
    expected = RIGHTS[(role, state)]
    if expected == "hidden":
        assert response.status_code == 302  # the admin's "does not exist" redirect, never the story
        return
    assert response.status_code == 200
    assert _editable(response) == (expected in ("edit", "propose"))

    data = story_form_data(story, title="Changed by " + role)
    saved = client.post(change_url(story), data)
    story.refresh_from_db()
    if expected == "edit":
        assert saved.status_code == 302
        assert story.title == "Changed by " + role
        assert story.last_edited_by == user
    elif expected == "propose":
        assert saved.status_code == 302
        assert story.title != "Changed by " + role
        assert story.pending_revisions.get().content["title"] == "Changed by " + role
    else:
        assert saved.status_code == 403
        assert story.title != "Changed by " + role


def test_a_writer_creating_a_story_owns_it_and_carries_the_byline(client, writer):
    data = story_form_data(highlights=["One.", "Two."], title="New story", slug="new-story")
    client.force_login(writer)
    response = client.post("/admin/stories/story/add/", data)
    assert response.status_code == 302
    story = Story.objects.get(slug="new-story")
    assert story.created_by == writer
    assert list(story.authors.all()) == [writer]
    assert story.status == Status.DRAFT
    assert [h.text for h in story.highlights.all()] == ["One.", "Two."]


def test_a_given_byline_is_kept(client, writer, editor):
    data = story_form_data(highlights=["One."], title="Desk story", slug="desk-story", authors=[writer.pk])
    client.force_login(editor)
    client.post("/admin/stories/story/add/", data)
    story = Story.objects.get(slug="desk-story")
    assert story.created_by == editor
    assert list(story.authors.all()) == [writer]


def test_moderators_may_not_add_stories(client, moderator):
    client.force_login(moderator)
    assert client.get("/admin/stories/story/add/").status_code == 403


def test_an_edit_to_a_published_story_is_live_at_once_and_recorded(client, editor, writer):
    story = StoryFactory(published=True, created_by=writer)
    client.force_login(editor)
    client.post(change_url(story), story_form_data(story, title="Corrected headline"))
    story.refresh_from_db()
    assert Story.objects.published().get(pk=story.pk).title == "Corrected headline"
    assert story.last_edited_by == editor
    assert story.status == Status.PUBLISHED
    from reversion.models import Version

    assert Version.objects.get_for_object(story).first().revision.user == editor
