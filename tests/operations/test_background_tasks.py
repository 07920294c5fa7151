"""Emails and lead-image renditions leave the request as background tasks: queued in the database, run by the
worker, retried when the mail server or the storage fails, and the failures shown to editors."""

import contextlib

import pytest
from asgiref.local import Local
from django.core import mail
from django.core.files.storage import default_storage
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.tasks import task_backends
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from harness.servers import child_env, manage, run_script
from stories import images, renditions, workflow
from tests.factories import StoryFactory
from tests.story_admin_helpers import change_url, png_upload, story_form_data

pytestmark = pytest.mark.django_db

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def _forget_task_backends():
    task_backends.__dict__.pop("settings", None)
    task_backends._connections = Local(task_backends.thread_critical)


@contextlib.contextmanager
def database_queue(**more):
    with override_settings(TASKS=DATABASE_QUEUE, TASK_RETRY_SECONDS=0, **more):
        _forget_task_backends()
        try:
            yield
        finally:
            _forget_task_backends()
    _forget_task_backends()


class MailServerDown(Exception):
    pass


class FailingBackend(EmailBackend):
    """The local outbox behind a mail server that refuses the next `failures` messages."""

    failures = 0

    def send_messages(self, messages):
        if FailingBackend.failures > 0:
            FailingBackend.failures -= 1
            raise MailServerDown("421 try again later")
        return super().send_messages(messages)


FAILING_MAIL = {"default": {"BACKEND": f"{__name__}.FailingBackend"}}


@pytest.fixture(autouse=True)
def keep_the_test_connection(monkeypatch):
    # The worker closes connections it finds inside a transaction between tasks: the test's own, here.
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")


def submit(writer, capture):
    story = StoryFactory(created_by=writer, title="Tram line approved")
    story.authors.add(writer)
    with capture(execute=True):
        workflow.submit_for_review(story, writer)
    return story


def test_the_editors_email_waits_in_the_queue_until_the_worker_sends_it(
    writer, editor, mailoutbox, django_capture_on_commit_callbacks
):
    with database_queue():
        submit(writer, django_capture_on_commit_callbacks)
        assert mailoutbox == []  # the request did not wait for the mail server
        queued = DBTaskResult.objects.get()
        assert queued.task_path == "stories.tasks.send_email"
        assert queued.status == "READY"
        run_worker()
    assert [m.subject for m in mail.outbox] == ["In review: Tram line approved"]
    assert mail.outbox[0].to == [editor.email]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_a_mail_server_that_fails_is_tried_again_and_editors_see_the_failure(
    writer, editor, client, mailoutbox, django_capture_on_commit_callbacks
):
    FailingBackend.failures = 1
    with database_queue(MAILERS=FAILING_MAIL):
        submit(writer, django_capture_on_commit_callbacks)
        run_worker()
    assert [m.subject for m in mail.outbox] == ["In review: Tram line approved"]  # once, on the second attempt
    attempts = list(DBTaskResult.objects.order_by("enqueued_at").values_list("status", flat=True))
    assert attempts == ["FAILED", "SUCCESSFUL"]

    client.force_login(editor)
    page = client.get("/admin/django_tasks_database/dbtaskresult/?status__exact=FAILED")
    assert page.status_code == 200
    html = page.content.decode()
    assert "send_email" in html and f"{__name__}.MailServerDown" in html


def test_after_the_last_attempt_the_email_stays_failed_and_is_not_queued_again(
    writer, editor, mailoutbox, django_capture_on_commit_callbacks
):
    FailingBackend.failures = 99
    with database_queue(MAILERS=FAILING_MAIL, TASK_ATTEMPTS=3):
        submit(writer, django_capture_on_commit_callbacks)
        run_worker()
    FailingBackend.failures = 0
    assert mail.outbox == []
    assert list(DBTaskResult.objects.values_list("status", flat=True)) == ["FAILED"] * 3


def test_a_retry_waits_longer_each_time(writer, editor, mailoutbox, django_capture_on_commit_callbacks):
    FailingBackend.failures = 99
    with database_queue(MAILERS=FAILING_MAIL), override_settings(TASK_RETRY_SECONDS=60):
        submit(writer, django_capture_on_commit_callbacks)
        run_worker()  # the first attempt fails; the second waits a minute
    FailingBackend.failures = 0
    failed, waiting = DBTaskResult.objects.order_by("enqueued_at")
    assert (failed.status, waiting.status) == ("FAILED", "READY")
    assert 55 <= (waiting.run_after - failed.finished_at).total_seconds() <= 65


def test_writers_and_moderators_do_not_see_the_tasks(client, writer, moderator):
    for person in (writer, moderator):
        client.force_login(person)
        assert client.get("/admin/django_tasks_database/dbtaskresult/").status_code == 403


def test_without_a_worker_the_email_is_sent_in_the_request_and_a_failure_is_only_logged(
    writer, editor, mailoutbox, caplog, django_capture_on_commit_callbacks, settings
):
    settings.MAILERS = FAILING_MAIL
    FailingBackend.failures = 1
    story = submit(writer, django_capture_on_commit_callbacks)  # the move is not undone or refused
    story.refresh_from_db()
    assert story.status == "review"
    assert "Could not send “In review: Tram line approved”" in caplog.text
    assert not DBTaskResult.objects.exists()  # nothing queued: the immediate backend ran it


@pytest.mark.slow
@pytest.mark.django_db(transaction=False)
def test_the_worker_command_sends_what_the_site_queued(tmp_path):
    outbox = tmp_path / "mail"
    outbox.mkdir()
    env = child_env(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}",
        TASKS_BACKEND="database",
        EMAIL_URL=f"filemail:///{outbox}",  # four slashes before an absolute path
    )
    manage(env, "migrate", "--noinput")
    manage(
        env,
        "shell",
        "-c",
        "from stories.tasks import send_email\n"
        "send_email.enqueue(subject='Queued', message='From the site', recipients=['desk@newsroom.invalid'])",
    )
    assert not any(outbox.iterdir())  # queued, not sent
    worker = run_script(env, "manage.py", "db_worker", "--batch", "--no-startup-delay", timeout=120)
    assert worker.returncode == 0, worker.stderr
    sent = [path.read_text() for path in outbox.iterdir()]
    assert len(sent) == 1 and "Subject: Queued" in sent[0]


# --- Renditions -------------------------------------------------------------------------------------------------


def upload_lead_image(client, editor, capture, size=(64, 48)):
    story = StoryFactory(published=True)
    client.force_login(editor)
    data = story_form_data(story, lead_image=png_upload("quay.png", size=size), lead_image_alt="The quay")
    with capture(execute=True):
        assert client.post(change_url(story), data).status_code == 302
    story.refresh_from_db()
    return story, renditions.names(story.lead_image.name, *size, images.focus_of(story))


def stored(names):
    return [name for name in names if default_storage.exists(name)]


def test_the_editors_save_queues_the_renditions_and_the_worker_makes_them(
    client, editor, django_capture_on_commit_callbacks
):
    with database_queue():
        _story, expected = upload_lead_image(client, editor, django_capture_on_commit_callbacks)
        assert stored(expected) == []  # the save did not wait for the images
        queued = DBTaskResult.objects.get()
        assert queued.task_path == "stories.renditions.make_renditions"
        run_worker()
    assert stored(expected) == expected
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_a_storage_that_fails_is_tried_again(client, editor, django_capture_on_commit_callbacks, monkeypatch):
    make = renditions.make
    failures = [OSError("the bucket did not answer")]

    def flaky(*args):
        if failures:
            raise failures.pop()
        return make(*args)

    monkeypatch.setattr(renditions, "make", flaky)
    with database_queue():
        _story, expected = upload_lead_image(client, editor, django_capture_on_commit_callbacks)
        run_worker()
    attempts = list(DBTaskResult.objects.order_by("enqueued_at").values_list("status", flat=True))
    assert attempts == ["FAILED", "SUCCESSFUL"]
    assert stored(expected) == expected


def test_an_image_replaced_before_the_worker_ran_has_nothing_to_make(
    client, editor, django_capture_on_commit_callbacks
):
    with database_queue():
        story, expected = upload_lead_image(client, editor, django_capture_on_commit_callbacks)
        default_storage.delete(story.lead_image.name)
        run_worker()
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert stored(expected) == []


def test_the_command_makes_what_is_missing_and_can_queue_it_instead(client, editor, django_capture_on_commit_callbacks):
    _story, expected = upload_lead_image(client, editor, django_capture_on_commit_callbacks)
    assert stored(expected) == expected  # made in the request: no worker in the test settings
    lost = expected[:3]
    for name in lost:
        default_storage.delete(name)
    call_command("make_renditions")
    assert stored(expected) == expected
    for name in lost:
        default_storage.delete(name)
    with database_queue():
        call_command("make_renditions", "--queue")
        assert stored(expected) == expected[3:]
        run_worker()
    assert stored(expected) == expected


def test_editors_find_the_tasks_under_background_tasks_on_the_desk(client, editor):
    client.force_login(editor)
    html = client.get("/admin/").content.decode()
    assert "Background tasks" in html
    assert "Tasks Database Backend" not in html
