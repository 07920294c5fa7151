"""The planning desk's moves: who may make each, from which state, and what a refused move leaves behind."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from stories import workflow
from stories.models import Assignment, AssignmentEvent, AssignmentState, Status, Story
from tests.factories import AssignmentFactory, HighlightFactory, SectionFactory

PEOPLE = ["writer", "other_writer", "editor", "moderator", "admin_user"]

# The role groups are needed even where the people are asked for by name (request.getfixturevalue).
pytestmark = pytest.mark.django_db


def _due():
    return timezone.now() + timedelta(days=1)


def _snapshot(assignment):
    fresh = Assignment.objects.get(pk=assignment.pk)
    return (fresh.state, fresh.assignee_id, fresh.due_at, fresh.story_id, fresh.events.count(), Story.objects.count())


@pytest.mark.parametrize(
    ("person", "allowed"),
    [("writer", True), ("other_writer", True), ("editor", True), ("moderator", False), ("admin_user", True)],
)
def test_who_may_pitch(request, person, allowed):
    user = request.getfixturevalue(person)
    if not allowed:
        with pytest.raises(PermissionDenied):
            workflow.pitch(user, "Bridge repairs overrun")
        assert not Assignment.objects.exists()
        return
    assignment = workflow.pitch(
        user, "  Bridge   repairs overrun ", desk=SectionFactory(name="City"), planned_words=600
    )
    assert assignment.state == AssignmentState.PITCHED
    assert assignment.title == "Bridge repairs overrun"
    assert assignment.created_by == user
    event = assignment.events.get()
    assert (event.from_state, event.to_state, event.actor) == ("", "pitched", user)


def test_a_pitch_needs_a_working_title(writer):
    with pytest.raises(workflow.TransitionError):
        workflow.pitch(writer, "   ")
    assert not Assignment.objects.exists()


@pytest.mark.parametrize(
    ("person", "allowed"),
    [("writer", False), ("other_writer", False), ("editor", True), ("moderator", False), ("admin_user", True)],
)
def test_who_may_assign(request, person, allowed, other_writer):
    user = request.getfixturevalue(person)
    assignment = AssignmentFactory()
    before = _snapshot(assignment)
    due = _due()
    if not allowed:
        with pytest.raises(PermissionDenied):
            workflow.assign(assignment, user, other_writer, due)
        assert _snapshot(assignment) == before
        return
    workflow.assign(assignment, user, other_writer, due, "Call the mayor's office first.")
    fresh = Assignment.objects.get(pk=assignment.pk)
    assert (fresh.state, fresh.assignee, fresh.due_at) == ("assigned", other_writer, due)
    assert fresh.events.last().comment == "Call the mayor's office first."


def test_assigning_emails_the_writer_after_the_commit(django_capture_on_commit_callbacks, editor, other_writer):
    assignment = AssignmentFactory(title="Bridge repairs overrun", notes="Ask about the steel.")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.assign(assignment, editor, other_writer, _due())
    [message] = mail.outbox
    assert message.to == [other_writer.email]
    assert "Bridge repairs overrun" in message.subject
    assert "Ask about the steel." in message.body


def test_an_editor_reassigns(editor, writer, other_writer):
    assignment = AssignmentFactory(assigned=True, assignee=writer)
    workflow.assign(assignment, editor, other_writer, _due())
    fresh = Assignment.objects.get(pk=assignment.pk)
    assert fresh.assignee == other_writer
    assert fresh.events.last().from_state == "assigned"


@pytest.mark.parametrize("assignee", ["moderator", None])
def test_only_a_writer_may_be_assigned(request, editor, assignee):
    person = request.getfixturevalue(assignee) if assignee else None
    assignment = AssignmentFactory()
    before = _snapshot(assignment)
    with pytest.raises(workflow.TransitionError):
        workflow.assign(assignment, editor, person, _due())
    assert _snapshot(assignment) == before


def test_an_assignment_needs_a_due_time(editor, writer):
    assignment = AssignmentFactory()
    with pytest.raises(workflow.TransitionError):
        workflow.assign(assignment, editor, writer, None)
    assert Assignment.objects.get(pk=assignment.pk).state == "pitched"


@pytest.mark.parametrize(
    ("person", "allowed"),
    [("writer", False), ("other_writer", False), ("editor", True), ("moderator", False), ("admin_user", True)],
)
def test_who_may_decline(request, person, allowed):
    user = request.getfixturevalue(person)
    assignment = AssignmentFactory()
    before = _snapshot(assignment)
    if not allowed:
        with pytest.raises(PermissionDenied):
            workflow.decline(assignment, user, "We covered it last week.")
        assert _snapshot(assignment) == before
        return
    workflow.decline(assignment, user, "We covered it last week.")
    fresh = Assignment.objects.get(pk=assignment.pk)
    assert fresh.state == "declined"
    assert fresh.events.last().comment == "We covered it last week."


def test_declining_needs_a_reason(editor):
    assignment = AssignmentFactory()
    before = _snapshot(assignment)
    with pytest.raises(workflow.TransitionError):
        workflow.decline(assignment, editor, "  ")
    assert _snapshot(assignment) == before


@pytest.mark.parametrize(
    ("person", "allowed"),
    [("writer", True), ("other_writer", False), ("editor", True), ("moderator", False), ("admin_user", True)],
)
def test_who_may_start_the_story(request, person, allowed, writer):
    user = request.getfixturevalue(person)
    desk = SectionFactory(name="City")
    assignment = AssignmentFactory(assigned=True, assignee=writer, desk=desk, title="Bridge repairs overrun")
    before = _snapshot(assignment)
    if not allowed:
        with pytest.raises(PermissionDenied):
            workflow.start_story(assignment, user)
        assert _snapshot(assignment) == before
        return
    story = workflow.start_story(assignment, user)
    story.refresh_from_db()
    assert (story.title, story.section, story.status, story.created_by) == (
        "Bridge repairs overrun",
        desk,
        Status.DRAFT,
        writer,
    )
    assert list(story.authors.all()) == [writer]
    assert Assignment.objects.get(pk=assignment.pk).story == story


# Every (state, move) that the rules refuse, and a refused move changes nothing.
REFUSED = [
    ("pitched", "start"),
    ("declined", "assign"),
    ("declined", "decline"),
    ("declined", "start"),
    ("filed", "assign"),
    ("filed", "decline"),
    ("filed", "start"),
    ("started", "assign"),
    ("started", "decline"),
    ("started", "start"),
]


@pytest.mark.parametrize(("state", "move"), REFUSED)
def test_a_move_from_the_wrong_state_changes_nothing(editor, writer, state, move):
    assignment = AssignmentFactory(state=AssignmentState.ASSIGNED if state == "started" else state, assignee=writer)
    if state == "started":
        workflow.start_story(assignment, writer)
    before = _snapshot(assignment)
    with pytest.raises(workflow.TransitionError):
        match move:
            case "assign":
                workflow.assign(assignment, editor, writer, _due())
            case "decline":
                workflow.decline(assignment, editor, "No room this week.")
            case "start":
                workflow.start_story(assignment, editor)
    assert _snapshot(assignment) == before


def test_submitting_the_story_files_its_assignment(writer):
    assignment = AssignmentFactory(assigned=True, assignee=writer)
    story = workflow.start_story(assignment, writer)
    HighlightFactory(story=story)
    workflow.submit_for_review(story, writer)
    fresh = Assignment.objects.get(pk=assignment.pk)
    assert fresh.state == "filed"
    event = fresh.events.last()
    assert (event.from_state, event.to_state, event.actor) == ("assigned", "filed", writer)


def test_a_refused_submission_leaves_the_assignment_as_it_was(writer):
    assignment = AssignmentFactory(assigned=True, assignee=writer)
    story = workflow.start_story(assignment, writer)  # no highlights: cannot go to review
    events = AssignmentEvent.objects.count()
    with pytest.raises(workflow.TransitionError):
        workflow.submit_for_review(story, writer)
    assert Assignment.objects.get(pk=assignment.pk).state == "assigned"
    assert AssignmentEvent.objects.count() == events


def test_a_story_without_an_assignment_submits_as_before(writer):
    story = Story.objects.create(title="Unplanned", slug="unplanned", created_by=writer)
    HighlightFactory(story=story)
    workflow.submit_for_review(story, writer)
    assert Story.objects.get(pk=story.pk).status == Status.REVIEW
    assert not AssignmentEvent.objects.exists()
