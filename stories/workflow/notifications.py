"""Emails to the people who have to act next, queued after a move commits (stories.tasks.send_email)."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from ..models import Story, display_name
from ..tasks import send_email
from .rights import PERMISSION_BACKEND

logger = logging.getLogger(__name__)


def notify(name: str, story: Story, actor, comment: str) -> None:
    """Email the people who have to act next. Failures are logged (and the email retried), never raised."""
    link = settings.SITE_URL.rstrip("/") + reverse("admin:stories_story_change", args=[story.pk])
    if name == "submit_for_review":
        recipients = _editors()
        subject = f"In review: {story.title}"
        who = display_name(actor) if actor else "The system"
        message = f"{who} submitted “{story.title}” for review.\n\n{link}\n"
    elif name == "propose_revision":
        recipients = _editors()
        subject = f"Changes to review: {story.title}"
        who = display_name(actor) if actor else "The system"
        note = f"\n\n{comment}" if comment else ""
        message = (
            f"{who} proposed changes to the live story “{story.title}”. Readers keep the live text until an "
            f"editor publishes them.{note}\n\n{link}\n"
        )
    elif name == "request_changes":
        people = {story.created_by, *story.authors.all()} - {None}
        recipients = [p.email for p in people if p.email and p.is_active]
        subject = f"Changes requested: {story.title}"
        message = f"An editor asked for changes to “{story.title}”:\n\n{comment}\n\n{link}\n"
    else:
        return
    if not recipients:
        return
    queue_email(subject, message, sorted(set(recipients)), what=f"the {name} notification for story {story.pk}")


def queue_email(subject: str, message: str, recipients: list[str], what: str) -> None:
    """Hand one email to the task queue; a failure is logged, never raised (the move has committed)."""
    try:
        send_email.enqueue(subject=subject, message=message, recipients=recipients)
    except Exception:
        logger.exception("Could not queue %s", what)


def _editors() -> list[str]:
    """The addresses of whoever may publish (the Editors role): found by the right, not by a group's name."""
    return list(
        get_user_model()
        .objects.with_perm("stories.publish_story", include_superusers=False, backend=PERMISSION_BACKEND)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
