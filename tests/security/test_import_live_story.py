"""An import that changes a live story keeps a revision and an audit entry, and its report says so.

An editor's import used to replace a live story's text at once with no revision (nothing to compare or
restore) and no row in the audit trail. Each door (the command as the system and as an editor, the
admin's Import page) replaces a live story's body, its highlights or both.
"""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from stories import workflow
from stories.models import Status, Story, StoryTransition
from tests.imports.commands import import_text
from tests.story_admin_helpers import change_url

pytestmark = pytest.mark.django_db

TRAM = """Mar 3, 2026, 9:05 AM

Council approves the tram line

Highlights
  • The council voted 31 to 12.
  • Work starts in spring.
Story

The council approved the eastern extension.
"""

# What a second import of the same document changes on the live story.
CHANGES = {
    "body": TRAM.replace("eastern extension", "western extension"),
    "highlights": TRAM.replace("  • Work starts in spring.\n", "  • Work starts in autumn.\n"),
    "both": TRAM.replace("eastern", "western").replace("  • Work starts in spring.\n", ""),
}

DOORS = [("command", None), ("command", "editor"), ("admin page", "editor")]


def run(tmp_path, text, *flags):
    out, err, refused = import_text(tmp_path, text, *flags)
    if refused:
        pytest.fail(f"{refused}: {err}")
    return out


def import_through(request, client, tmp_path, door, person, text):
    """Import `text` with publishing; return the report the person reads (command output or the page)."""
    user = request.getfixturevalue(person) if person else None
    if door == "command":
        return run(tmp_path, text, "--publish", *(["--as-user", user.username] if user else []))
    client.force_login(user)
    upload = SimpleUploadedFile("tram.txt", text.encode(), content_type="text/plain")
    response = client.post(reverse("admin:stories_story_import"), {"mode": "publish", "files": [upload]})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize(("door", "person"), DOORS)
def test_replacing_a_live_story_is_kept_as_a_revision_and_in_the_audit_trail(
    request, client, tmp_path, door, person, change
):
    import_through(request, client, tmp_path, door, person, TRAM)
    story = Story.objects.get()
    assert story.status == Status.PUBLISHED
    before_body, before_highlights = story.body, [h.text for h in story.highlights.all()]
    moves = story.transitions.count()

    report = import_through(request, client, tmp_path, door, person, CHANGES[change])

    importer = request.getfixturevalue(person) if person else None
    story.refresh_from_db()
    # The audit trail: one entry, by the importer, naming the file; the story stays published.
    entry = StoryTransition.objects.filter(story=story).order_by("-pk").first()
    assert story.transitions.count() == moves + 1
    assert (entry.from_status, entry.to_status, entry.actor) == (Status.PUBLISHED, Status.PUBLISHED, importer)
    assert "tram.txt" in entry.comment
    # The revisions: the text the import replaced, then the one it brought, each by the importer.
    versions = list(Version.objects.get_for_object(story).select_related("revision__user"))
    assert len(versions) == 2
    newest, replaced = versions
    assert {newest.revision.user, replaced.revision.user} == {importer}
    assert "tram.txt" in newest.revision.comment and "tram.txt" in replaced.revision.comment
    assert newest.field_dict["body"] == story.body
    assert replaced.field_dict["body"] == before_body
    assert sorted(
        v.field_dict["text"] for v in replaced.revision.version_set.all() if "text" in v.field_dict
    ) == sorted(before_highlights)
    # The report says so, for this story.
    assert "published story" in report and (story.slug in report or change_url(story) in report)
    assert "revision" in report and "audit trail" in report


def test_a_second_change_keeps_one_more_revision_not_another_copy_of_the_old_text(tmp_path):
    run(tmp_path, TRAM, "--publish")
    run(tmp_path, CHANGES["body"], "--publish")
    run(tmp_path, CHANGES["both"], "--publish")
    story = Story.objects.get()
    assert Version.objects.get_for_object(story).count() == 3
    assert story.transitions.filter(from_status=Status.PUBLISHED, to_status=Status.PUBLISHED).count() == 2


def test_an_identical_reimport_of_a_live_story_records_nothing(tmp_path):
    run(tmp_path, TRAM, "--publish")
    story = Story.objects.get()
    moves = story.transitions.count()
    out = run(tmp_path, TRAM, "--publish")
    assert "updated 1" in out
    assert "published story" not in out
    assert story.transitions.count() == moves
    assert not Version.objects.get_for_object(story).exists()


@pytest.mark.parametrize("scheduled", [False, True])
def test_a_draft_or_scheduled_story_is_reported_for_what_it_is(tmp_path, editor, scheduled):
    run(tmp_path, TRAM)
    story = Story.objects.get()
    if scheduled:
        workflow.submit_for_review(story, editor)
        workflow.publish(story, editor, at=timezone.now() + timedelta(days=1))
    out = run(tmp_path, CHANGES["body"])
    entries = StoryTransition.objects.filter(story=story, from_status=Status.PUBLISHED, to_status=Status.PUBLISHED)
    # A scheduled story is published: its text goes out when it does, so its change is recorded too.
    assert entries.count() == (1 if scheduled else 0)
    assert ("published story" in out) == scheduled


def test_a_dry_run_says_which_live_story_it_would_replace_and_writes_nothing(tmp_path):
    run(tmp_path, TRAM, "--publish")
    story = Story.objects.get()
    moves = story.transitions.count()
    out = run(tmp_path, CHANGES["body"], "--publish", "--dry-run")
    assert f"would update the published story {story.slug}" in out
    story.refresh_from_db()
    assert "eastern" in story.body
    assert story.transitions.count() == moves
    assert not Version.objects.get_for_object(story).exists()


def test_the_replaced_live_text_can_be_restored(client, tmp_path, editor):
    run(tmp_path, TRAM, "--publish")
    run(tmp_path, CHANGES["both"], "--publish")
    story = Story.objects.get()
    replaced = Version.objects.get_for_object(story).last()
    client.force_login(editor)
    url = reverse("admin:stories_story_restore", args=[story.pk, replaced.pk])
    assert client.post(url, {"base_version": story.version}).status_code == 302
    story.refresh_from_db()
    assert "eastern" in story.body
    assert sorted(story.highlights.values_list("text", flat=True)) == [
        "The council voted 31 to 12.",
        "Work starts in spring.",
    ]
