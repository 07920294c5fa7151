"""Hostile text in an imported story document is stored inert or refused with a clear error, never a crash."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from stories.models import Story
from tests.payloads import assert_inert, params
from tests.story_admin_helpers import change_url


def _document(payload: str) -> str:
    line = " ".join(payload.splitlines()) or "x"
    return (
        "Mar 3, 2026, 9:05 AM\n\n"
        f"Council tram vote {line}\n\n"
        "Highlights\n"
        f"  • {line}\n"
        "  • The council voted 31 to 12.\n"
        "Story\n\n"
        f"{payload}\n\n"
        "A second paragraph.\n\n"
        "Opinions\n\n"
        f"{line[:60] or 'Reader'}: {payload}\n\n"
        "You've reached the end\n"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("payload", params())
def test_imported_documents_with_hostile_text_are_inert_or_refused(client, admin_user, tmp_path, payload):
    path = tmp_path / "hostile.txt"
    path.write_bytes(_document(payload).encode("utf-8", "surrogatepass"))
    errors = io.StringIO()
    try:
        call_command("import_stories", str(path), "--publish", stdout=io.StringIO(), stderr=errors)
    except (CommandError, SystemExit):
        # Refused: one clear message naming the file, and nothing written.
        assert "hostile.txt" in errors.getvalue()
        assert not Story.objects.exists()
        return
    story = Story.objects.get()
    assert "\x00" not in story.title + story.body
    assert_inert(client.get(story.get_absolute_url()).content.decode(), "imported story page")
    client.force_login(admin_user)
    change = client.get(change_url(story))
    assert change.status_code == 200
    assert_inert(change.content.decode(), "imported story in the admin")
