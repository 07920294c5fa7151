"""Signed preview links: an address where someone without an account can read a story not yet public.

Editors make them in the desk (StoryAdmin.preview_link_view); the reader site opens them (views.story_preview_link).
"""

from django.conf import settings
from django.core.signing import BadSignature, TimestampSigner
from django.urls import reverse

SALT = "stories.preview"
# The largest key a BigAutoField holds: a larger number names no story.
MAX_ID = 2**63 - 1


def link_for(story) -> str:
    """A signed address, valid for PREVIEW_LINK_MAX_AGE seconds, where anyone may read `story` as it stands."""
    token = TimestampSigner(salt=SALT).sign(str(story.pk))
    return reverse("stories:preview-link", args=[token])


def story_key(token: str) -> int | None:
    """The story key a preview token carries, or None when it is expired, tampered with or out of range."""
    try:
        pk = TimestampSigner(salt=SALT).unsign(token, max_age=settings.PREVIEW_LINK_MAX_AGE)
    except BadSignature:  # SignatureExpired is a BadSignature too
        return None
    # Signed by us, so a key we wrote; bounded all the same, like every number in an address.
    if not (pk.isascii() and pk.isdigit() and len(pk) <= len(str(MAX_ID)) and 1 <= int(pk) <= MAX_ID):
        return None
    return int(pk)
