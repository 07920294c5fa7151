"""The story form: grouped fields, highlights, lead image alt text, corrections."""

import pytest

from stories.admin.forms import StoryAdminForm
from stories.admin.stories import StoryAdmin
from stories.models import Correction, Highlight, Story
from tests.factories import StoryFactory
from tests.story_admin_helpers import change_url, png_upload, story_form_data

# Every test here uses the database (some only through request.getfixturevalue).
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_form_groups_the_fields_and_makes_the_slug_from_the_headline(client, editor):
    client.force_login(editor)
    html = client.get("/admin/stories/story/add/").content.decode()
    assert StoryAdmin.prepopulated_fields == {"slug": ["title"]}
    assert "data-prepopulated-fields" in html or "prepopulated_fields" in html
    for legend in ["Filing", "Lead image"]:
        assert legend in html
    for name in StoryAdminForm.Meta.fields:
        assert f'name="{name}"' in html
    assert "data-richtext" in html and "js/richtext-editor.js" in html


@pytest.mark.parametrize(("count", "ok"), [(1, True), (5, True), (6, False)])
def test_a_story_holds_at_most_five_highlights(client, editor, count, ok):
    texts = [f"Point {i}." for i in range(count)]
    data = story_form_data(highlights=texts, title="Counted", slug="counted")
    data["highlights-MAX_NUM_FORMS"] = 1000  # a hand-made request cannot lift the cap
    client.force_login(editor)
    response = client.post("/admin/stories/story/add/", data)
    assert (response.status_code == 302) == ok
    if ok:
        assert Highlight.objects.filter(story__slug="counted").count() == count
    else:
        assert not Story.objects.filter(slug="counted").exists()


def test_a_highlight_is_one_short_sentence(client, editor):
    data = story_form_data(highlights=["x" * 201], title="Long", slug="long")
    client.force_login(editor)
    response = client.post("/admin/stories/story/add/", data)
    assert response.status_code == 200
    assert not Story.objects.filter(slug="long").exists()


def test_highlights_keep_the_order_the_editor_gives(client, editor):
    story = StoryFactory(highlights=[])
    data = story_form_data(story, highlights=["First.", "Second.", "Third."])
    data.update({"highlights-0-position": 3, "highlights-1-position": 1, "highlights-2-position": 2})
    client.force_login(editor)
    client.post(change_url(story), data)
    assert [h.text for h in story.highlights.all()] == ["Second.", "Third.", "First."]
    assert [h.position for h in story.highlights.all()] == [1, 2, 3]


def test_a_story_that_left_draft_keeps_at_least_one_highlight(client, editor):
    story = StoryFactory(in_review=True)
    client.force_login(editor)
    response = client.post(change_url(story), story_form_data(story, highlights=[]))
    assert response.status_code == 200
    assert story.highlights.count() == 3


def test_a_lead_image_needs_alt_text(client, editor):
    data = story_form_data(highlights=["One."], title="Pictured", slug="pictured", lead_image=png_upload())
    client.force_login(editor)
    response = client.post("/admin/stories/story/add/", data)
    assert response.status_code == 200
    assert "Describe the image" in response.content.decode()
    data = story_form_data(
        highlights=["One."], title="Pictured", slug="pictured", lead_image=png_upload(), lead_image_alt="A tram at dusk"
    )
    assert client.post("/admin/stories/story/add/", data).status_code == 302
    assert Story.objects.get(slug="pictured").lead_image.name.endswith(".png")


def test_editors_append_dated_corrections_to_published_stories(client, editor):
    story = StoryFactory(published=True)
    client.force_login(editor)
    html = client.get(change_url(story)).content.decode()
    assert "Corrections and updates" in html
    data = story_form_data(story, corrections=[("correction", "An earlier version misspelt the mayor's name.")])
    assert client.post(change_url(story), data).status_code == 302
    correction = Correction.objects.get(story=story)
    assert correction.created_by == editor
    assert correction.kind == "correction"
    assert correction.created_at is not None


def test_drafts_have_no_corrections_box(client, editor):
    story = StoryFactory()
    client.force_login(editor)
    assert "Corrections and updates" not in client.get(change_url(story)).content.decode()


def test_writers_cannot_add_corrections(client, writer):
    story = StoryFactory(published=True, created_by=writer)
    client.force_login(writer)
    response = client.post(change_url(story), story_form_data(story, corrections=[("update", "x")]))
    assert response.status_code == 403
    assert not Correction.objects.exists()
