"""A save and a transition at the same moment: the save lands on the state it was made for, or is refused.

A writer pressing Save (deleting every highlight) and "Submit for review" at the same time used to put
the edit onto a story already in review, 7 times in 8, and leave it in review with no highlights: the
transition did not move the edit version on, so the save, checked against that version, went through.
Every transition (and the import's publishing) now moves the version on, and the admin form checks
state and rights under the row lock it takes.
"""

import random
import threading
import time
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from harness.servers import ON_POSTGRES
from stories import workflow
from stories.admin import stories as story_admin
from stories.models import Status, Story
from tests.factories import StoryFactory
from tests.story_admin_helpers import change_url, story_form_data, transition_url

CONFLICT = "Someone else saved this story while you were editing"

# Every transition of the workflow: the state it starts from, and how it is made (by an editor).
TRANSITIONS = {
    "submit_for_review": ({}, lambda story, editor: workflow.submit_for_review(story, editor)),
    "request_changes": ({"in_review": True}, lambda story, editor: workflow.request_changes(story, editor, "More.")),
    "publish": ({"in_review": True}, lambda story, editor: workflow.publish(story, editor)),
    "schedule": (
        {"in_review": True},
        lambda story, editor: workflow.publish(story, editor, at=datetime(2999, 1, 1, tzinfo=UTC)),
    ),
    "unpublish": ({"published": True}, lambda story, editor: workflow.unpublish(story, editor, "Wrong.")),
    "withdraw": ({"in_review": True}, lambda story, editor: workflow.withdraw(story, editor)),
    "kill": ({"published": True}, lambda story, editor: workflow.kill(story, editor, "Removed on legal advice.")),
    "publish_imported": (
        {},
        lambda story, editor: workflow.publish_imported([(story, datetime(2026, 3, 3, tzinfo=UTC))], editor),
    ),
}


CORRECTIONS_NONE = {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0, "MIN_NUM_FORMS": 0, "MAX_NUM_FORMS": 1000}


def test_the_table_covers_every_transition_of_the_workflow():
    # Reinstating starts from a killed story, which only a superuser edits: tests/workflow/test_lifecycle.py.
    assert set(workflow.TRANSITIONS) - {"reinstate"} <= set(TRANSITIONS)


@pytest.mark.django_db
@pytest.mark.parametrize("name", TRANSITIONS)
def test_every_transition_moves_the_edit_version_on(editor, name):
    state, move = TRANSITIONS[name]
    story = StoryFactory(**state)
    move(story, editor)
    assert story.version == 2
    story.refresh_from_db()
    assert story.version == 2


@pytest.mark.django_db
@pytest.mark.parametrize("name", TRANSITIONS)
def test_a_save_from_a_form_opened_before_a_transition_is_an_edit_conflict(client, editor, admin_user, name):
    state, move = TRANSITIONS[name]
    story = StoryFactory(title="Before", **state)
    opened = story_form_data(story, title="Edited on the old page", highlights=["Only this one."])
    # As if the page had the corrections too, so nothing but the version can stop the save.
    opened.update({f"corrections-{k}": v for k, v in CORRECTIONS_NONE.items()})

    move(Story.objects.get(pk=story.pk), admin_user)
    client.force_login(editor)
    response = client.post(change_url(story), opened, follow=True)

    if name == "kill":  # a killed story is a superuser's to edit: the editor is refused outright
        assert response.status_code == 403
    else:
        assert CONFLICT in response.content.decode()
    story.refresh_from_db()
    assert story.title == "Before"
    assert story.highlights.count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize("person", ["writer", "editor"])
def test_a_submit_slipping_in_while_the_save_runs_is_caught_under_the_lock(client, request, monkeypatch, person):
    """The race, in one process: the transition commits after the save read the story, before it locked it."""
    user = request.getfixturevalue(person)
    story = StoryFactory(title="Before", created_by=user, authors=[user])
    # The writer's Save: a new headline, and every highlight deleted (a draft may have none).
    data = story_form_data(story, title="Saved as a draft", highlights=[])
    original_get_object = story_admin.StoryAdmin.get_object

    def get_object_then_submit(admin, *args, **kwargs):
        found = original_get_object(admin, *args, **kwargs)
        workflow.submit_for_review(Story.objects.get(pk=story.pk), user)
        return found

    client.force_login(user)
    monkeypatch.setattr(story_admin.StoryAdmin, "get_object", get_object_then_submit)
    response = client.post(change_url(story), data, follow=True)
    monkeypatch.undo()

    assert CONFLICT in response.content.decode()
    story.refresh_from_db()
    assert story.status == Status.REVIEW
    assert story.title == "Before"
    assert story.highlights.count() == 3


@pytest.mark.django_db
def test_a_submit_after_the_save_sees_the_saved_highlights(client, writer):
    story = StoryFactory(created_by=writer, authors=[writer])
    client.force_login(writer)
    assert client.post(change_url(story), story_form_data(story, highlights=[])).status_code == 302
    with pytest.raises(workflow.TransitionError) as refused:
        workflow.submit_for_review(Story.objects.get(pk=story.pk), writer)
    assert refused.value.code == "highlights"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["submit_for_review", "publish", "unpublish", "publish_imported"])
def test_restoring_a_revision_opened_before_a_transition_is_refused(client, editor, admin_user, name):
    state, move = TRANSITIONS[name]
    story = StoryFactory(title="First", **state)
    client.force_login(editor)
    for title in ["Second", "Third"]:
        assert client.post(change_url(story), story_form_data(story, title=title)).status_code == 302
        story.refresh_from_db()
    oldest = Version.objects.get_for_object(story).last()
    opened_at = story.version

    move(Story.objects.get(pk=story.pk), admin_user)
    url = reverse("admin:stories_story_restore", args=[story.pk, oldest.pk])
    response = client.post(url, {"base_version": opened_at}, follow=True)

    assert CONFLICT in response.content.decode()
    story.refresh_from_db()
    assert story.title == "Third"


# --- On PostgreSQL, for real: two requests, two connections, at the same moment ---------------------------

ROUNDS = 40


def _together(presses):
    """POST each (client, url, data, delay) from its own thread and connection, released together."""
    barrier = threading.Barrier(len(presses))
    responses = {}

    def press(name, client, url, data, delay):
        try:
            barrier.wait(timeout=30)
            time.sleep(delay)
            responses[name] = client.post(url, data, follow=True)
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(name, *args)) for name, args in presses.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return responses


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="row locks need PostgreSQL; SQLite serialises writers")
@pytest.mark.django_db(transaction=True)
def test_save_and_submit_pressed_together_never_leave_an_edit_on_a_story_in_review(writer):
    saver, submitter = Client(), Client()
    saver.force_login(writer)
    submitter.force_login(writer)
    rng = random.Random(14)

    for round_ in range(ROUNDS):
        story = StoryFactory(title="Before", created_by=writer, authors=[writer])
        edit = story_form_data(story, title=f"Saved in round {round_}", highlights=[])
        # The submit starts up to 30 ms after the save, so that either may win the row lock (both do, over the rounds).
        responses = _together(
            {
                "save": (saver, change_url(story), edit, 0),
                "submit": (submitter, transition_url(story, "submit_for_review"), {}, rng.uniform(0, 0.03)),
            }
        )

        story.refresh_from_db()
        highlights = story.highlights.count()
        saved = story.title == f"Saved in round {round_}"
        page = responses["save"].content.decode()
        if story.status == Status.REVIEW:
            # The submit won: the save, made for a draft, was refused and changed nothing.
            assert not saved, round_
            assert 1 <= highlights <= 5, round_
            assert CONFLICT in page or responses["save"].status_code == 403, round_
        else:
            # The save won while the story was a draft; the submit then saw no highlights and was refused.
            assert story.status == Status.DRAFT, round_
            assert saved and highlights == 0, round_
