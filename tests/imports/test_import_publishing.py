"""Publishing imported stories: every move audited, a few queries per group, no review email, rights checked."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from stories import workflow
from stories.models import Status, Story
from tests.factories import StoryFactory

pytestmark = pytest.mark.django_db

MARCH_3 = datetime(2026, 3, 3, 9, 5, tzinfo=UTC)


def document(n):
    return f"Mar 3, 2026, 9:05 AM\n\nStory number {n}\n\nHighlights\n- A point.\nStory\n\nA paragraph.\n".encode()


def test_an_editor_publishing_on_the_import_page_emails_nobody(
    client, editor, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    files = [SimpleUploadedFile(f"{n}.txt", document(n), content_type="text/plain") for n in range(3)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(reverse("admin:stories_story_import"), {"mode": "publish", "files": files})
    assert callbacks  # the cache purge ran; a review email would have been sent here too
    assert Story.objects.published().count() == 3
    assert mailoutbox == []


def test_a_draft_and_a_story_in_review_are_published_with_every_move_audited(editor):
    draft = StoryFactory()
    in_review = StoryFactory(in_review=True)

    workflow.publish_imported([(draft, MARCH_3), (in_review, MARCH_3)], editor)

    assert (draft.status, draft.published_at) == (Status.PUBLISHED, MARCH_3)
    assert list(draft.transitions.values_list("from_status", "to_status", "actor")) == [
        (Status.DRAFT, Status.REVIEW, editor.pk),
        (Status.REVIEW, Status.PUBLISHED, editor.pk),
    ]
    assert list(in_review.transitions.values_list("from_status", "to_status", "actor")) == [
        (Status.REVIEW, Status.PUBLISHED, editor.pk),
    ]
    assert Story.objects.published().count() == 2


def test_publishing_a_group_costs_the_same_few_queries_whatever_its_size(django_assert_max_num_queries):
    stories = [StoryFactory() for _ in range(30)]
    # Savepoint, lock, highlight count, update, audit rows, release; and for the purge, the stories' places
    # before and after (two each) and their neighbours (one).
    with django_assert_max_num_queries(11):
        workflow.publish_imported([(story, MARCH_3) for story in stories], None)
    assert Story.objects.published().count() == 30


def test_a_writer_may_not_publish_imported_stories(writer):
    story = StoryFactory(created_by=writer)
    with pytest.raises(PermissionDenied):
        workflow.publish_imported([(story, MARCH_3)], writer)
    story.refresh_from_db()
    assert story.status == Status.DRAFT
    assert not story.transitions.exists()


def test_one_story_breaking_the_highlights_rule_publishes_none(editor):
    good, bare = StoryFactory(), StoryFactory(highlights=[])
    with pytest.raises(workflow.TransitionError, match="highlights"):
        workflow.publish_imported([(good, MARCH_3), (bare, MARCH_3)], editor)
    assert not Story.objects.exclude(status=Status.DRAFT).exists()
