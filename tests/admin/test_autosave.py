"""The story form's autosave: kept for its person only, offered back when newer than the story, gone on save."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stories.dates import format_local
from stories.models import Story, StoryAutosave
from tests.factories import StoryFactory
from tests.story_admin_helpers import change_url, story_form_data
from tests.workflow_helpers import make_story

pytestmark = pytest.mark.django_db

FIELDS = [["title", "Night buses redrawn"], ["highlights-0-text", "Four routes change."], ["authors", "7"]]


def autosave_url(story=None):
    if story is None:
        return reverse("admin:stories_story_add_autosave")
    return reverse("admin:stories_story_autosave", args=[story.pk])


def post(client, url, data=FIELDS, base_version=None, **extra):
    payload = {"data": data} if base_version is None else {"data": data, "base_version": base_version}
    return client.post(url, json.dumps(payload), content_type="application/json", **extra)


def test_a_writer_keeps_their_changes_and_reads_them_back(client, writer):
    story = make_story("draft", writer)
    client.force_login(writer)
    answer = post(client, autosave_url(story))
    assert answer.status_code == 200
    assert answer.json()["data"] == FIELDS
    kept = client.get(autosave_url(story)).json()
    assert kept["data"] == FIELDS
    # Kept again: the one autosave is replaced, not added to.
    post(client, autosave_url(story), [["title", "Later"]])
    assert StoryAutosave.objects.get(story=story, user=writer).data == [["title", "Later"]]


def test_nobody_reads_or_overwrites_another_persons_autosave(client, writer, editor, other_writer):
    story = make_story("draft", writer)
    client.force_login(writer)
    post(client, autosave_url(story))

    client.force_login(editor)  # may edit the story, but the autosave is the writer's
    assert client.get(autosave_url(story)).status_code == 404
    assert "Restore your unsaved changes" not in client.get(change_url(story)).content.decode()
    assert "Night buses redrawn" not in client.get(change_url(story) + "?restore-autosave=1").content.decode()
    post(client, autosave_url(story), [["title", "The editor's own"]])
    client.delete(autosave_url(story))

    client.force_login(other_writer)  # may not even open the story
    assert client.get(autosave_url(story)).status_code == 404
    assert post(client, autosave_url(story), [["title", "Not theirs"]]).status_code == 404
    assert client.delete(autosave_url(story)).status_code == 404

    assert StoryAutosave.objects.get(story=story, user=writer).data == FIELDS
    assert not StoryAutosave.objects.filter(story=story, user=editor).exists()
    assert not StoryAutosave.objects.filter(user=other_writer).exists()


@pytest.mark.parametrize("role", ["moderator", "writer"])
def test_a_person_who_may_only_read_the_story_keeps_nothing(request, client, writer, role):
    story = make_story("review", writer)  # a writer's story in review is read-only to them
    client.force_login(request.getfixturevalue(role))
    assert post(client, autosave_url(story)).status_code == 403
    assert not StoryAutosave.objects.exists()
    assert 'id="story-autosave"' not in client.get(change_url(story)).content.decode()


def test_keeping_needs_the_csrf_token(writer):
    story = make_story("draft", writer)
    client = Client(enforce_csrf_checks=True)
    client.force_login(writer)
    client.get(change_url(story))  # sets the CSRF cookie, as opening the form does
    assert post(client, autosave_url(story)).status_code == 403
    assert client.delete(autosave_url(story)).status_code == 403
    assert not StoryAutosave.objects.exists()
    token = client.cookies["csrftoken"].value
    assert post(client, autosave_url(story), HTTP_X_CSRFTOKEN=token).status_code == 200
    assert StoryAutosave.objects.filter(story=story, user=writer).exists()


@pytest.mark.parametrize(
    "payload",
    [
        "not json",
        json.dumps([["title", "x"]]),
        json.dumps({"data": [["title"]]}),
        json.dumps({"data": [["title", 3]]}),
        json.dumps({"data": [["", "x"]]}),
        json.dumps({"data": [["x", "y"]] * 401}),
        json.dumps({"data": [], "base_version": "3"}),
    ],
)
def test_a_malformed_autosave_is_refused(client, writer, payload):
    story = make_story("draft", writer)
    client.force_login(writer)
    response = client.post(autosave_url(story), payload, content_type="application/json")
    assert response.status_code == 400
    assert "error" in response.json()
    assert not StoryAutosave.objects.exists()


def test_the_kept_body_is_cleaned_and_the_token_not_kept(client, writer):
    story = make_story("draft", writer)
    client.force_login(writer)
    body = '<p onclick="x()">Hi</p><script>x()</script>'
    data = [["csrfmiddlewaretoken", "secret"], ["base_version", "3"], ["body", body]]
    post(client, autosave_url(story), data)
    kept = StoryAutosave.objects.get().data
    assert kept == [["body", "<p>Hi</p>"]]


def test_the_form_offers_a_newer_autosave_back_and_restores_it(client, writer):
    story = make_story("draft", writer)
    client.force_login(writer)
    post(client, autosave_url(story))
    saved_at = StoryAutosave.objects.get().saved_at
    html = client.get(change_url(story)).content.decode()
    assert "Restore your unsaved changes from <time datetime=" in html
    assert f">{format_local(saved_at)}</time>" in html
    assert ">Discard</button>" in html
    assert 'id="story-autosave-data"' not in html  # the data comes with "Restore" only
    html = client.get(change_url(story) + "?restore-autosave=1").content.decode()
    data = html.split('<script id="story-autosave-data" type="application/json">')[1].split("</script>")[0]
    assert json.loads(data) == FIELDS


def test_an_autosave_older_than_the_story_is_not_offered(client, writer):
    story = make_story("draft", writer)
    client.force_login(writer)
    post(client, autosave_url(story))
    Story.objects.filter(pk=story.pk).update(updated_at=timezone.now() + timedelta(seconds=5))  # saved since
    assert "Restore your unsaved changes" not in client.get(change_url(story)).content.decode()


def test_saving_the_story_deletes_the_autosave(client, writer, editor):
    story = make_story("draft", writer)
    client.force_login(editor)
    post(client, autosave_url(story), [["title", "The editor's"]])
    client.force_login(writer)
    post(client, autosave_url(story))
    response = client.post(change_url(story), story_form_data(story, title="Saved for real"))
    assert response.status_code == 302
    assert not StoryAutosave.objects.filter(user=writer).exists()
    assert StoryAutosave.objects.filter(user=editor).exists()  # someone else's is theirs to keep or discard
    assert "Restore your unsaved changes" not in client.get(change_url(story)).content.decode()


def test_a_refused_save_keeps_the_autosave(client, writer):
    story = make_story("draft", writer)
    client.force_login(writer)
    post(client, autosave_url(story))
    response = client.post(change_url(story), story_form_data(story, title=""))
    assert response.status_code == 200  # the form with its error
    assert StoryAutosave.objects.filter(user=writer).exists()


def test_discard_deletes_the_autosave(client, writer):
    story = make_story("draft", writer)
    client.force_login(writer)
    post(client, autosave_url(story))
    assert client.delete(autosave_url(story)).status_code == 200
    assert not StoryAutosave.objects.exists()
    assert "Restore your unsaved changes" not in client.get(change_url(story)).content.decode()


def test_a_new_story_is_kept_until_it_is_first_saved(client, writer):
    client.force_login(writer)
    assert post(client, autosave_url()).status_code == 200
    html = client.get("/admin/stories/story/add/").content.decode()
    assert "Restore your unsaved changes from" in html
    data = story_form_data(highlights=["One."], title="Filed at last", slug="filed-at-last")
    assert client.post("/admin/stories/story/add/", data).status_code == 302
    assert not StoryAutosave.objects.exists()


def test_only_people_who_may_write_stories_keep_a_new_one(client, moderator):
    client.force_login(moderator)
    assert post(client, autosave_url()).status_code == 403
    assert not StoryAutosave.objects.exists()


def test_autosave_answers_only_get_post_and_delete(client, writer):
    story = StoryFactory(created_by=writer)
    client.force_login(writer)
    assert client.put(autosave_url(story), "{}", content_type="application/json").status_code == 405


def test_a_keep_from_a_page_opened_before_the_last_save_is_refused(client, writer):
    story = make_story("draft", writer)
    opened = story.version
    client.force_login(writer)
    url = autosave_url(story)
    assert post(client, url, base_version=opened).status_code == 200
    assert client.post(change_url(story), story_form_data(story, title="Saved")).status_code == 302
    assert not StoryAutosave.objects.exists()
    # A keep still on its way when the save was made does not bring the autosave back.
    response = post(client, url, base_version=opened)
    assert response.status_code == 409
    assert not StoryAutosave.objects.exists()
    story.refresh_from_db()
    assert post(client, url, base_version=story.version).status_code == 200
