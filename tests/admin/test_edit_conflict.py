"""Two people edit the same story: the second save is refused and nothing is overwritten."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stories.admin import forms as story_admin
from stories.models import Story
from tests.factories import StoryFactory
from tests.story_admin_helpers import change_url, story_form_data

# Every test here uses the database (some only through request.getfixturevalue).
pytestmark = pytest.mark.django_db


def test_the_second_save_from_an_older_version_is_refused(client, editor, admin_user):
    story = StoryFactory(title="Original headline")
    first = story_form_data(story, title="First editor's headline", highlights=["Kept."])
    second = story_form_data(story, title="Second editor's headline", highlights=["Lost."])
    assert first["base_version"] == second["base_version"] == 1

    client.force_login(editor)
    assert client.post(change_url(story), first).status_code == 302
    client.force_login(admin_user)
    response = client.post(change_url(story), second)

    assert response.status_code == 200
    assert "Someone else saved this story while you were editing" in response.content.decode()
    # The second person's text stays in the form, so nothing they typed is lost either.
    assert "Second editor&#x27;s headline" in response.content.decode()
    story.refresh_from_db()
    assert story.title == "First editor's headline"
    assert [h.text for h in story.highlights.all()] == ["Kept."]
    assert story.version == 2
    assert story.last_edited_by == editor


def test_the_save_checks_the_version_under_the_row_lock_and_writes_the_next_one(client, editor):
    story = StoryFactory()
    client.force_login(editor)
    with CaptureQueriesContext(connection) as queries:
        client.post(change_url(story), story_form_data(story, title="New"))
    sql = [q["sql"] for q in queries.captured_queries]
    updates = [q for q in sql if q.startswith('UPDATE "stories_story"')]
    assert len(updates) == 1
    assert "\"title\" = 'New'" in updates[0] and '"version" = 2' in updates[0]
    if connection.vendor == "postgresql":  # SQLite's transactions take the write lock at BEGIN (IMMEDIATE)
        locks = [i for i, q in enumerate(sql) if q.startswith("SELECT") and "FOR UPDATE" in q and "stories_story" in q]
        assert locks and locks[0] < sql.index(updates[0])


def test_a_change_slipping_in_after_the_check_is_still_refused(client, editor, monkeypatch):
    """Even if the form's early check were passed, the UPDATE ... WHERE version = X writes nothing."""
    story = StoryFactory(title="Before")
    original_clean = story_admin.StoryAdminForm.clean

    def clean_then_someone_saves(form):
        cleaned = original_clean(form)
        Story.objects.filter(pk=story.pk).update(title="Someone else", version=5)
        return cleaned

    monkeypatch.setattr(story_admin.StoryAdminForm, "clean", clean_then_someone_saves)
    client.force_login(editor)
    response = client.post(change_url(story), story_form_data(story, title="Mine"), follow=True)
    assert "Someone else saved this story while you were editing" in response.content.decode()
    story.refresh_from_db()
    # The whole save rolled back, the other person's change included: nothing of ours was written.
    assert story.title == "Before"
    assert story.version == 1


def test_saving_twice_in_a_row_from_fresh_pages_works(client, editor):
    story = StoryFactory()
    client.force_login(editor)
    assert client.post(change_url(story), story_form_data(story, title="One")).status_code == 302
    story.refresh_from_db()
    assert client.post(change_url(story), story_form_data(story, title="Two")).status_code == 302
    story.refresh_from_db()
    assert (story.title, story.version) == ("Two", 3)
