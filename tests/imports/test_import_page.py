"""The admin's "Import stories" page: editors upload documents and see a result per file; others are refused."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from stories.models import Status, Story

pytestmark = pytest.mark.django_db

GOOD = """Mar 3, 2026, 9:05 AM

City council approves new tram line

Highlights
  • The council voted 31 to 12.
Story

The council approved the eastern extension.
""".encode()

BROKEN = b"""Mar 3, 2026, 9:05 AM

Another headline

Highlights
- One.

The Story line is missing here.
"""


def url():
    return reverse("admin:stories_story_import")


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="text/plain")


def test_the_page_is_at_the_agreed_address_inside_the_admin(client, editor):
    client.force_login(editor)
    response = client.get(url())
    assert url() == "/admin/stories/story/import/"
    assert response.status_code == 200
    html = response.content.decode()
    parts = ("<h1>Import stories</h1>", 'type="file" name="files"', "multiple", 'name="mode"', 'class="breadcrumbs"')
    for part in parts:
        assert part in html


def test_an_editor_sees_a_result_per_file(client, editor):
    client.force_login(editor)
    response = client.post(url(), {"mode": "draft", "files": [upload("tram.txt", GOOD), upload("broken.txt", BROKEN)]})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Imported 1, updated 0, failed 1." in html
    story = Story.objects.get()
    assert story.status == Status.DRAFT
    assert story.created_by == editor
    assert reverse("admin:stories_story_change", args=[story.pk]) in html
    assert "Error on line 8" in html
    assert "The &#x27;Story&#x27; line is missing" in html


def test_an_editor_can_publish_at_the_documents_dates(client, editor):
    client.force_login(editor)
    client.post(url(), {"mode": "publish", "files": [upload("tram.txt", GOOD)]})
    story = Story.objects.get()
    assert story.status == Status.PUBLISHED
    assert set(story.transitions.values_list("actor", flat=True)) == {editor.pk}


def test_uploading_the_same_document_again_updates_its_story(client, editor):
    client.force_login(editor)
    client.post(url(), {"mode": "draft", "files": [upload("tram.txt", GOOD)]})
    response = client.post(
        url(), {"mode": "draft", "files": [upload("tram.txt", GOOD.replace(b"eastern", b"western"))]}
    )
    assert "Imported 0, updated 1, failed 0." in response.content.decode()
    assert "western" in Story.objects.get().body


def test_a_file_that_is_not_text_is_refused_alone(client, editor):
    client.force_login(editor)
    response = client.post(
        url(), {"mode": "draft", "files": [upload("photo.jpg", b"\xff\xd8\xff"), upload("tram.txt", GOOD)]}
    )
    assert "Not a .txt document" in response.content.decode()
    assert Story.objects.count() == 1


def test_the_form_asks_for_at_least_one_file(client, editor):
    client.force_login(editor)
    response = client.post(url(), {"mode": "draft"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Story.objects.exists()


@pytest.mark.parametrize("person", ["writer", "moderator"])
def test_writers_and_moderators_are_refused(client, request, person):
    client.force_login(request.getfixturevalue(person))
    assert client.get(url()).status_code == 403
    assert client.post(url(), {"mode": "draft", "files": [upload("tram.txt", GOOD)]}).status_code == 403
    assert not Story.objects.exists()


def test_a_visitor_is_sent_to_the_login_page(client):
    response = client.get(url())
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_the_story_list_offers_the_import_page_only_to_those_it_would_not_refuse(client, writer, editor):
    list_url = reverse("admin:stories_story_changelist")
    client.force_login(writer)
    assert client.get(url()).status_code == 403
    assert "Import stories" not in client.get(list_url).content.decode()
    client.force_login(editor)
    assert "Import stories" in client.get(list_url).content.decode()
