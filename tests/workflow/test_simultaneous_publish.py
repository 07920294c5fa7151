"""Fifty editors pressing "Publish" on one story at the same moment: one transition, one audit row.

Each attempt runs in its own thread with its own database connection, so the
row lock in `workflow.publish` is what keeps them apart. SQLite serialises
whole-database writes and cannot show a race; this runs on PostgreSQL.
"""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.utils.crypto import get_random_string

from harness.servers import ON_POSTGRES, Browser, Site, production_env
from stories import workflow
from stories.models import Status, Story, StoryTransition
from tests.factories import StoryFactory
from tests.story_admin_helpers import transition_url

ATTEMPTS = 50
PORT = 8153

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(
        not ON_POSTGRES,
        reason="needs PostgreSQL: SQLite cannot run these writers at the same time",
    ),
]


def _all_at_once(attempt, count=ATTEMPTS):
    """Run `attempt()` in `count` threads released together; return what each returned or raised."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        try:
            barrier.wait(timeout=30)
            results[i] = attempt()
        except Exception as exc:  # collected and asserted on by the caller
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_publishes_make_one_transition(editor):
    story = StoryFactory(in_review=True)

    def publish():
        return workflow.publish(Story.objects.get(pk=story.pk), editor)

    results = _all_at_once(publish)

    published = [r for r in results if isinstance(r, Story)]
    refused = [r for r in results if isinstance(r, workflow.TransitionError)]
    assert len(published) == 1, [r for r in results if not isinstance(r, Story | workflow.TransitionError)]
    assert len(refused) == ATTEMPTS - 1
    assert all(e.code == "wrong_state" for e in refused)
    story.refresh_from_db()
    assert story.status == Status.PUBLISHED
    transitions = StoryTransition.objects.filter(story=story)
    assert transitions.count() == 1
    assert transitions.get().to_status == Status.PUBLISHED


@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_publish_buttons_in_the_admin_make_one_transition(editor, tmp_path, settings):
    story = StoryFactory(in_review=True)
    staff = Client()
    staff.force_login(editor)
    # The site in its own processes (gunicorn, 50 request threads) on the test database.
    db = connection.settings_dict
    env = production_env(
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        tmp_path / "static",
        DEBUG="on",
        SECRET_KEY=settings.SECRET_KEY,
    )
    site = Site(env, PORT, tmp_path / "site.log", workers=2, threads=ATTEMPTS // 2)
    site.start()
    # An unmasked CSRF secret is a valid token for its own cookie; no page needs rendering first.
    secret = get_random_string(32)
    url = transition_url(story, "publish")

    def press_publish():
        editor_tab = Browser(site.port, behind_tls_proxy=False, timeout=60)
        editor_tab.cookies = {"sessionid": staff.cookies["sessionid"].value, "csrftoken": secret}
        return editor_tab.post(url, {"csrfmiddlewaretoken": secret, "comment": ""}).status

    try:
        statuses = _all_at_once(press_publish)
    finally:
        site.stop()

    assert statuses == [302] * ATTEMPTS, site.output()[-2000:]
    story.refresh_from_db()
    assert story.status == Status.PUBLISHED
    transitions = StoryTransition.objects.filter(story=story)
    assert transitions.count() == 1
    assert transitions.get().actor == editor
