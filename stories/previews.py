"""Signed links: an address where someone without an account can read a story not yet public.

Preview links (editors share a draft or a scheduled story) and partner links (editors share an embargoed story
with a named outsider: an agency, a broadcaster, a partner paper). Editors make them in the desk
(StoryAdmin.preview_link_view, partner_link_view); the reader site opens them (views.story_preview_link,
views.partner_link). Neither opens a killed story: its address and its links answer 410 with the notice.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.signing import BadSignature, TimestampSigner
from django.urls import reverse
from django.utils import timezone

SALT = "stories.preview"
# Partner links are signed with a salt of their own: a preview token is never a partner token, nor the reverse.
PARTNER_SALT = "stories.partner"
# How long a partner link outlives the embargo it was made for: a day, so that a partner who opens it just
# after the embargo ends (time zones, a late shift) still reads the story they were sent.
PARTNER_LINK_GRACE = timedelta(days=1)
PARTNER_NAME_MAX_LENGTH = 120
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
    return _key(pk)


def _key(value) -> int | None:
    # Signed by us, so a key we wrote; bounded all the same, like every number in an address.
    pk = str(value)
    if not (pk.isascii() and pk.isdigit() and len(pk) <= len(str(MAX_ID)) and 1 <= int(pk) <= MAX_ID):
        return None
    return int(pk)


def partner_link_for(story, partner_name: str) -> str:
    """A signed address where the partner `partner_name` may read `story`, under embargo, until the embargo ends
    plus PARTNER_LINK_GRACE.

    The token signs the story's key, the partner's name (the page names them: a copy passed on says whose it
    was) and the embargo's end as it stands now. Not PREVIEW_LINK_MAX_AGE: an embargo may run for weeks (a
    report sent to partners a fortnight ahead), and a link must not die before the story may be published, nor
    live for long after. Should the desk extend the embargo, the link follows it (the later of the signed end
    and the story's current one); should an editor lift it, the link still ends a day after the signed end.
    """
    partner = " ".join(partner_name.split())
    if not partner:
        raise ValueError("A partner link needs the partner's name.")
    if story.embargo_until is None:
        raise ValueError("Only a story under embargo has partner links.")
    payload = {"s": story.pk, "p": partner, "e": int(story.embargo_until.timestamp())}
    token = TimestampSigner(salt=PARTNER_SALT).sign_object(payload)
    return reverse("stories:partner-link", args=[token])


def partner_grant(token: str) -> dict | None:
    """What a partner token grants: {"pk", "partner", "embargo_until"} (the end signed), or None when it is
    tampered with or malformed. Whether it is still valid depends on the story (`partner_link_valid`)."""
    try:
        payload = TimestampSigner(salt=PARTNER_SALT).unsign_object(token)
    except (BadSignature, ValueError):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("p"), str) or not isinstance(payload.get("e"), int):
        return None
    pk = _key(payload.get("s"))
    if pk is None or not payload["p"]:
        return None
    return {"pk": pk, "partner": payload["p"], "embargo_until": datetime.fromtimestamp(payload["e"], UTC)}


def partner_link_valid(grant: dict, current_embargo, now=None) -> bool:
    """Whether a partner link still opens: until the later of its signed embargo end and the story's current
    one, plus PARTNER_LINK_GRACE."""
    ends = max(filter(None, [grant["embargo_until"], current_embargo]))
    return (now or timezone.now()) <= ends + PARTNER_LINK_GRACE
