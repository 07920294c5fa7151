"""The desk's "Last edited … by" names whoever made the story's last move, not only the last save of its form."""

from datetime import timedelta

import pytest
from django.utils import timezone

from stories import workflow
from stories.models import Story
from tests.story_admin_helpers import change_url
from tests.workflow_helpers import NEEDS_COMMENT, RIGHTS, SOURCE, make_story

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", list(SOURCE))
def test_each_move_names_the_person_who_made_it(request, name, writer):
    mover = request.getfixturevalue("writer" if "writer" in RIGHTS[name] else "admin_user")
    story = make_story(SOURCE[name], writer)
    Story.objects.filter(pk=story.pk).update(last_edited_by=None)
    args = ["A reason the desk can read."] if name in NEEDS_COMMENT else []
    getattr(workflow, name)(story, mover, *args)
    assert Story.objects.get(pk=story.pk).last_edited_by == mover
    assert story.last_edited_by == mover


def test_the_story_page_names_the_editor_who_published_after_the_writer_saved(client, writer, editor):
    writer.first_name, writer.last_name = "Walter", "Writer"
    writer.save()
    editor.first_name, editor.last_name = "Elena", "Editor"
    editor.save()
    story = make_story("review", writer)
    Story.objects.filter(pk=story.pk).update(last_edited_by=writer)
    workflow.publish(story, editor)
    client.force_login(editor)
    html = client.get(change_url(story)).content.decode()
    assert "by Elena Editor</p>" in html
    assert "by Walter Writer</p>" not in html


@pytest.mark.parametrize("move", ["lift_embargo", "start_live", "end_live"])
def test_the_desks_other_moves_name_their_editor(move, writer, editor):
    story = make_story("published", writer)
    if move == "lift_embargo":
        later = timezone.now() + timedelta(days=1)
        Story.objects.filter(pk=story.pk).update(embargo_until=later, published_at=later)
        story.refresh_from_db()
        workflow.lift_embargo(story, editor, "The source published early.")
    else:
        workflow.start_live(story, editor)
        if move == "end_live":
            Story.objects.filter(pk=story.pk).update(last_edited_by=writer)
            story.refresh_from_db()
            workflow.end_live(story, editor)
    assert Story.objects.get(pk=story.pk).last_edited_by == editor


def test_an_import_publishing_a_story_leaves_no_name_behind(writer):
    story = make_story("review", writer)
    Story.objects.filter(pk=story.pk).update(last_edited_by=writer)
    workflow.publish_imported([(story, timezone.now())], None)
    assert Story.objects.get(pk=story.pk).last_edited_by is None
