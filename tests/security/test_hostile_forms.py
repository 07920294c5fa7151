"""Hostile text typed into the forms people use is stored safely or refused with a form error, never a crash.

Each payload goes through the real forms (the admin's story, section and tag
forms, the reader's opinion form, an uploaded image's file name), and the
pages that then show it are checked for anything a browser would run.
"""

import time

import pytest
from django.urls import reverse

from harness.forms import find_form
from stories import workflow
from stories.models import Opinion, OpinionStatus, Section, Story, Tag
from stories.opinions import form_token
from tests.factories import StoryFactory
from tests.payloads import assert_inert, params
from tests.story_admin_helpers import change_url, png_upload

pytestmark = pytest.mark.slow

NUL = "tram\x00line"


def _admin_form(client, url: str, field: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    form = find_form(response.content.decode(), field)
    assert form is not None, f"no form with {field} on {url}"
    return dict(form["fields"])


def _submitted(response) -> bool:
    """True when the admin saved (redirect); a form shown again must carry its errors, inert."""
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        return True
    html = response.content.decode()
    assert "errornote" in html or "errorlist" in html
    assert_inert(html, "form shown again with errors")
    return False


@pytest.mark.django_db
@pytest.mark.parametrize("payload", params())
def test_story_form_in_the_admin_keeps_hostile_text_inert(client, admin_user, payload, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # uploads land in the test's own folder
    client.force_login(admin_user)
    add_url = reverse("admin:stories_story_add")
    data = _admin_form(client, add_url, "title")
    data.update(
        {
            "title": payload,
            "slug": "hostile-form-story",
            "standfirst": payload,
            "body": payload,
            "dateline": payload,
            "lead_image_alt": payload,
            "lead_image_caption": payload,
            "highlights-TOTAL_FORMS": "1",
            "highlights-0-text": payload,
            "highlights-0-position": "0",
        }
    )
    response = client.post(add_url, {**data, "lead_image": png_upload(f"{payload[:80]}.png", size=(8, 8))})
    if not _submitted(response):
        assert not Story.objects.filter(slug="hostile-form-story").exists()
        return
    story = Story.objects.get(slug="hostile-form-story")
    assert "\x00" not in story.title
    if story.lead_image:
        # The stored file name is reduced to safe characters, whatever the browser sent.
        assert all(c.isalnum() or c in "-_./" for c in story.lead_image.name), story.lead_image.name
    change = client.get(change_url(story))
    assert change.status_code == 200
    assert_inert(change.content.decode(), "story change form")
    changelist = client.get(reverse("admin:stories_story_changelist"))
    assert_inert(changelist.content.decode(), "story list")


@pytest.mark.django_db
@pytest.mark.parametrize("payload", params())
def test_section_and_tag_names_from_the_admin_are_inert_on_the_site(client, admin_user, payload):
    client.force_login(admin_user)
    for model, name in ((Section, "section"), (Tag, "tag")):
        add_url = reverse(f"admin:stories_{name}_add")
        data = _admin_form(client, add_url, "name")
        data.update({"name": payload, "slug": f"hostile-{name}"})
        if not _submitted(client.post(add_url, data)):
            continue
        saved = model.objects.get(slug=f"hostile-{name}")
        story = StoryFactory(published=True, section=saved if model is Section else None)
        if model is Tag:
            story.tags.add(saved)
        for url in (
            saved.get_absolute_url(),
            story.get_absolute_url(),
            "/",
            reverse(f"admin:stories_{name}_changelist"),
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            assert_inert(response.content.decode(), url)


@pytest.mark.django_db
def test_a_nul_byte_in_the_admin_is_a_form_error_not_a_crash(client, admin_user):
    client.force_login(admin_user)
    add_url = reverse("admin:stories_section_add")
    response = client.post(add_url, {"name": NUL, "slug": "nul", "position": "0"})
    assert response.status_code == 200
    assert "Null characters are not allowed" in response.content.decode()
    assert not Section.objects.filter(slug="nul").exists()


def _opinion_form(client, story):
    html = client.get(story.get_absolute_url()).content.decode()
    form = find_form(html, "author_name") or find_form(html, "body")
    assert form is not None, "the story page has no opinion form"
    return form


@pytest.mark.django_db
@pytest.mark.parametrize("payload", params())
def test_opinion_form_keeps_hostile_text_inert(client, admin_user, payload):
    story = StoryFactory(published=True)
    form = _opinion_form(client, story)
    data = dict(form["fields"])
    # A token from a minute ago: the reader took their time, so the text itself is what is judged.
    data.update({"author_name": payload, "body": payload, "started": form_token(story, issued_at=time.time() - 60)})
    action = form["attrs"].get("action") or story.get_absolute_url()
    response = client.post(action, data, REMOTE_ADDR="192.0.2.10")
    assert response.status_code in (303, 400), response.status_code
    assert_inert(response.content.decode(), "opinion form response")
    stored = list(Opinion.objects.filter(story=story))
    assert len(stored) == (1 if response.status_code == 303 else 0)
    assert all("\x00" not in o.author_name + o.body for o in stored)

    # What a moderator sees in the queue is inert, and so is the story page once it is approved.
    client.force_login(admin_user)
    for url in [reverse("admin:stories_opinion_changelist")] + [
        reverse("admin:stories_opinion_change", args=[o.pk]) for o in stored
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.content.decode(), url)
    for opinion in stored:
        workflow.moderate(opinion, admin_user, OpinionStatus.APPROVED)
    page = client.get(story.get_absolute_url())
    assert page.status_code == 200
    assert_inert(page.content.decode(), "story page with the approved opinion")


@pytest.mark.django_db
def test_the_forms_really_save_ordinary_text(client, admin_user, settings, tmp_path):
    """Guards the checks above: a harmless entry goes all the way to the database."""
    settings.MEDIA_ROOT = tmp_path
    client.force_login(admin_user)
    add_url = reverse("admin:stories_story_add")
    data = _admin_form(client, add_url, "title")
    data.update({"title": "Tram line approved", "slug": "tram", "body": "<p>Yes.</p>", "lead_image_alt": "A tram"})
    data.update({"highlights-TOTAL_FORMS": "1", "highlights-0-text": "It passed.", "highlights-0-position": "0"})
    image = png_upload('"><img src=x onerror=alert(1)>.png', size=(8, 8))
    assert client.post(add_url, {**data, "lead_image": image}).status_code == 302
    story = Story.objects.get(slug="tram")
    assert story.lead_image.name.endswith(".png")
    assert "<" not in story.lead_image.name and '"' not in story.lead_image.name
    assert_inert(client.get(change_url(story)).content.decode())

    data = _admin_form(client, reverse("admin:stories_section_add"), "name")
    data.update({"name": "City", "slug": "city"})
    assert client.post(reverse("admin:stories_section_add"), data).status_code == 302
