"""The story form: grouped fields, highlights, lead image alt text, corrections."""

import pytest

from stories.admin.forms import StoryAdminForm
from stories.admin.stories import StoryAdmin
from stories.dates import format_local
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
        assert f'name="{name}"' in html or f'name="{name}_0"' in html  # a date and time: two inputs
    assert "data-richtext" in html and "django_prose_editor/configurable.js" in html and "js/story-editor.js" in html


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
    # A writer may propose changes to their own live story's text (held for review); its notices stay the editors'.
    data = story_form_data(story, title="Council delays tram line", corrections=[("update", "x")])
    response = client.post(change_url(story), data)
    assert response.status_code == 302
    assert not Correction.objects.exists()
    assert "notices" not in story.pending_revisions.get().content


def _order(html, markers):
    """Where each marker first appears in the page, asserting each is there."""
    places = [html.find(marker) for marker in markers]
    assert -1 not in places, [m for m, p in zip(markers, places, strict=True) if p == -1]
    return places


@pytest.mark.parametrize("page", ["add", "change"])
def test_the_form_reads_like_the_story_and_the_side_panel_follows_it(client, editor, page):
    story = StoryFactory()
    client.force_login(editor)
    url = "/admin/stories/story/add/" if page == "add" else change_url(story)
    html = client.get(url).content.decode()
    # Headline, standfirst, the highlights under them, the body, then the filing and the lead image.
    fields = [
        'name="title"',
        'name="standfirst"',
        'id="highlights-heading"',
        'name="highlights-0-text"',
        'name="body"',
        'name="section"',
        'name="tags"',
        'name="authors"',
        'name="dateline"',
        'name="slug"',
        'name="lead_image"',
    ]
    places = _order(html, fields)
    assert places == sorted(places)
    assert html.count('id="highlights-group"') == 1
    if page == "change":
        # The side panel comes after the form: beside it on a wide screen, below it on a phone.
        side = _order(html, ["</form>", 'class="story-desk-side"', 'class="workflow-panel"', "transition-history"])
        assert side == sorted(side)
        assert 'class="story-desk story-desk-with-panel"' in html
    else:
        assert "story-desk-side" not in html


def test_each_highlight_is_labelled_and_its_position_hidden(client, editor):
    story = StoryFactory()
    client.force_login(editor)
    html = client.get(change_url(story)).content.decode()
    for row in range(4):  # three highlights and one empty row
        assert f'<label class="highlight-label" for="id_highlights-{row}-text">' in html
        assert f'<input type="hidden" name="highlights-{row}-position"' in html
    assert html.count('<span class="visually-hidden">Highlight </span>') == 5  # and the row the script adds
    assert '<template id="highlights-empty">' in html
    assert 'data-max="5"' in html


def test_highlights_without_positions_keep_the_order_of_the_form_after_the_others(client, editor):
    story = StoryFactory(highlights=[])
    data = story_form_data(story, highlights=["First.", "Second.", "Third."])
    # As a page without script sends them: the new rows with their empty position, in the order shown.
    data.update({"highlights-0-position": "", "highlights-1-position": "", "highlights-2-position": ""})
    client.force_login(editor)
    assert client.post(change_url(story), data).status_code == 302
    assert [h.text for h in story.highlights.all()] == ["First.", "Second.", "Third."]
    # A highlight added later without script goes after the saved ones; the saved keep their order.
    story.refresh_from_db()
    data = story_form_data(story, highlights=["First.", "Second.", "Third.", "Fourth."])
    data["highlights-3-position"] = ""
    data["highlights-0-position"], data["highlights-1-position"] = 2, 1  # the script moved the second up
    client.post(change_url(story), data)
    assert [h.text for h in story.highlights.all()] == ["Second.", "First.", "Third.", "Fourth."]
    assert [h.position for h in story.highlights.all()] == [1, 2, 3, 4]


def test_a_removed_highlight_goes_and_the_others_close_up(client, editor):
    story = StoryFactory(highlights=[])
    client.force_login(editor)
    client.post(change_url(story), story_form_data(story, highlights=["One.", "Two.", "Three."]))
    # As the script sends it: the second row marked for removal, the third numbered 2.
    story.refresh_from_db()
    data = story_form_data(story)
    data.update({"highlights-1-DELETE": "on", "highlights-1-position": 0, "highlights-2-position": 2})
    assert client.post(change_url(story), data).status_code == 302
    assert [(h.text, h.position) for h in story.highlights.all()] == [("One.", 1), ("Three.", 2)]


def test_the_side_panel_shows_the_schedule(client, editor):
    story = StoryFactory(scheduled=True)
    client.force_login(editor)
    html = client.get(change_url(story)).content.decode()
    panel = html.split('class="story-desk-side"')[1]
    schedule = panel.split('<div class="workflow-schedule"')[1].split("</div>")[0]
    assert "<dt>Goes live</dt>" in schedule
    assert format_local(story.published_at) in schedule
    assert ">Reschedule…<" in panel
