"""Every save keeps a version: editors see the history, compare two versions and restore one."""

import pytest
from django.urls import reverse
from reversion.models import Version

from stories.models import Status, Story
from tests.factories import StoryFactory
from tests.story_admin_helpers import change_url, story_form_data

# Every test here uses the database (some only through request.getfixturevalue).
pytestmark = pytest.mark.django_db


def _save(client, story, **fields):
    story.refresh_from_db()
    response = client.post(change_url(story), story_form_data(story, **fields))
    assert response.status_code == 302, response.content[:2000]
    story.refresh_from_db()
    return Version.objects.get_for_object(story).first()


@pytest.fixture
def edited(client, editor):
    """A published story saved twice in the admin: two versions."""
    story = StoryFactory(title="First headline", published=True)
    client.force_login(editor)
    first = _save(client, story, highlights=["Old point."], body="<p>Old body.</p>")
    second = _save(client, story, title="Second headline", highlights=["New point.", "Another."], body="<p>New.</p>")
    return story, first, second


def test_each_save_keeps_a_version_with_its_highlights(edited, editor):
    story, first, second = edited
    assert Version.objects.get_for_object(story).count() == 2
    assert first.field_dict["title"] == "First headline"
    texts = sorted(v.field_dict["text"] for v in second.revision.version_set.all() if v.field_dict.get("text"))
    assert texts == ["Another.", "New point."]
    assert second.revision.user == editor
    assert "headline" in second.revision.comment.lower()


def test_the_history_lists_the_versions(client, edited):
    story, first, _second = edited
    html = client.get(reverse("admin:stories_story_revisions", args=[story.pk])).content.decode()
    assert html.count('name="a"') == 2
    assert reverse("admin:stories_story_restore", args=[story.pk, first.pk]) in html


def test_two_versions_saved_in_the_desk_compare_word_by_word_and_escaped(client, editor):
    story = StoryFactory(title="Plain", body="<p>Plain.</p>")
    client.force_login(editor)
    old = _save(client, story)
    new = _save(client, story, title="<script>alert(1)</script> headline", body="<p>Plain.</p><p>Added.</p>")
    url = reverse("admin:stories_story_compare", args=[story.pk]) + f"?a={old.pk}&b={new.pk}"
    html = client.get(url).content.decode()
    added = '<ins><span class="visually-hidden">added: </span>{}</ins>'
    assert added.format("&lt;script&gt;alert(1)&lt;/script&gt; headline") in html
    assert '<del><span class="visually-hidden">removed: </span>Plain</del>' in html
    assert "<script>alert(1)" not in html
    assert added.format("Added.") in html


def test_restoring_brings_back_the_content_but_never_the_status(client, edited):
    story, first, _second = edited
    url = reverse("admin:stories_story_restore", args=[story.pk, first.pk])
    assert "Restore this version" in client.get(url).content.decode()
    response = client.post(url, {"base_version": story.version}, follow=True)
    assert "Restored the version of" in response.content.decode()
    story.refresh_from_db()
    assert story.title == "First headline"
    assert story.body == "<p>Old body.</p>"
    assert [h.text for h in story.highlights.all()] == ["Old point."]
    assert story.status == Status.PUBLISHED
    assert Story.objects.published().filter(pk=story.pk).exists()
    # The restore is itself a version, so it can be undone.
    assert Version.objects.get_for_object(story).count() == 3


def test_restoring_never_unpublishes_even_from_a_draft_version(client, editor):
    story = StoryFactory(title="Draft title")
    client.force_login(editor)
    draft_version = _save(client, story)
    Story.objects.filter(pk=story.pk).update(status=Status.PUBLISHED)
    story.refresh_from_db()
    client.post(
        reverse("admin:stories_story_restore", args=[story.pk, draft_version.pk]), {"base_version": story.version}
    )
    story.refresh_from_db()
    assert story.status == Status.PUBLISHED


def test_restoring_from_a_stale_page_is_refused(client, edited):
    story, first, _second = edited
    stale_version = story.version - 1
    response = client.post(
        reverse("admin:stories_story_restore", args=[story.pk, first.pk]), {"base_version": stale_version}, follow=True
    )
    assert "Someone else saved this story while you were editing" in response.content.decode()
    story.refresh_from_db()
    assert story.title == "Second headline"


def test_a_writer_cannot_restore_a_story_in_review(client, writer, editor):
    story = StoryFactory(created_by=writer, in_review=True)
    client.force_login(editor)
    version = _save(client, story)
    client.force_login(writer)
    url = reverse("admin:stories_story_restore", args=[story.pk, version.pk])
    assert client.post(url, {"base_version": story.version}).status_code == 403
