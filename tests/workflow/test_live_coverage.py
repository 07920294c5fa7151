"""Live coverage in the workflow: who may start and end it, post, edit and delete updates; what is refused; the
audit rows and the revisions each change keeps."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from stories import revisions, workflow
from stories.models import LiveUpdate, Status, Story, StoryTransition
from tests.factories import StoryFactory
from tests.workflow_helpers import ROLES

pytestmark = pytest.mark.django_db

# Who may do what (the table): editors run the coverage and change updates; the writers on the byline
# post too.
MAY_RUN = {"editor", "admin_user"}
MAY_POST = {"writer", "editor", "admin_user"}
MAY_CHANGE = {"editor", "admin_user"}


@pytest.fixture
def owned_story(writer):
    """A published story with `writer` on its byline."""
    story = StoryFactory(published=True, created_by=writer)
    story.authors.add(writer)
    return story


@pytest.fixture
def covered(owned_story, editor):
    """`owned_story` with its live coverage running."""
    return workflow.start_live(owned_story, editor)


def _row(story):
    story.refresh_from_db()
    return (story.status, story.live_started_at, story.live_ended_at, story.version)


# --- Starting and ending --------------------------------------------------------------------------------


def test_an_editor_starts_live_coverage_and_it_is_audited(editor, owned_story):
    version = owned_story.version
    workflow.start_live(owned_story, editor, comment="Storm hits the coast")
    owned_story.refresh_from_db()
    assert owned_story.is_covered_live and owned_story.live_started_at is not None
    assert owned_story.live_ended_at is None
    assert owned_story.version == version + 1
    audit = StoryTransition.objects.get(story=owned_story)
    assert audit.from_status == audit.to_status == Status.PUBLISHED
    assert audit.actor == editor
    assert audit.comment == "Live coverage started. Storm hits the coast"


def test_an_editor_ends_live_coverage_and_its_updates_stay(editor, covered):
    workflow.post_update(covered, editor, body="<p>The first tram runs.</p>")
    workflow.end_live(covered, editor)
    covered.refresh_from_db()
    assert not covered.is_covered_live and covered.has_live_coverage
    assert covered.live_ended_at >= covered.live_started_at
    assert covered.live_updates.count() == 1
    last = StoryTransition.objects.filter(story=covered).last()
    assert last.from_status == last.to_status == Status.PUBLISHED and last.comment == "Live coverage ended."


def test_ended_coverage_can_be_reopened_keeping_its_start(editor, covered):
    started = covered.live_started_at
    workflow.end_live(covered, editor)
    workflow.start_live(covered, editor)
    covered.refresh_from_db()
    assert covered.is_covered_live and covered.live_started_at == started
    assert StoryTransition.objects.filter(story=covered).last().comment == "Live coverage reopened."


@pytest.mark.parametrize("role", ROLES)
def test_who_may_start_and_end_live_coverage(request, role, owned_story, editor):
    user = request.getfixturevalue(role)
    if role in MAY_RUN:
        workflow.start_live(owned_story, user)
        workflow.end_live(owned_story, user)
        assert StoryTransition.objects.filter(story=owned_story).count() == 2
        return
    before = _row(owned_story)
    with pytest.raises(PermissionDenied):
        workflow.start_live(owned_story, user)
    assert _row(owned_story) == before
    workflow.start_live(owned_story, editor)
    before = _row(owned_story)
    with pytest.raises(PermissionDenied):
        workflow.end_live(owned_story, user)
    assert _row(owned_story) == before
    assert StoryTransition.objects.filter(story=owned_story).count() == 1


def _story_in(state):
    if state == "draft":
        return StoryFactory()
    if state == "review":
        return StoryFactory(in_review=True)
    if state == "scheduled":
        return StoryFactory(scheduled=True)
    if state == "expired":
        return StoryFactory(published=True, expires_at=timezone.now() - timedelta(minutes=1))
    story = StoryFactory(published=True)
    Story.objects.filter(pk=story.pk).update(status=Status.KILLED)
    story.refresh_from_db()
    return story


@pytest.mark.parametrize("state", ["draft", "review", "scheduled", "expired", "killed"])
def test_only_a_story_readers_see_gets_live_coverage(editor, state):
    story = _story_in(state)
    before = _row(story)
    with pytest.raises(workflow.TransitionError) as refused:
        workflow.start_live(story, editor)
    assert refused.value.code == "not_published"
    assert _row(story) == before
    assert not StoryTransition.objects.filter(story=story).exists()


def test_starting_running_coverage_again_is_refused(editor, covered):
    before = _row(covered)
    with pytest.raises(workflow.TransitionError) as refused:
        workflow.start_live(covered, editor)
    assert refused.value.code == "already_live"
    assert _row(covered) == before
    assert StoryTransition.objects.filter(story=covered).count() == 1


@pytest.mark.parametrize("started", [False, True], ids=["never started", "already ended"])
def test_ending_coverage_that_is_not_running_is_refused(editor, owned_story, started):
    if started:
        workflow.start_live(owned_story, editor)
        workflow.end_live(owned_story, editor)
    before, audits = _row(owned_story), StoryTransition.objects.filter(story=owned_story).count()
    with pytest.raises(workflow.TransitionError) as refused:
        workflow.end_live(owned_story, editor)
    assert refused.value.code == "not_live"
    assert _row(owned_story) == before
    assert StoryTransition.objects.filter(story=owned_story).count() == audits


def test_a_refused_move_is_a_validation_error(editor, owned_story):
    with pytest.raises(ValidationError):
        workflow.end_live(owned_story, editor)


# --- Posting -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_who_may_post_an_update(request, role, covered):
    user = request.getfixturevalue(role)
    if role in MAY_POST:
        update = workflow.post_update(covered, user, body="<p>Winds reach 120 km/h.</p>", headline="Gusts")
        assert update.author == user and update.story == covered
        assert LiveUpdate.objects.filter(story=covered).count() == 1
    else:
        with pytest.raises(PermissionDenied):
            workflow.post_update(covered, user, body="<p>Winds reach 120 km/h.</p>")
        assert not LiveUpdate.objects.exists()


def test_a_writer_not_on_the_byline_may_not_post(other_writer, covered):
    with pytest.raises(PermissionDenied):
        workflow.post_update(covered, other_writer, body="<p>Not my story.</p>")
    assert not LiveUpdate.objects.exists()


@pytest.mark.parametrize("started", [False, True], ids=["never started", "ended"])
def test_no_update_is_posted_without_running_coverage(editor, owned_story, started):
    if started:
        workflow.start_live(owned_story, editor)
        workflow.end_live(owned_story, editor)
    with pytest.raises(workflow.TransitionError) as refused:
        workflow.post_update(owned_story, editor, body="<p>Too late.</p>")
    assert refused.value.code == "not_live"
    assert not LiveUpdate.objects.exists()


def test_an_empty_update_is_refused(editor, covered):
    with pytest.raises(workflow.TransitionError) as refused:
        workflow.post_update(covered, editor, body="<p> </p><script>alert(1)</script>")
    assert refused.value.code == "empty_update"
    assert not LiveUpdate.objects.exists()


def test_an_update_is_cleaned_of_unsafe_markup_whoever_writes_it(editor, covered):
    update = workflow.post_update(
        covered, editor, body='<p onclick="x()">Roads <b>closed</b><script>alert(1)</script></p>'
    )
    update.refresh_from_db()
    assert update.body == "<p>Roads <b>closed</b></p>"
    raw = LiveUpdate.objects.create(story=covered, body='<img src=x onerror="alert(1)"><p>Shell</p>')
    raw.refresh_from_db()
    assert raw.body == "<p>Shell</p>"


def test_a_post_keeps_a_revision(editor, covered):
    update = workflow.post_update(covered, editor, body="<p>First.</p>")
    versions = list(revisions.update_versions(update.pk))
    assert [v.revision.comment for v in versions] == ["Posted."]
    assert versions[0].revision.user == editor


# --- Editing and deleting -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_who_may_edit_and_delete_an_update(request, role, covered, writer):
    user = request.getfixturevalue(role)
    update = workflow.post_update(covered, writer, body="<p>Bridge closed.</p>")
    if role in MAY_CHANGE:
        workflow.edit_update(update, user, body="<p>Bridge closed both ways.</p>", pinned=True)
        update.refresh_from_db()
        assert update.body == "<p>Bridge closed both ways.</p>" and update.pinned
        workflow.delete_update(update, user)
        assert not LiveUpdate.objects.exists()
        return
    with pytest.raises(PermissionDenied):
        workflow.edit_update(update, user, body="<p>Changed.</p>")
    with pytest.raises(PermissionDenied):
        workflow.delete_update(update, user)
    update.refresh_from_db()
    assert update.body == "<p>Bridge closed.</p>" and not update.pinned


def test_edits_and_a_deletion_keep_every_version(editor, covered):
    update = workflow.post_update(covered, editor, body="<p>Ferry cancelled.</p>", headline="Ferries")
    workflow.edit_update(update, editor, body="<p>Ferries cancelled until noon.</p>", headline="Ferries")
    pk = update.pk
    workflow.delete_update(update, editor)
    versions = list(revisions.update_versions(pk))
    assert [v.revision.comment.split(" by ")[0] for v in versions] == ["Deleted", "Edited.", "Posted."]
    assert [v.field_dict["body"] for v in versions] == [
        "<p>Ferries cancelled until noon.</p>",
        "<p>Ferries cancelled until noon.</p>",
        "<p>Ferry cancelled.</p>",
    ]


def test_an_update_can_be_corrected_after_the_coverage_ended(editor, covered):
    update = workflow.post_update(covered, editor, body="<p>Mayor speaks at 5.</p>")
    workflow.end_live(covered, editor)
    workflow.edit_update(update, editor, body="<p>Mayor speaks at 6.</p>")
    update.refresh_from_db()
    assert update.body == "<p>Mayor speaks at 6.</p>"


def test_an_edit_of_a_deleted_update_is_refused(editor, covered):
    update = workflow.post_update(covered, editor, body="<p>Gone soon.</p>")
    LiveUpdate.objects.filter(pk=update.pk).delete()
    with pytest.raises(workflow.TransitionError):
        workflow.edit_update(update, editor, body="<p>Too late.</p>")
    assert not LiveUpdate.objects.exists()


@pytest.mark.parametrize("move", ["unpublish", "kill"])
def test_a_story_leaving_readers_ends_its_coverage(editor, covered, move):
    workflow.post_update(covered, editor, body="<p>Before.</p>")
    getattr(workflow, move)(covered, editor, comment="Taken down")
    covered.refresh_from_db()
    assert not covered.is_covered_live and covered.live_ended_at is not None
    assert covered.live_updates.count() == 1
