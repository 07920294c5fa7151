"""Who is emailed when a story moves."""

import pytest

from stories import workflow
from tests.factories import StoryFactory, UserFactory

# Every test here uses the database (some only through request.getfixturevalue).
pytestmark = pytest.mark.django_db


def test_editors_are_emailed_when_a_story_is_submitted(writer, editor, mailoutbox, django_capture_on_commit_callbacks):
    story = StoryFactory(created_by=writer, title="Tram line approved")
    story.authors.add(writer)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_for_review(story, writer)
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [editor.email]
    assert "In review: Tram line approved" in mail.subject
    assert f"/admin/stories/story/{story.pk}/change/" in mail.body


def test_the_writer_is_emailed_the_editors_comment(writer, editor, mailoutbox, django_capture_on_commit_callbacks):
    story = StoryFactory(created_by=writer, in_review=True)
    co_author = UserFactory(username="coauthor")
    story.authors.add(writer, co_author)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_changes(story, editor, "Check the vote count with the clerk.")
    assert len(mailoutbox) == 1
    assert sorted(mailoutbox[0].to) == sorted([writer.email, co_author.email])
    assert "Check the vote count with the clerk." in mailoutbox[0].body


def test_no_mail_leaves_before_the_transaction_commits(writer, editor, mailoutbox, django_capture_on_commit_callbacks):
    story = StoryFactory(created_by=writer)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflow.submit_for_review(story, writer)
    assert mailoutbox == []
    assert callbacks


def test_a_refused_move_sends_nothing(writer, editor, mailoutbox, django_capture_on_commit_callbacks):
    story = StoryFactory(created_by=writer, highlights=[])
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(workflow.TransitionError):
        workflow.submit_for_review(story, writer)
    assert mailoutbox == []
