"""The story form costs the same number of queries whatever the story has gathered: highlights, revisions, moves,
people on its byline and on the desk, notices, held changes, an autosave."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stories import revisions, workflow
from stories.models import StoryAutosave
from tests.factories import HighlightFactory, StoryFactory, UserFactory
from tests.story_admin_helpers import change_url

pytestmark = pytest.mark.django_db


def _story(writer, editor, many):
    """A draft of `writer`'s sent back by `editor`: with one of everything, or with many."""
    n = 5 if many else 1
    story = StoryFactory(created_by=writer, highlights=[])
    for i in range(n):
        HighlightFactory(story=story, position=i + 1)
    people = [writer] + [UserFactory(role="Writers") for _ in range(n - 1)]
    people += [UserFactory(role="Editors") for _ in range(n - 1)]
    story.authors.set(people)
    for i in range(n):
        revisions.record(story, writer, f"Saved {i}.")
        workflow.submit_for_review(story, writer)
        workflow.request_changes(story, editor, f"Request {i}.")
    StoryAutosave.objects.create(story=story, user=writer, data=[["title", "Kept"]])
    return story


def _count(client, user, story):
    client.force_login(user)
    client.get(change_url(story))  # the session and the permission caches warm up as on any later visit
    with CaptureQueriesContext(connection) as queries:
        response = client.get(change_url(story))
    assert response.status_code == 200
    assert 'class="workflow-panel"' in response.content.decode()
    return len(queries)


@pytest.mark.parametrize("role", ["writer", "editor"])
def test_the_story_form_costs_the_same_queries_with_one_or_many_of_everything(request, client, writer, editor, role):
    user = request.getfixturevalue(role)
    one = _count(client, user, _story(writer, editor, many=False))
    many = _count(client, user, _story(writer, editor, many=True))
    assert one == many, f"{role}: {one} queries with one of each, {many} with many"
