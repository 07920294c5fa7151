"""What text a person may type, and how people are named."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator

from ..richtext import CONTROL_CHARACTERS

# --- What text a person may type -----------------------------------------------------------
# On the fields themselves, so that every ModelForm (the admin's among them) refuses with a message
# next to the field; the reader's opinion form and the importer apply the same rules.

_LINE_BREAKS = re.compile(r"[\r\n\t]")


def reject_control_characters(value: str) -> None:
    """Refuse characters that are not text (richtext.CONTROL_CHARACTERS): a form error, never a silent change."""
    found = CONTROL_CHARACTERS.search(value)
    if found:
        raise ValidationError(
            "Remove the invisible control characters from this text (the first is %(character)s, character %(at)d).",
            code="control_characters",
            params={"character": f"U+{ord(found[0]):04X}", "at": found.start() + 1},
        )


def reject_line_breaks(value: str) -> None:
    """Refuse line breaks and tabs in text that is one line: a headline, a name (a CRLF in one broke an email)."""
    if _LINE_BREAKS.search(value):
        raise ValidationError("Use a single line. Line breaks and tabs are not allowed here.", code="line_breaks")


# NUL is refused apart, in Django's own words (a form field refuses it first, with the same message).
TEXT_VALIDATORS = [ProhibitNullCharactersValidator(), reject_control_characters]
ONE_LINE_VALIDATORS = [*TEXT_VALIDATORS, reject_line_breaks]


def display_name(user) -> str:
    """How a person is named on the site and in the desk: full name, else username."""
    return user.get_full_name() or user.get_username()


def name_from(first_name: str, last_name: str, username: str) -> str:
    """`display_name` from a row's columns (a reader query reads no user instance): full name, else username."""
    return f"{first_name} {last_name}".strip() or username
