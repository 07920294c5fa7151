"""The editorial workflow's rules, straight against stories/workflow.py."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from stories import workflow
from stories.models import Status, Story, StoryTransition
from tests.factories import HighlightFactory, StoryFactory
from tests.workflow_helpers import NEEDS_COMMENT, RIGHTS, ROLES, SOURCE, STATES, TARGET, make_story

# Every test here uses the database (some only through request.getfixturevalue).
pytestmark = pytest.mark.django_db


def run(name, story, user):
    if name in NEEDS_COMMENT:
        return getattr(workflow, name)(story, user, "Please tighten the second paragraph.")
    return getattr(workflow, name)(story, user)


def snapshot(story):
    row = Story.objects.get(pk=story.pk)
    return row.status, row.published_at, StoryTransition.objects.filter(story=story).count()


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("name", list(SOURCE))
@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_make_exactly_the_moves_of_the_table(request, role, name, state, writer):
    user = request.getfixturevalue(role)
    story = make_story(state, writer)
    before = snapshot(story)
    allowed_state = SOURCE[name] == ("published" if state == "scheduled" else state)

    if role not in RIGHTS[name]:
        with pytest.raises(PermissionDenied):
            run(name, story, user)
        assert snapshot(story) == before
    elif not allowed_state:
        with pytest.raises(workflow.TransitionError):
            run(name, story, user)
        assert snapshot(story) == before
    else:
        run(name, story, user)
        story.refresh_from_db()
        assert story.status == TARGET[name]
        audit = StoryTransition.objects.get(story=story)
        assert (audit.from_status, audit.to_status, audit.actor) == (SOURCE[name], TARGET[name], user)


@pytest.mark.parametrize("role", ROLES)
def test_available_transitions_match_the_rights(request, role, writer):
    user = request.getfixturevalue(role)
    for state in ["draft", "review", "published", "killed"]:
        story = make_story(state, writer)
        offered = {t.name for t in workflow.available_transitions(user, story)}
        expected = {name for name, source in SOURCE.items() if source == state and role in RIGHTS[name]}
        assert offered == expected, (role, state)


def test_a_writer_named_only_in_the_byline_may_submit(other_writer, writer):
    story = StoryFactory(created_by=writer)
    story.authors.add(other_writer)
    workflow.submit_for_review(story, other_writer)
    assert Story.objects.get(pk=story.pk).status == Status.REVIEW


@pytest.mark.parametrize("count", [0, 6])
def test_a_story_leaves_draft_only_with_one_to_five_highlights(editor, count):
    story = StoryFactory(highlights=[])
    HighlightFactory.create_batch(count, story=story)
    with pytest.raises(workflow.TransitionError, match="1 to 5 highlights"):
        workflow.submit_for_review(story, editor)
    assert snapshot(story) == (Status.DRAFT, None, 0)


@pytest.mark.parametrize("count", [1, 5])
def test_one_and_five_highlights_are_both_enough(editor, count):
    story = StoryFactory(highlights=[])
    HighlightFactory.create_batch(count, story=story)
    workflow.submit_for_review(story, editor)
    workflow.publish(story, editor)
    assert Story.objects.published().filter(pk=story.pk).exists()


def test_publishing_needs_the_highlights_rule_too(editor):
    story = StoryFactory(in_review=True, highlights=[])
    with pytest.raises(workflow.TransitionError):
        workflow.publish(story, editor)
    assert snapshot(story) == (Status.REVIEW, None, 0)


@pytest.mark.parametrize("comment", ["", "   "])
@pytest.mark.parametrize("name", ["request_changes", "unpublish"])
def test_sending_back_and_unpublishing_need_a_comment(editor, name, comment):
    story = StoryFactory(in_review=True) if name == "request_changes" else StoryFactory(published=True)
    before = snapshot(story)
    with pytest.raises(workflow.TransitionError, match="needs"):
        getattr(workflow, name)(story, editor, comment)
    assert snapshot(story) == before


def test_a_refused_move_changes_nothing_not_even_the_object_in_hand(editor):
    story = StoryFactory(published=True)
    published_at = story.published_at
    with pytest.raises(workflow.TransitionError):
        workflow.publish(story, editor, at=timezone.now() + timedelta(days=2))
    assert (story.status, story.published_at) == (Status.PUBLISHED, published_at)
    assert snapshot(story) == (Status.PUBLISHED, published_at, 0)


def test_a_scheduled_story_goes_live_at_its_time_with_no_job(editor):
    story = StoryFactory(in_review=True)
    at = timezone.now() + timedelta(hours=2)
    workflow.publish(story, editor, at=at)
    assert story.is_scheduled
    assert not Story.objects.published().filter(pk=story.pk).exists()
    assert Story.objects.scheduled().filter(pk=story.pk).exists()

    later = at + timedelta(seconds=1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(timezone, "now", lambda: later)
        assert Story.objects.published().filter(pk=story.pk).exists()
        assert not Story.objects.scheduled().filter(pk=story.pk).exists()


def test_publishing_with_a_past_time_backdates(editor):
    story = StoryFactory(in_review=True)
    at = timezone.now() - timedelta(days=30)
    workflow.publish(story, editor, at=at)
    assert Story.objects.get(pk=story.pk).published_at == at
    assert Story.objects.published().filter(pk=story.pk).exists()


def test_a_naive_publication_time_is_refused(editor):
    story = StoryFactory(in_review=True)
    with pytest.raises(workflow.TransitionError, match="time zone"):
        workflow.publish(story, editor, at=timezone.now().replace(tzinfo=None))
    assert snapshot(story) == (Status.REVIEW, None, 0)


def test_unpublishing_a_scheduled_story_cancels_its_schedule(editor):
    story = StoryFactory(scheduled=True)
    workflow.unpublish(story, editor, "Embargo lifted by the source; hold it.")
    story.refresh_from_db()
    assert (story.status, story.published_at) == (Status.DRAFT, None)


def test_the_system_may_act_without_a_user_and_is_recorded_as_no_one(db):
    story = StoryFactory(in_review=True)
    workflow.publish(story, None, at=timezone.now() - timedelta(hours=1))
    assert StoryTransition.objects.get(story=story).actor is None


def test_a_move_from_a_stale_copy_is_refused(editor):
    story = StoryFactory(in_review=True)
    stale = Story.objects.get(pk=story.pk)
    workflow.publish(story, editor)
    with pytest.raises(workflow.TransitionError, match="published"):
        workflow.request_changes(stale, editor, "Too late")
    assert StoryTransition.objects.filter(story=story).count() == 1
