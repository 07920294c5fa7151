"""The 1–5 highlights rule bounds every import: at most five in any document, one to five under --publish.

A draft import used to accept 3,000 highlights and make a story the admin could never save again (its
change form had more fields than Django accepts). Counts from one past the bound to thousands go through
each door (the parser, the command with and without --publish, the admin's Import page, a re-import over
an existing draft); the error names the file and the line of the first highlight too many.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from stories import limits, workflow
from stories.importing import DocumentError, parse
from stories.models import Highlight, Story
from tests.story_admin_helpers import change_url, story_form_data

pytestmark = pytest.mark.django_db

TOO_MANY = [workflow.MAX_HIGHLIGHTS + 1, workflow.MAX_HIGHLIGHTS + 2, 50, 3000]
# The first bullet is on line 6 (date, blank, headline, blank, "Highlights").
FIRST_BULLET_LINE = 6


def document(count, headline="Council approves the tram line"):
    bullets = "".join(f"  • Point number {n}.\n" for n in range(1, count + 1))
    return f"Mar 3, 2026, 9:05 AM\n\n{headline}\n\nHighlights\n{bullets}Story\n\nThe council approved it.\n"


def line_of_first_extra():
    return FIRST_BULLET_LINE + workflow.MAX_HIGHLIGHTS


def run(tmp_path, text, *flags):
    path = tmp_path / "tram.txt"
    path.write_text(text, encoding="utf-8")
    err = io.StringIO()
    try:
        call_command("import_stories", str(path), *flags, stdout=io.StringIO(), stderr=err)
    except CommandError:
        return err.getvalue()
    return None


@pytest.mark.parametrize("count", TOO_MANY)
def test_the_parser_refuses_more_highlights_than_a_story_may_have(count):
    with pytest.raises(DocumentError) as refused:
        parse(document(count))
    assert refused.value.line == line_of_first_extra()
    assert f"at most {workflow.MAX_HIGHLIGHTS} highlights" in refused.value.message
    assert f"has {count}" in refused.value.message


@pytest.mark.parametrize("flags", [(), ("--publish",), ("--dry-run",), ("--as-user", "editor")])
@pytest.mark.parametrize("count", TOO_MANY)
def test_the_command_refuses_the_document_naming_the_file_and_the_line(tmp_path, editor, count, flags):
    error = run(tmp_path, document(count), *flags)
    assert error is not None
    assert f"tram.txt:{line_of_first_extra()}: " in error
    assert f"at most {workflow.MAX_HIGHLIGHTS} highlights" in error
    assert not Story.objects.exists()
    assert not Highlight.objects.exists()


@pytest.mark.parametrize("mode", ["draft", "publish"])
@pytest.mark.parametrize("count", TOO_MANY)
def test_the_import_page_refuses_the_document_naming_the_line(client, editor, count, mode):
    client.force_login(editor)
    upload = SimpleUploadedFile("tram.txt", document(count).encode(), content_type="text/plain")
    html = client.post(reverse("admin:stories_story_import"), {"mode": mode, "files": [upload]}).content.decode()
    assert "Imported 0, updated 0, failed 1." in html
    assert f"Error on line {line_of_first_extra()}" in html
    assert f"at most {workflow.MAX_HIGHLIGHTS} highlights" in html
    assert not Story.objects.exists()


@pytest.mark.parametrize("count", TOO_MANY)
def test_a_reimport_cannot_swell_an_existing_draft(tmp_path, count):
    assert run(tmp_path, document(2)) is None
    assert run(tmp_path, document(count)) is not None
    assert Story.objects.get().highlights.count() == 2


@pytest.mark.parametrize("count", [0, 1, workflow.MAX_HIGHLIGHTS])
def test_a_draft_may_have_none_up_to_the_bound(tmp_path, count):
    assert run(tmp_path, document(count)) is None
    assert Story.objects.get().highlights.count() == count


@pytest.mark.parametrize("count", [0, *TOO_MANY])
def test_publishing_needs_one_to_five(tmp_path, count):
    error = run(tmp_path, document(count), "--publish")
    assert error is not None and "tram.txt:" in error
    assert not Story.objects.exists()


def test_every_imported_draft_can_be_saved_in_the_admin(client, tmp_path, editor):
    assert run(tmp_path, document(workflow.MAX_HIGHLIGHTS)) is None
    story = Story.objects.get()
    client.force_login(editor)
    response = client.post(change_url(story), story_form_data(story, title="Edited after the import"))
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.title == "Edited after the import"


def test_the_bound_is_the_workflows(tmp_path, monkeypatch):
    # One bound, kept in stories.limits with the other bounds: lowering it there lowers it for imports.
    monkeypatch.setattr(limits, "MAX_HIGHLIGHTS", 2)
    with pytest.raises(DocumentError) as refused:
        parse(document(3))
    assert refused.value.line == FIRST_BULLET_LINE + 2
    assert "at most 2 highlights" in refused.value.message
