"""The desk's side of the lifecycle: the embargo badge, the kill and lift-embargo dialogs, the embargo and expiry
fields and what they refuse, and who is offered a partner link."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from stories import workflow
from stories.dates import format_local
from stories.models import Status
from tests.factories import StoryFactory
from tests.story_admin_helpers import change_url, story_form_data

pytestmark = pytest.mark.django_db


def _at(**delta):
    """A time in whole seconds (what the form's time field sends back)."""
    return (timezone.now() + timedelta(**delta)).replace(microsecond=0)


def _split(name, value) -> dict:
    if value is None:
        return {f"{name}_0": "", f"{name}_1": ""}
    local = timezone.localtime(value)
    return {f"{name}_0": local.strftime("%Y-%m-%d"), f"{name}_1": local.strftime("%H:%M:%S")}


def _times(embargo=None, expires=None) -> dict:
    return {**_split("embargo_until", embargo), **_split("expires_at", expires)}


def _field_row(html: str, name: str) -> str:
    """The HTML of one field's row in the change form (where its errors show)."""
    start = html.index(f"field-{name}")
    end = html.find('<div class="form-row', start + 1)
    return html[start : end if end != -1 else None]


def _own_draft(writer, **fields):
    story = StoryFactory(created_by=writer, **fields)
    story.authors.add(writer)
    return story


# --- The badge ---------------------------------------------------------------------------------------


def test_the_story_list_marks_an_embargoed_story_with_its_time(client, editor):
    ends = _at(hours=3)
    StoryFactory(title="Rate decision", embargo_until=ends)
    client.force_login(editor)
    html = client.get(reverse("admin:stories_story_changelist")).content.decode()
    assert f"Embargoed until {format_local(ends)}" in html
    assert "status-embargoed" in html


def test_the_change_page_marks_an_embargoed_story_with_its_time(client, editor):
    ends = _at(hours=3)
    story = StoryFactory(in_review=True, embargo_until=ends)
    client.force_login(editor)
    html = client.get(change_url(story)).content.decode()
    assert f'<span class="status-badge status-embargoed">Embargoed until {format_local(ends)}</span>' in html
    assert "Under embargo until" in html


@pytest.mark.parametrize(
    ("fields", "badge"),
    [
        ({"status": Status.PUBLISHED, "published_at": _at(hours=-2), "expires_at": _at(hours=-1)}, "Expired"),
        ({"status": Status.KILLED, "published_at": _at(hours=-2)}, "Killed"),
    ],
)
def test_the_badge_says_expired_or_killed(client, editor, fields, badge):
    story = StoryFactory(**fields)
    client.force_login(editor)
    assert f">{badge}</span>" in client.get(change_url(story)).content.decode()


# --- The dialogs ---------------------------------------------------------------------------------------


def test_the_kill_dialog_asks_for_the_public_notice(client, editor):
    story = StoryFactory(published=True)
    client.force_login(editor)
    html = client.get(change_url(story)).content.decode()
    assert '<summary class="button">Kill…</summary>' in html
    assert re.search(r'<label for="comment-kill">Public notice shown at the story(’|&#x27;)s address', html)
    assert re.search(r'<textarea id="comment-kill" name="comment"[^>]* required', html)


def test_a_kill_without_a_notice_is_refused_with_a_message(client, editor):
    story = StoryFactory(published=True)
    client.force_login(editor)
    response = client.post(reverse("admin:stories_story_transition", args=[story.pk, "kill"]), {"comment": " "})
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.status == Status.PUBLISHED


@pytest.mark.parametrize(
    ("role", "embargoed", "offered"),
    [("editor", True, True), ("admin_user", True, True), ("editor", False, False), ("writer", True, False)],
)
def test_lift_embargo_is_offered_to_editors_on_embargoed_stories(request, client, writer, role, embargoed, offered):
    story = _own_draft(writer, embargo_until=_at(hours=2) if embargoed else None)
    client.force_login(request.getfixturevalue(role))
    html = client.get(change_url(story)).content.decode()
    assert ("Lift embargo…" in html) is offered
    assert ("Reason for lifting the embargo early" in html) is offered


def test_an_editor_lifts_an_embargo_from_the_dialog(client, editor):
    story = StoryFactory(in_review=True, embargo_until=_at(hours=2))
    client.force_login(editor)
    url = reverse("admin:stories_story_transition", args=[story.pk, "lift_embargo"])
    response = client.post(url, {"comment": "The minister spoke early"}, follow=True)
    assert "was lifted" in response.content.decode()
    story.refresh_from_db()
    assert story.embargo_until is None


@pytest.mark.parametrize(
    ("role", "embargoed", "offered"),
    [("editor", True, True), ("editor", False, False), ("writer", True, False)],
)
def test_a_partner_link_is_offered_to_editors_on_embargoed_stories(request, client, writer, role, embargoed, offered):
    story = _own_draft(writer, embargo_until=_at(hours=2) if embargoed else None)
    client.force_login(request.getfixturevalue(role))
    html = client.get(change_url(story)).content.decode()
    assert ("Create a partner link…" in html) is offered
    assert ('name="partner"' in html) is offered


# --- The embargo and expiry fields ---------------------------------------------------------------------


def test_a_writer_sets_and_extends_the_embargo_of_their_draft(client, writer):
    story = _own_draft(writer)
    client.force_login(writer)
    first, second = _at(hours=2), _at(hours=6)
    assert client.post(change_url(story), story_form_data(story, **_times(first))).status_code == 302
    story.refresh_from_db()
    assert story.embargo_until == first
    assert client.post(change_url(story), story_form_data(story, **_times(second))).status_code == 302
    story.refresh_from_db()
    assert story.embargo_until == second


@pytest.mark.parametrize("role", ["writer", "editor"])
@pytest.mark.parametrize("change", ["earlier", "cleared"])
def test_the_form_refuses_to_shorten_an_embargo_next_to_the_field(request, client, writer, role, change):
    ends = _at(hours=5)
    story = _own_draft(writer, embargo_until=ends)
    client.force_login(request.getfixturevalue(role))
    wanted = _at(hours=1) if change == "earlier" else None
    response = client.post(change_url(story), story_form_data(story, **_times(wanted)))
    assert response.status_code == 200
    row = _field_row(response.content.decode(), "embargo_until")
    assert "An embargo can be extended here, not shortened" in row
    story.refresh_from_db()
    assert story.embargo_until == ends


@pytest.mark.parametrize("wanted", [{"hours": 2}, {"minutes": -5}])
def test_the_form_refuses_to_embargo_a_live_story_next_to_the_field(client, editor, wanted):
    story = StoryFactory(published=True)
    client.force_login(editor)
    response = client.post(change_url(story), story_form_data(story, **_times(_at(**wanted))))
    assert response.status_code == 200
    row = _field_row(response.content.decode(), "embargo_until")
    assert "Readers can already see this story" in row
    story.refresh_from_db()
    assert story.embargo_until is None


def test_the_form_refuses_an_expiry_before_the_embargo_ends_next_to_the_field(client, writer):
    ends = _at(hours=5)
    story = _own_draft(writer, embargo_until=ends)
    client.force_login(writer)
    response = client.post(change_url(story), story_form_data(story, **_times(ends, _at(hours=1))))
    assert response.status_code == 200
    row = _field_row(response.content.decode(), "expires_at")
    assert "The story would expire before its embargo ends" in row
    story.refresh_from_db()
    assert story.expires_at is None


def test_an_editor_sets_the_expiry_of_a_live_story(client, editor):
    story = StoryFactory(published=True)
    client.force_login(editor)
    expires = _at(days=7)
    assert client.post(change_url(story), story_form_data(story, **_times(None, expires))).status_code == 302
    story.refresh_from_db()
    assert story.expires_at == expires
    assert story.is_live


def test_a_killed_story_is_read_only_to_an_editor(client, editor):
    story = StoryFactory(published=True)
    workflow.kill(story, editor, "Taken down.")
    client.force_login(editor)
    html = client.get(change_url(story)).content.decode()
    assert "Killed: its address answers “410 Gone”" in html
    assert "Create a partner link…" not in html


def test_a_killed_story_offers_no_preview_link_to_share(client, editor):
    story = StoryFactory(published=True)
    client.force_login(editor)
    assert "Create a preview link to share" in client.get(change_url(story)).content.decode()
    workflow.kill(story, editor, "Removed on legal advice.")
    client.force_login(editor)
    assert "Create a preview link to share" not in client.get(change_url(story)).content.decode()
