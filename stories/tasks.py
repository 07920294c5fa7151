"""Work that leaves the request: Django's tasks (`django.tasks`), queued per `TASKS_BACKEND`.

`make run` and the tests run each task at once, in the request that asked for it (Django's immediate
backend). In production `TASKS_BACKEND=database` queues them in the database (`django_tasks_db`) and
`manage.py db_worker` runs them, on any host. A task that fails is recorded as failed (editors see it
under "Background tasks" in the desk) and, where its backend can run a task later, queued again after
`TASK_RETRY_SECONDS`, doubled on each attempt, up to `TASK_ATTEMPTS` attempts in all.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.tasks.exceptions import InvalidTask
from django.utils import timezone

logger = logging.getLogger(__name__)


def retry_later(queued_task, attempt: int, **arguments) -> bool:
    """Queue `queued_task` again with `arguments` for attempt `attempt + 1`, later; False when it gives up."""
    if attempt >= settings.TASK_ATTEMPTS:
        return False
    delay = timedelta(seconds=settings.TASK_RETRY_SECONDS * 2 ** (attempt - 1))
    try:
        queued_task.using(run_after=timezone.now() + delay).enqueue(**arguments, attempt=attempt + 1)
    except InvalidTask:  # a backend that runs tasks at once cannot run one later
        return False
    return True


@task
def send_email(subject: str, message: str, recipients: list[str], attempt: int = 1) -> int:
    """Send one email; a mail server that fails is tried again later (see the module)."""
    try:
        return send_mail(subject, message, None, recipients)
    except Exception:
        again = retry_later(send_email, attempt, subject=subject, message=message, recipients=recipients)
        logger.exception(
            "Could not send “%s” (attempt %s of %s)%s",
            subject,
            attempt,
            settings.TASK_ATTEMPTS,
            "; it will be tried again" if again else "",
        )
        raise
