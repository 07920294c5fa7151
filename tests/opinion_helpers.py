"""Helpers for the opinion tests: a valid form submission, built as the story page would."""

import re
import time

from django.urls import reverse

from stories import opinions


def form_data(story, seconds_ago: float = 60, **fields) -> dict:
    """What a reader's browser sends from the story page, the form shown `seconds_ago`."""
    data = {
        "author_name": "Ana Reader",
        "email": "",
        "body": "A sensible decision for the city, and long overdue.",
        "website": "",
        "started": opinions.form_token(story, issued_at=time.time() - seconds_ago),
    }
    data.update(fields)
    return data


def post_opinion(client, story, seconds_ago: float = 60, **fields):
    """POST an opinion to the story's form endpoint (a client without CSRF enforcement).

    Upper-case keywords (REMOTE_ADDR, HTTP_X_FORWARDED_FOR) describe the request, the rest are form fields.
    """
    meta = {key: value for key, value in fields.items() if key.isupper()}
    data = form_data(story, seconds_ago, **{key: value for key, value in fields.items() if not key.isupper()})
    return client.post(reverse("stories:post_opinion", args=[story.slug]), data, **meta)


def hidden_value(html: str, name: str) -> str:
    """The value of the hidden input `name` in a rendered page."""
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden {name} field in the page"
    return match.group(1)
