"""A large batch on the Import page goes to the background worker; its editor follows it on a page of its own."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from stories.models import Status, Story
from tests.factories import UserFactory
from tests.operations.test_background_tasks import database_queue, keep_the_test_connection, run_worker

pytestmark = pytest.mark.django_db
__all__ = ["keep_the_test_connection"]  # the worker keeps the test's connection (autouse fixture)


def document(number: int, *, broken: bool = False) -> SimpleUploadedFile:
    text = f"""Mar 3, 2026, 9:{number:02d} AM

Tram stop number {number} opens

Highlights
  • Stop {number} opens on Monday.
{"" if broken else "Story"}

The stop serves the eastern line.
"""
    return SimpleUploadedFile(f"stop-{number}.txt", text.encode(), content_type="text/plain")


def post(client, files, mode="draft"):
    return client.post(reverse("admin:stories_story_import"), {"mode": mode, "files": files})


def test_a_few_documents_are_imported_in_the_request(client, editor, settings):
    settings.IMPORT_IN_REQUEST = 3
    client.force_login(editor)
    with database_queue():
        response = post(client, [document(n) for n in range(3)])
        assert response.status_code == 200
        assert "Imported 3, updated 0, failed 0." in response.content.decode()
        assert not DBTaskResult.objects.exists()


def test_a_large_batch_waits_for_the_worker_and_its_page_shows_the_results(client, editor, settings):
    settings.IMPORT_IN_REQUEST = 3
    client.force_login(editor)
    with database_queue():
        response = post(client, [document(n) for n in range(4)] + [document(9, broken=True)])
        assert response.status_code == 302
        status_url = response["Location"]
        assert status_url.startswith("/admin/stories/story/import/")
        assert Story.objects.count() == 0  # nothing imported in the request

        waiting = client.get(status_url).content.decode()
        assert "Import of 5 documents" in waiting
        assert "Waiting for the background worker" in waiting
        assert '<meta http-equiv="refresh" content="5">' in waiting

        run_worker()
        done = client.get(status_url).content.decode()
    assert "Imported 4, updated 0, failed 1." in done
    assert "stop-9.txt" in done and "Error on line" in done
    assert "refresh" not in done
    assert set(Story.objects.values_list("status", flat=True)) == {Status.DRAFT}
    assert set(Story.objects.values_list("created_by", flat=True)) == {editor.pk}
    for story in Story.objects.all():
        assert reverse("admin:stories_story_change", args=[story.pk]) in done


def test_a_refused_file_in_a_queued_batch_is_reported_unread(client, editor, settings):
    settings.IMPORT_IN_REQUEST = 1
    client.force_login(editor)
    picture = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff", content_type="image/jpeg")
    with database_queue():
        status_url = post(client, [document(1), picture])["Location"]
        run_worker()
        done = client.get(status_url).content.decode()
    assert "Imported 1, updated 0, failed 1." in done
    assert "Not a .txt document" in done


def test_only_the_editor_who_queued_it_sees_the_import(client, editor, settings):
    settings.IMPORT_IN_REQUEST = 1
    other = UserFactory(username="other-editor", role="Editors")
    client.force_login(editor)
    with database_queue():
        status_url = post(client, [document(1), document(2)])["Location"]
        client.force_login(other)
        assert client.get(status_url).status_code == 404
        assert client.get("/admin/stories/story/import/not-a-task/").status_code == 404


def test_an_import_that_fails_says_so_and_what_to_do(client, editor, settings, monkeypatch):
    settings.IMPORT_IN_REQUEST = 1

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr("stories.import_tasks.import_files", broken)
    client.force_login(editor)
    with database_queue():
        status_url = post(client, [document(1), document(2)])["Location"]
        run_worker()
        page = client.get(status_url).content.decode()
    assert "The import stopped with an error (builtins.RuntimeError)" in page
    assert "import the rest again" in page
    assert DBTaskResult.objects.get().status == "FAILED"


def test_without_a_worker_a_large_batch_is_imported_at_once(client, editor, settings):
    settings.IMPORT_IN_REQUEST = 1
    client.force_login(editor)
    response = post(client, [document(1), document(2)], mode="draft")
    assert response.status_code == 200
    assert "Imported 2, updated 0, failed 0." in response.content.decode()
