"""Changes to a live story held for review: readers keep the live text until an editor publishes them, now or at a
time; who may propose, publish and discard them; and what happens when the live story changed meanwhile."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from stories import purging, revisions, workflow
from stories.models import PendingRevision, RevisionState, Status, Story, StoryTransition
from stories.workflow import revising
from tests.factories import SectionFactory, StoryFactory

pytestmark = pytest.mark.django_db

ROLES = ["writer", "other_writer", "editor", "moderator", "admin_user"]
NEW_TITLE = "Council delays the eastern tram line"


@pytest.fixture
def live(writer):
    """The writer's own story, live for an hour."""
    return StoryFactory(
        published=True, created_by=writer, authors=[writer], title="Council approves the eastern tram line"
    )


@pytest.fixture
def proposed(live, writer):
    return workflow.propose_revision(live, writer, {"title": NEW_TITLE}, comment="The vote was postponed.")


def _snapshot(story):
    """Everything a refused move must leave as it was."""
    story = Story.objects.get(pk=story.pk)
    return (
        story.title,
        story.body,
        story.version,
        list(story.highlights.values_list("text", flat=True)),
        list(PendingRevision.objects.filter(story=story).values_list("pk", "state", "publish_at", "decided_by")),
        StoryTransition.objects.filter(story=story).count(),
        revisions.versions_of(story).count(),
    )


# --- Who may propose, publish and discard --------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_writers_propose_changes_to_their_own_live_story_and_editors_to_any(request, live, role):
    user = request.getfixturevalue(role)
    before = _snapshot(live)
    if role in {"writer", "editor", "admin_user"}:
        revision = workflow.propose_revision(live, user, {"title": NEW_TITLE})
        assert revision.state == RevisionState.PENDING
        assert revision.proposed_by == user
        assert revision.base_version == live.version
        assert Story.objects.get(pk=live.pk).title == "Council approves the eastern tram line"  # readers keep it
        row = StoryTransition.objects.filter(story=live).last()
        assert (row.from_status, row.to_status, row.actor) == (Status.PUBLISHED, Status.PUBLISHED, user)
        assert "Changes proposed for review (headline)" in row.comment
    else:
        with pytest.raises(PermissionDenied):
            workflow.propose_revision(live, user, {"title": NEW_TITLE})
        assert _snapshot(live) == before


@pytest.mark.parametrize("state", ["draft", "review", "killed"])
def test_only_a_published_story_takes_a_pending_revision(writer, editor, state):
    story = StoryFactory(created_by=writer, status=state)
    before = _snapshot(story)
    for person in (writer, editor):
        with pytest.raises(workflow.TransitionError):
            workflow.propose_revision(story, person, {"title": NEW_TITLE})
    assert _snapshot(story) == before


def test_a_proposal_that_changes_nothing_or_breaks_a_rule_is_refused(live, writer):
    before = _snapshot(live)
    with pytest.raises(workflow.TransitionError, match="Nothing changed"):
        workflow.propose_revision(live, writer, {"title": live.title})
    with pytest.raises(workflow.TransitionError, match="highlights"):
        workflow.propose_revision(live, writer, {"highlights": []})
    with pytest.raises(workflow.TransitionError, match="headline"):
        workflow.propose_revision(live, writer, {"title": ""})
    with pytest.raises(workflow.TransitionError, match="note"):
        workflow.propose_revision(live, writer, {"title": NEW_TITLE}, comment="Hidden\x07bell")
    with pytest.raises(workflow.TransitionError, match="tags"):
        workflow.propose_revision(live, writer, {"title": NEW_TITLE, "tags": []})
    assert _snapshot(live) == before


def test_the_proposed_body_is_cleaned_when_stored(live, writer):
    revision = workflow.propose_revision(live, writer, {"body": "<p>Safe</p><script>alert(1)</script>"})
    assert "<script" not in PendingRevision.objects.get(pk=revision.pk).content["body"]
    assert "Safe" in revision.content["body"]


@pytest.mark.parametrize("role", ROLES)
def test_only_editors_publish_a_revision(request, live, proposed, role):
    user = request.getfixturevalue(role)
    before = _snapshot(live)
    if role in {"editor", "admin_user"}:
        workflow.publish_revision(live, proposed, user)
        assert Story.objects.get(pk=live.pk).title == NEW_TITLE
        assert PendingRevision.objects.get(pk=proposed.pk).state == RevisionState.PUBLISHED
    else:
        for at in (None, timezone.now() + timedelta(hours=1)):
            with pytest.raises(PermissionDenied):
                workflow.publish_revision(live, proposed, user, at=at)
        assert _snapshot(live) == before


@pytest.mark.parametrize("role", ROLES)
def test_editors_discard_a_revision_and_its_writer_takes_it_back_while_it_waits(request, live, proposed, role):
    user = request.getfixturevalue(role)
    before = _snapshot(live)
    if role in {"writer", "editor", "admin_user"}:
        workflow.discard_revision(live, proposed, user, comment="Not needed after all.")
        revision = PendingRevision.objects.get(pk=proposed.pk)
        assert (revision.state, revision.decided_by) == (RevisionState.DISCARDED, user)
        assert Story.objects.get(pk=live.pk).title != NEW_TITLE
        assert "discarded" in StoryTransition.objects.filter(story=live).last().comment
    else:
        with pytest.raises(PermissionDenied):
            workflow.discard_revision(live, proposed, user, comment="No.")
        assert _snapshot(live) == before


def test_the_writer_cannot_take_back_changes_an_editor_has_scheduled(live, proposed, writer, editor):
    workflow.publish_revision(live, proposed, editor, at=timezone.now() + timedelta(hours=2))
    before = _snapshot(live)
    with pytest.raises(PermissionDenied):
        workflow.discard_revision(live, proposed, writer)
    assert _snapshot(live) == before


def test_discarding_someone_elses_changes_needs_a_reason(live, proposed, editor):
    before = _snapshot(live)
    with pytest.raises(workflow.TransitionError):
        workflow.discard_revision(live, proposed, editor, comment="  ")
    assert _snapshot(live) == before


# --- Publishing ---------------------------------------------------------------------------------------------


def test_readers_see_the_live_text_until_an_editor_publishes_the_revision(
    client, live, writer, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        revision = workflow.propose_revision(live, writer, {"title": NEW_TITLE, "body": "<p>The vote waits.</p>"})
    page = client.get(live.get_absolute_url())
    assert "Council approves the eastern tram line" in page.text
    assert NEW_TITLE not in page.text
    assert client.get(live.get_absolute_url())["X-Cache"] == "hit"  # the stored copy, untouched by the proposal

    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish_revision(live, revision, editor)

    page = client.get(live.get_absolute_url())
    assert NEW_TITLE in page.text
    assert "The vote waits." in page.text
    assert page["X-Cache"] == "miss"  # the purge after the commit replaced the cached copy


def test_publishing_keeps_a_revision_in_the_story_history_and_an_audit_row(live, proposed, editor, writer):
    workflow.publish_revision(live, proposed, editor)
    newest = revisions.versions_of(live).first()
    assert newest.field_dict["title"] == NEW_TITLE
    assert newest.revision.user == editor
    assert writer.get_full_name() in newest.revision.comment
    row = StoryTransition.objects.filter(story=live).last()
    assert (row.from_status, row.to_status, row.actor) == (Status.PUBLISHED, Status.PUBLISHED, editor)
    assert "published now" in row.comment
    assert Story.objects.get(pk=live.pk).last_edited_by == editor


def test_publishing_replaces_the_highlights_in_their_new_order(live, writer, editor):
    revision = workflow.propose_revision(live, writer, {"highlights": ["Second thoughts.", "The vote is postponed."]})
    workflow.publish_revision(live, revision, editor)
    assert list(live.highlights.values_list("text", flat=True)) == ["Second thoughts.", "The vote is postponed."]


def test_a_substantive_revision_tells_readers_the_story_was_updated(live, writer, editor):
    revision = workflow.propose_revision(live, writer, {"title": NEW_TITLE}, substantive=True)
    assert Story.objects.get(pk=live.pk).modified_at is None
    workflow.publish_revision(live, revision, editor)
    assert Story.objects.get(pk=live.pk).modified_at is not None


def test_a_revision_is_published_once(live, proposed, editor):
    workflow.publish_revision(live, proposed, editor)
    before = _snapshot(live)
    with pytest.raises(workflow.TransitionError, match="already published"):
        workflow.publish_revision(live, proposed, editor)
    with pytest.raises(workflow.TransitionError, match="already published"):
        workflow.discard_revision(live, proposed, editor, comment="Too late.")
    assert _snapshot(live) == before


def test_a_discarded_revision_cannot_be_published(live, proposed, editor):
    workflow.discard_revision(live, proposed, editor, comment="Not needed.")
    before = _snapshot(live)
    with pytest.raises(workflow.TransitionError, match="already discarded"):
        workflow.publish_revision(live, proposed, editor)
    assert _snapshot(live) == before


def test_a_revision_of_a_story_unpublished_since_is_refused(live, proposed, editor):
    workflow.unpublish(live, editor, "Legal asked us to hold it")
    before = _snapshot(live)
    with pytest.raises(workflow.TransitionError, match="no longer published"):
        workflow.publish_revision(live, proposed, editor)
    assert _snapshot(live) == before


def test_a_change_to_the_live_story_since_is_never_overwritten(live, proposed, editor):
    live.title = "Council approves the eastern tram line, 31 to 12"
    workflow.edit_story(live, editor, fields=["title"], base_version=live.version)
    before = _snapshot(live)
    with pytest.raises(workflow.TransitionError, match="headline") as refused:
        workflow.publish_revision(live, proposed, editor)
    assert refused.value.code == "revision_conflict"
    assert _snapshot(live) == before


def test_a_change_to_another_part_of_the_live_story_is_kept(live, proposed, editor):
    live.dateline = "LYON"
    workflow.edit_story(live, editor, fields=["dateline"], base_version=live.version)
    workflow.publish_revision(live, proposed, editor)
    story = Story.objects.get(pk=live.pk)
    assert (story.title, story.dateline) == (NEW_TITLE, "LYON")


def test_a_revision_moving_the_story_to_another_section(live, writer, editor):
    city = SectionFactory(name="City", slug="city")
    revision = workflow.propose_revision(live, writer, {"section": city})
    workflow.publish_revision(live, revision, editor)
    assert Story.objects.get(pk=live.pk).section == city


# --- Scheduled ----------------------------------------------------------------------------------------------


def test_a_scheduled_revision_changes_nothing_until_its_time(live, proposed, editor):
    at = timezone.now() + timedelta(hours=2)
    workflow.publish_revision(live, proposed, editor, at=at)
    revision = PendingRevision.objects.get(pk=proposed.pk)
    assert (revision.state, revision.publish_at, revision.decided_by) == (RevisionState.SCHEDULED, at, editor)
    assert Story.objects.get(pk=live.pk).title != NEW_TITLE
    assert "scheduled" in StoryTransition.objects.filter(story=live).last().comment
    # The clock's next time is the revision's: the page cache asks when to look again.
    assert purging.next_story_going_live() == at
    assert workflow.publish_due_revisions(timezone.now()) == 0


def test_a_scheduled_revision_reaches_readers_once_its_time_passes(
    client, live, proposed, editor, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish_revision(live, proposed, editor, at=timezone.now() + timedelta(hours=2))
    assert NEW_TITLE not in client.get(live.get_absolute_url()).text
    assert client.get(live.get_absolute_url())["X-Cache"] == "hit"

    later = timezone.now() + timedelta(hours=2, minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)

    # Nobody runs anything: the reader's request finds the time passed and the revision is published (its purge
    # runs when the request's write commits), and the next reader gets the new text from the cache.
    with django_capture_on_commit_callbacks(execute=True):
        assert NEW_TITLE in client.get(live.get_absolute_url()).text
    assert NEW_TITLE in client.get(live.get_absolute_url()).text
    assert client.get(live.get_absolute_url())["X-Cache"] == "hit"
    revision = PendingRevision.objects.get(pk=proposed.pk)
    assert revision.state == RevisionState.PUBLISHED
    row = StoryTransition.objects.filter(story=live).last()
    assert row.actor is None
    assert "published at their scheduled time (approved by" in row.comment
    assert purging.next_story_going_live() is None


def test_the_command_publishes_due_revisions_for_operators_who_prefer_cron(live, proposed, editor, monkeypatch):
    workflow.publish_revision(live, proposed, editor, at=timezone.now() + timedelta(minutes=5))
    out = StringIO()
    call_command("publish_due_revisions", stdout=out)
    assert "Published 0" in out.getvalue()

    later = timezone.now() + timedelta(minutes=6)
    monkeypatch.setattr(timezone, "now", lambda: later)
    call_command("publish_due_revisions", stdout=out)
    assert "Published 1" in out.getvalue()
    assert Story.objects.get(pk=live.pk).title == NEW_TITLE


def test_a_scheduled_revision_the_live_story_overtook_waits_for_an_editor_again(live, proposed, editor):
    workflow.publish_revision(live, proposed, editor, at=timezone.now() + timedelta(minutes=5))
    live.refresh_from_db()
    live.title = "Council approves the eastern tram line, 31 to 12"
    workflow.edit_story(live, editor, fields=["title"], base_version=live.version)

    assert workflow.publish_due_revisions(timezone.now() + timedelta(minutes=6)) == 0

    revision = PendingRevision.objects.get(pk=proposed.pk)
    assert (revision.state, revision.publish_at) == (RevisionState.PENDING, None)
    assert Story.objects.get(pk=live.pk).title == "Council approves the eastern tram line, 31 to 12"
    row = StoryTransition.objects.filter(story=live).last()
    assert "were not published; they wait for an editor again" in row.comment
    # Nothing is due any more: the clock does not keep asking for a time it cannot meet.
    assert purging.next_story_going_live() is None


def test_an_editor_may_publish_a_scheduled_revision_at_once(live, proposed, editor):
    workflow.publish_revision(live, proposed, editor, at=timezone.now() + timedelta(hours=2))
    workflow.publish_revision(live, proposed, editor)
    assert Story.objects.get(pk=live.pk).title == NEW_TITLE
    assert PendingRevision.objects.get(pk=proposed.pk).state == RevisionState.PUBLISHED


def test_a_scheduled_revision_that_fails_to_publish_is_never_left_due(live, proposed, editor, monkeypatch, caplog):
    workflow.publish_revision(live, proposed, editor, at=timezone.now() + timedelta(minutes=5))

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(revising, "edit_story", broken)
    assert workflow.publish_due_revisions(timezone.now() + timedelta(minutes=6)) == 0
    assert PendingRevision.objects.get(pk=proposed.pk).state == RevisionState.PENDING
    assert Story.objects.get(pk=live.pk).title != NEW_TITLE
    assert purging.next_story_going_live() is None  # readers' pages are not left uncached, asking again
    assert "Could not publish the scheduled revision" in caplog.text
