"""Changes to a live story held for review, in the desk: a writer's save of their own live story, an editor's
choice to hold theirs, the workflow panel that lists them, the comparison with the live text, and the decisions."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stories import workflow
from stories.models import PendingRevision, RevisionState, Story
from tests.factories import StoryFactory, TagFactory
from tests.story_admin_helpers import change_url, story_form_data

pytestmark = pytest.mark.django_db

LIVE_TITLE = "Council approves the eastern tram line"
NEW_TITLE = "Council delays the eastern tram line"
HOLD_LABEL = "Hold these changes for review instead of publishing them now"


@pytest.fixture
def live(writer):
    return StoryFactory(published=True, created_by=writer, authors=[writer], title=LIVE_TITLE)


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _panel(response):
    found = re.search(r'<section class="workflow-panel".*?</section>', response.content.decode(), re.S)
    return found.group(0) if found else ""


def decision_url(story, revision, decision):
    return reverse("admin:stories_story_pending_decision", args=[story.pk, revision.pk, decision])


def compare_url(story, revision):
    return reverse("admin:stories_story_pending_compare", args=[story.pk, revision.pk])


# --- Saving ------------------------------------------------------------------------------------------------


def test_a_writer_edits_their_live_story_and_the_changes_wait_for_an_editor(client, writer, live):
    client.force_login(writer)
    page = client.get(change_url(live))
    html = page.content.decode()
    assert 'name="title"' in html and 'name="_save"' in html  # the form is editable
    assert "your changes wait for an editor's review" in html
    assert HOLD_LABEL not in html  # no choice to make: a writer's changes always wait
    assert 'name="slug"' not in html  # only the text waits for review; the rest stays as the desk left it

    data = story_form_data(live, title=NEW_TITLE, highlights=["First.", "Second."], revision_comment="Vote moved.")
    response = client.post(change_url(live), data)

    assert response.status_code == 302
    assert any("held for review" in m for m in _messages(response))
    assert Story.objects.get(pk=live.pk).title == LIVE_TITLE  # readers keep the live text
    revision = PendingRevision.objects.get(story=live)
    assert (revision.proposed_by, revision.state, revision.comment) == (writer, RevisionState.PENDING, "Vote moved.")
    assert revision.content["title"] == NEW_TITLE
    assert revision.content["highlights"] == ["First.", "Second."]
    assert list(live.highlights.values_list("text", flat=True)) != ["First.", "Second."]


def test_another_writer_still_only_reads_a_live_story(client, other_writer, live):
    client.force_login(other_writer)
    assert 'name="_save"' not in client.get(change_url(live)).content.decode()
    assert client.post(change_url(live), story_form_data(live, title=NEW_TITLE)).status_code == 403
    assert not PendingRevision.objects.exists()


def test_an_editors_save_is_live_at_once_unless_they_hold_it(client, editor, live):
    client.force_login(editor)
    html = client.get(change_url(live)).content.decode()
    assert HOLD_LABEL in html
    assert re.search(r'<input type="checkbox" name="hold_for_review"(?![^>]*checked)', html)  # unchecked

    client.post(change_url(live), story_form_data(live, title=NEW_TITLE, hold_for_review="on"))
    assert Story.objects.get(pk=live.pk).title == LIVE_TITLE
    assert PendingRevision.objects.get(story=live).proposed_by == editor

    live.refresh_from_db()
    client.post(change_url(live), story_form_data(live, title="Council approves the line"))
    assert Story.objects.get(pk=live.pk).title == "Council approves the line"


def test_an_editor_cannot_hold_what_is_not_text(client, editor, live):
    client.force_login(editor)
    tag = TagFactory(name="Transport")
    data = story_form_data(live, title=NEW_TITLE, tags=tag.name, hold_for_review="on")
    response = client.post(change_url(live), data)
    assert response.status_code == 200  # the form again, with the reason
    assert "Only the text waits for review" in response.content.decode()
    assert not PendingRevision.objects.exists()
    assert not live.tags.exists()


def test_an_editor_cannot_hold_a_new_notice(client, editor, live):
    client.force_login(editor)
    data = story_form_data(live, title=NEW_TITLE, corrections=[("update", "Vote moved.")], hold_for_review="on")
    response = client.post(change_url(live), data)
    assert any("Save the change to notices without holding it" in m for m in _messages(response))
    assert not PendingRevision.objects.exists()
    assert not live.corrections.exists()
    assert Story.objects.get(pk=live.pk).title == LIVE_TITLE


# --- The workflow panel -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "buttons"),
    [
        ("editor", {"Publish now", "Publish at…", "Discard…"}),
        ("admin_user", {"Publish now", "Publish at…", "Discard…"}),
        ("writer", {"Discard…"}),  # they may take their own back while it waits
        ("other_writer", set()),
        ("moderator", set()),
    ],
)
def test_the_panel_lists_held_changes_with_what_each_person_may_do(request, client, writer, live, role, buttons):
    workflow.propose_revision(live, writer, {"title": NEW_TITLE}, comment="The vote was postponed.")
    client.force_login(request.getfixturevalue(role))
    panel = _panel(client.get(change_url(live)))
    assert "Changes held for review" in panel
    assert "The vote was postponed." in panel
    assert "Compare with the live story" in panel
    shown = {label for label in ["Publish now", "Publish at…", "Discard…"] if f">{label}<" in panel}
    assert shown == buttons


def test_the_panel_escapes_what_a_writer_wrote(client, writer, editor, live):
    workflow.propose_revision(live, writer, {"title": "Tram <script>alert(1)</script>"}, comment="<b>urgent</b>")
    client.force_login(editor)
    panel = _panel(client.get(change_url(live)))
    assert "<b>urgent</b>" not in panel
    assert "&lt;b&gt;urgent&lt;/b&gt;" in panel
    revision = PendingRevision.objects.get()
    page = client.get(compare_url(live, revision)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "Tram &lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_story_page_takes_the_same_queries_for_one_or_many_held_changes(
    client, writer, editor, live, django_assert_num_queries
):
    workflow.propose_revision(live, writer, {"title": NEW_TITLE})
    client.force_login(editor)
    client.get(change_url(live))  # warm the session and the content types cache
    with CaptureQueriesContext(connection) as one:
        assert client.get(change_url(live)).status_code == 200
    for n in range(4):
        workflow.propose_revision(live, writer, {"title": f"{NEW_TITLE} ({n})"})
    workflow.publish_revision(
        live, PendingRevision.objects.last(), editor, at=timezone.now() + timedelta(hours=1)
    )  # a scheduled one among them
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(change_url(live))
    assert response.content.decode().count('class="pending-revision"') == 5


# --- Comparing ----------------------------------------------------------------------------------------------


def test_compare_shows_the_held_changes_against_the_live_story(client, writer, moderator, live):
    revision = workflow.propose_revision(
        live, writer, {"title": NEW_TITLE, "body": "<p>The vote waits for May.</p>"}, comment="Vote moved."
    )
    client.force_login(moderator)  # whoever may read the story may compare
    page = client.get(compare_url(live, revision)).content.decode()
    # Word by word: only the word that differs in the headline is marked.
    assert '<del><span class="visually-hidden">removed: </span>approves</del>' in page
    assert '<ins><span class="visually-hidden">added: </span>delays</ins>' in page
    assert "The vote waits for May." in page
    assert re.search(r"Unchanged: standfirst, highlights,", page)


def test_compare_warns_when_the_live_story_changed_the_same_part(client, writer, editor, live):
    revision = workflow.propose_revision(live, writer, {"title": NEW_TITLE})
    live.title = "Council approves the tram line, 31 to 12"
    workflow.edit_story(live, editor, fields=["title"], base_version=live.version)
    client.force_login(editor)
    page = client.get(compare_url(live, revision)).content.decode()
    assert "The live story changed since these changes were proposed, in the headline" in page


def test_a_story_one_may_not_see_has_no_comparison(client, other_writer, writer):
    draft = StoryFactory(created_by=writer, published=True)
    revision = workflow.propose_revision(draft, writer, {"title": NEW_TITLE})
    workflow.unpublish(draft, None, "Held back")
    client.force_login(other_writer)
    assert client.get(compare_url(draft, revision)).status_code == 404


# --- Deciding -----------------------------------------------------------------------------------------------


def test_an_editor_publishes_held_changes_now(client, writer, editor, live):
    revision = workflow.propose_revision(live, writer, {"title": NEW_TITLE})
    client.force_login(editor)
    response = client.post(decision_url(live, revision, "publish"))
    assert response.status_code == 302
    assert any("published: readers see them now" in m for m in _messages(response))
    assert Story.objects.get(pk=live.pk).title == NEW_TITLE


def test_an_editor_publishes_held_changes_at_a_time(client, writer, editor, live):
    revision = workflow.propose_revision(live, writer, {"title": NEW_TITLE})
    client.force_login(editor)
    past = timezone.localtime() - timedelta(hours=1)
    response = client.post(decision_url(live, revision, "schedule"), {"at": past.strftime("%Y-%m-%dT%H:%M")})
    assert any("Pick a time in the future" in m for m in _messages(response))
    assert PendingRevision.objects.get().state == RevisionState.PENDING

    later = timezone.localtime() + timedelta(hours=3)
    response = client.post(decision_url(live, revision, "schedule"), {"at": later.strftime("%Y-%m-%dT%H:%M")})
    assert any("they replace the live text on" in m for m in _messages(response))
    revision.refresh_from_db()
    assert revision.state == RevisionState.SCHEDULED
    assert Story.objects.get(pk=live.pk).title == LIVE_TITLE


def test_a_writer_cannot_publish_their_own_held_changes(client, writer, live):
    revision = workflow.propose_revision(live, writer, {"title": NEW_TITLE})
    client.force_login(writer)
    response = client.post(decision_url(live, revision, "publish"))
    assert any("You may not publish" in m for m in _messages(response))
    assert Story.objects.get(pk=live.pk).title == LIVE_TITLE
    assert PendingRevision.objects.get().state == RevisionState.PENDING


def test_discarding_someone_elses_changes_asks_for_a_reason(client, writer, editor, live):
    revision = workflow.propose_revision(live, writer, {"title": NEW_TITLE})
    client.force_login(editor)
    response = client.post(decision_url(live, revision, "discard"))
    assert any("needs a reason" in m for m in _messages(response))
    assert PendingRevision.objects.get().state == RevisionState.PENDING
    response = client.post(decision_url(live, revision, "discard"), {"comment": "We keep the original."})
    assert any("were discarded" in m for m in _messages(response))
    assert PendingRevision.objects.get().state == RevisionState.DISCARDED
    assert Story.objects.get(pk=live.pk).title == LIVE_TITLE


def test_a_refused_publication_says_why_and_changes_nothing(client, writer, editor, live):
    revision = workflow.propose_revision(live, writer, {"title": NEW_TITLE})
    live.title = "Council approves the tram line, 31 to 12"
    workflow.edit_story(live, editor, fields=["title"], base_version=live.version)
    client.force_login(editor)
    response = client.post(decision_url(live, revision, "publish"))
    assert any("publishing them would overwrite that" in m for m in _messages(response))
    assert Story.objects.get(pk=live.pk).title == "Council approves the tram line, 31 to 12"


def test_decisions_are_posted(client, writer, editor, live):
    revision = workflow.propose_revision(live, writer, {"title": NEW_TITLE})
    client.force_login(editor)
    assert client.get(decision_url(live, revision, "publish")).status_code == 405
    assert client.post(decision_url(live, revision, "approve")).status_code == 404
