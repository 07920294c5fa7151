"""Importing a document again updates the story it made, whatever the desk or the demo did with that story's own
times since; it never moves "Updated" (modified_at) and never brings a killed story back."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from stories import workflow
from stories.models import Status, Story
from tests.imports.commands import run_import

pytestmark = pytest.mark.django_db

DEMO_TRAM = "stories/demo/city-council-approves-new-tram-line.txt"
TRAM_HEADLINE = "City council approves new tram line after two-year debate"
TRAM_SLUG = "city-council-approves-new-tram-line-after-two-year-debate"

DOCUMENT = """Mar 3, 2026, 9:05 AM

Night bus routes redrawn

Highlights
- Four routes change from Monday.
Story

The N4 now runs through Eastgate.
"""


def _seed():
    call_command("seed_demo", stdout=io.StringIO())


def test_reimporting_a_demo_document_updates_the_demo_story(settings):
    _seed()
    story = Story.objects.get(slug=TRAM_SLUG)
    before = (story.status, story.published_at, story.modified_at, story.created_at)
    stories = Story.objects.count()

    out, err, failure = run_import(settings.BASE_DIR / DEMO_TRAM, "--publish")

    assert failure is None, err
    assert "Imported 0, updated 1, failed 0" in out
    assert Story.objects.count() == stories
    assert not Story.objects.filter(slug=f"{TRAM_SLUG}-2").exists()
    story = Story.objects.get(slug=TRAM_SLUG)
    # The demo's own times stay: the import changes the text, never when readers were told it changed.
    assert (story.status, story.published_at, story.modified_at, story.created_at) == before


def test_a_demo_story_from_an_older_seed_learns_its_document_and_is_updated_too(settings):
    _seed()
    Story.objects.filter(slug=TRAM_SLUG).update(source_date=None)  # seeded before stories kept it
    _seed()
    out, err, _failure = run_import(settings.BASE_DIR / DEMO_TRAM)
    assert "Imported 0, updated 1, failed 0" in out, err
    assert Story.objects.filter(title=TRAM_HEADLINE).count() == 1


def test_a_story_published_and_unpublished_by_the_desk_is_still_its_documents(tmp_path, editor):
    path = tmp_path / "buses.txt"
    path.write_text(DOCUMENT)
    run_import(path)
    story = Story.objects.get()
    # The desk takes it on: a later creation time (a copy restored), published now, then taken down again.
    Story.objects.filter(pk=story.pk).update(created_at=timezone.now() - timedelta(hours=2))
    workflow.submit_for_review(story, editor)
    workflow.publish(story, editor)
    workflow.unpublish(story, editor, "Waiting for the operator's map.")

    path.write_text(DOCUMENT.replace("through Eastgate", "through Eastgate and the harbour"))
    out, err, _failure = run_import(path)

    assert "Imported 0, updated 1, failed 0" in out, err
    story = Story.objects.get()
    assert "the harbour" in story.body
    assert story.status == Status.DRAFT


def test_a_reimport_leaves_updated_alone_and_a_killed_story_dead(tmp_path, editor):
    path = tmp_path / "buses.txt"
    path.write_text(DOCUMENT)
    run_import(path, "--publish")
    story = Story.objects.get()
    workflow.kill(story, editor, "Withdrawn at the operator's request.")

    path.write_text(DOCUMENT.replace("through Eastgate", "through the harbour"))
    _out, err, failure = run_import(path, "--publish")

    assert failure is not None
    assert "was killed" in err
    story = Story.objects.get()
    assert story.status == Status.KILLED
    assert story.modified_at is None
    assert "the harbour" not in story.body
