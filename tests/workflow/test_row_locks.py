"""Two people press a button on the same story at the same moment: exactly one wins."""

import threading

import pytest
from django.db import close_old_connections, connection

from stories import workflow
from stories.models import Status, Story, StoryTransition
from tests.factories import StoryFactory


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL; SQLite serialises writers")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("moves", [("publish", "request_changes"), ("publish", "publish")])
def test_two_simultaneous_transitions_exactly_one_wins(editor, admin_user, moves):
    story = StoryFactory(in_review=True)
    barrier = threading.Barrier(2)
    outcomes = []

    def press(name, user):
        try:
            copy = Story.objects.get(pk=story.pk)  # each thread has its own connection
            barrier.wait(timeout=10)
            if name == "publish":
                workflow.publish(copy, user)
            else:
                workflow.request_changes(copy, user, "Not yet.")
            outcomes.append(("won", name))
        except workflow.TransitionError as exc:
            outcomes.append(("refused", exc.code))
        finally:
            close_old_connections()
            connection.close()

    threads = [
        threading.Thread(target=press, args=(moves[0], editor)),
        threading.Thread(target=press, args=(moves[1], admin_user)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(kind for kind, _ in outcomes) == ["refused", "won"]
    assert [detail for kind, detail in outcomes if kind == "refused"] == ["wrong_state"]
    winner = next(name for kind, name in outcomes if kind == "won")
    assert Story.objects.get(pk=story.pk).status == (Status.PUBLISHED if winner == "publish" else Status.DRAFT)
    assert StoryTransition.objects.filter(story=story).count() == 1


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL; SQLite serialises writers")
@pytest.mark.django_db(transaction=True)
def test_two_editors_starting_live_coverage_at_once_start_it_once(editor, admin_user):
    story = StoryFactory(published=True)
    barrier = threading.Barrier(2)
    outcomes = []

    def press(user):
        try:
            copy = Story.objects.get(pk=story.pk)
            barrier.wait(timeout=10)
            workflow.start_live(copy, user)
            outcomes.append("won")
        except workflow.TransitionError as exc:
            outcomes.append(exc.code)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=press, args=(user,)) for user in (editor, admin_user)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(outcomes) == ["already_live", "won"]
    assert StoryTransition.objects.filter(story=story).count() == 1
