"""Emails to the people who have to act next, sent after a move commits."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.urls import reverse

from ..models import Story, display_name
from .rights import PERMISSION_BACKEND

logger = logging.getLogger(__name__)


def notify(name: str, story: Story, actor, comment: str) -> None:
    """Email the people who have to act next. Mail failures are logged, never raised."""
    link = settings.SITE_URL.rstrip("/") + reverse("admin:stories_story_change", args=[story.pk])
    if name == "submit_for_review":
        # Whoever may publish (the Editors role) reviews; found by the right, not by a group's name.
        recipients = list(
            get_user_model()
            .objects.with_perm("stories.publish_story", include_superusers=False, backend=PERMISSION_BACKEND)
            .exclude(email="")
            .values_list("email", flat=True)
            .distinct()
        )
        subject = f"In review: {story.title}"
        who = display_name(actor) if actor else "The system"
        message = f"{who} submitted “{story.title}” for review.\n\n{link}\n"
    elif name == "request_changes":
        people = {story.created_by, *story.authors.all()} - {None}
        recipients = [p.email for p in people if p.email and p.is_active]
        subject = f"Changes requested: {story.title}"
        message = f"An editor asked for changes to “{story.title}”:\n\n{comment}\n\n{link}\n"
    else:
        return
    if not recipients:
        return
    try:
        send_mail(subject, message, None, sorted(set(recipients)))
    except Exception:  # a mail outage must not undo or hide a committed transition
        logger.exception("Could not send the %s notification for story %s", name, story.pk)
