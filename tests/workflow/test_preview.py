"""Previews: staff read any story they may see in the public template; editors share signed, expiring links."""

import re

import pytest
from django.core import signing
from django.urls import reverse

from stories.previews import link_for as preview_link_for
from tests.factories import StoryFactory

BANNER = "Preview — not published"
pytestmark = pytest.mark.django_db


def _preview(story):
    return reverse("stories:preview", args=[story.pk])


def _assert_private(response):
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Robots-Tag"] == "noindex"


@pytest.mark.parametrize("role", ["writer", "editor", "moderator", "admin_user"])
def test_staff_who_may_see_a_draft_preview_it_with_the_banner(request, client, writer, role):
    story = StoryFactory(title="Tram line draft", created_by=writer)
    client.force_login(request.getfixturevalue(role))
    response = client.get(_preview(story))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tram line draft" in html and BANNER in html
    _assert_private(response)


def test_a_writer_cannot_preview_someone_elses_draft(client, writer, other_writer):
    story = StoryFactory(created_by=other_writer)
    client.force_login(writer)
    assert client.get(_preview(story)).status_code == 404


def test_a_reader_without_staff_rights_is_sent_to_log_in(client, reader):
    story = StoryFactory()
    client.force_login(reader)
    response = client.get(_preview(story))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert client.logout() is None
    assert client.get(_preview(story)).status_code == 302


def test_the_public_page_of_a_draft_is_still_a_404(client):
    story = StoryFactory()
    assert client.get(story.get_absolute_url()).status_code == 404


def test_an_editor_creates_a_link_that_works_without_an_account(client, editor):
    story = StoryFactory(title="Embargoed story", in_review=True)
    client.force_login(editor)
    response = client.post(reverse("admin:stories_story_preview_link", args=[story.pk]), follow=True)
    link = re.search(r"https?://\S+/preview/link/[^\s<\"]+", response.content.decode()).group(0)
    client.logout()
    shared = client.get(link)
    assert shared.status_code == 200
    assert "Embargoed story" in shared.content.decode() and BANNER in shared.content.decode()
    _assert_private(shared)


def test_writers_cannot_create_preview_links(client, writer):
    story = StoryFactory(created_by=writer)
    url = reverse("admin:stories_story_preview_link", args=[story.pk])
    client.force_login(writer)
    assert client.post(url).status_code == 403


def test_an_expired_link_is_a_404(client, settings, monkeypatch):
    settings.PREVIEW_LINK_MAX_AGE = 3600
    story = StoryFactory()
    link = preview_link_for(story)
    assert client.get(link).status_code == 200
    real_time = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() + 3601)
    assert client.get(link).status_code == 404


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # a changed signature
        lambda token: "999999" + token[token.index(":") :],  # another story's id under this signature
        lambda token: token.split(":")[0],  # no signature at all
        lambda token: signing.Signer(salt="other").sign(token.split(":")[0]),  # signed for something else
    ],
)
def test_a_tampered_link_is_a_404(client, tamper):
    story = StoryFactory()
    token = preview_link_for(story).rstrip("/").rsplit("/", 1)[1]
    assert client.get(reverse("stories:preview-link", args=[tamper(token)])).status_code == 404
