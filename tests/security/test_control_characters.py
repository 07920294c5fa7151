"""Control characters are refused in every text field a person fills, and dropped from rich text.

One vertical tab (what word processors paste for a line break) in a live headline
once took every feed down; a CRLF in a headline broke the review email. The class:
C0 controls other than tab, line feed and carriage return, DEL and the C1 controls,
the Unicode line and paragraph separators, the noncharacters (U+FFFE, U+FFFF and
the rest) and lone surrogates. Single-line fields refuse line breaks and tabs too.

Each character goes through every place text comes in: the model fields (whose
validators every ModelForm runs, the admin's included), the admin forms themselves,
the reader's opinion form, the plain-text importer and the rich-text cleaner.
"""

import re

import pytest
from django.core.exceptions import ValidationError
from django.forms import modelform_factory
from django.urls import reverse

from stories.importing import DocumentError, parse
from stories.models import BannedWord, Correction, Highlight, Opinion, Section, Story, Tag
from stories.richtext import sanitize_html
from tests.factories import StoryFactory
from tests.opinion_helpers import post_opinion
from tests.story_admin_helpers import change_url, story_form_data

pytestmark = pytest.mark.slow

NONCHARACTERS = ["\ufdd0", "\ufdef", "\ufffe", "\uffff", "\U0001fffe", "\U0001ffff", "\U0010fffe", "\U0010ffff"]
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
# Everything of the class that text sent over HTTP can carry (a lone surrogate cannot be encoded as UTF-8).
TYPEABLE = (
    [chr(c) for c in range(0x01, 0x20) if chr(c) not in "\t\n\r"]
    + [chr(c) for c in range(0x7F, 0xA0)]
    + ["\u2028", "\u2029"]
    + NONCHARACTERS
)
CONTROL_CHARACTERS = TYPEABLE + SURROGATES
LINE_BREAKS = ["\n", "\r", "\r\n", "\t", "\n\n"]
# Text that must stay welcome everywhere: accents, scripts, emoji, joiners, bidirectional marks, typography.
ORDINARY = [
    "Café au lait, naïve façade",
    "Zürich’s “new” tram — 31 to 12",
    "東京の路面電車",
    "مترو الأنفاق",
    "👩‍👩‍👧 family 🚋",
    "zero\u200bwidth, non\u200cjoiner, no\u2060break",
    "Ana\u202egnp.exe",
    "e\u0301 combining",
    "\U0001d54b\U0001d55d double-struck",
]

SINGLE_LINE = [
    (Story, "title"),
    (Story, "dateline"),
    (Story, "lead_image_alt"),
    (Story, "lead_image_caption"),
    (Highlight, "text"),
    (Section, "name"),
    (Tag, "name"),
    (Opinion, "author_name"),
    (BannedWord, "word"),
]
MULTI_LINE = [
    (Story, "standfirst"),
    (Correction, "text"),
    (Section, "description"),
    (Opinion, "body"),
]
FIELDS = SINGLE_LINE + MULTI_LINE


def _id(value):
    if isinstance(value, str):
        return "+".join(f"U+{ord(c):04X}" for c in value)
    if isinstance(value, tuple):
        return f"{value[0].__name__}.{value[1]}"
    return None


def _codes(field, value):
    """The error codes of the model field's own checks for `value` (empty when it is accepted)."""
    model, name = field
    try:
        model._meta.get_field(name).clean(value, None)
    except ValidationError as error:
        return {e.code for e in error.error_list}
    return set()


# --- The model fields: every ModelForm, the admin's included, runs these ----------------------


@pytest.mark.parametrize("field", FIELDS, ids=_id)
@pytest.mark.parametrize("character", CONTROL_CHARACTERS, ids=_id)
def test_every_text_field_refuses_each_control_character(field, character):
    assert _codes(field, f"Tram{character}line") == {"control_characters"}


@pytest.mark.parametrize("field", SINGLE_LINE, ids=_id)
@pytest.mark.parametrize("line_break", LINE_BREAKS, ids=_id)
def test_single_line_fields_refuse_line_breaks_and_tabs(field, line_break):
    assert _codes(field, f"Council votes{line_break}Set-Cookie: x=1") == {"line_breaks"}


@pytest.mark.parametrize("field", MULTI_LINE, ids=_id)
@pytest.mark.parametrize("line_break", LINE_BREAKS, ids=_id)
def test_multi_line_fields_keep_line_breaks_and_tabs(field, line_break):
    assert _codes(field, f"First paragraph.{line_break}Second paragraph.") == set()


@pytest.mark.parametrize("field", FIELDS, ids=_id)
@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_of_every_script_is_welcome_in_every_field(field, text):
    assert _codes(field, text) == set()


def test_the_message_names_the_character_and_where_it_is():
    with pytest.raises(ValidationError) as caught:
        Story._meta.get_field("title").clean("Council\x0bvotes", None)
    assert caught.value.messages == [
        "Remove the invisible control characters from this text (the first is U+000B, character 8)."
    ]


def test_the_validators_keep_their_names_in_stories_forms():
    from stories.forms import reject_control_characters, reject_line_breaks

    with pytest.raises(ValidationError):
        reject_control_characters("Ana\x1b[31m")
    with pytest.raises(ValidationError):
        reject_line_breaks("Ana\r\nLee")
    reject_control_characters("Ana\nLee")


# --- The admin's forms: an error next to the field, nothing saved ------------------------------

SAMPLE = ["\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\u2028", "\ufffe"]
STORY_FIELDS = ["title", "standfirst", "dateline", "lead_image_alt", "lead_image_caption"]


def _field_errors(response, name):
    assert response.status_code == 200, "the admin saved what it should have refused"
    return response.context["adminform"].form.errors.get(name, [])


@pytest.mark.django_db
@pytest.mark.parametrize("name", STORY_FIELDS)
@pytest.mark.parametrize("character", SAMPLE, ids=_id)
def test_the_story_form_shows_the_error_next_to_the_field(client, editor, name, character):
    client.force_login(editor)
    data = story_form_data(highlights=["It passed."], **{name: f"Council{character}votes"})
    response = client.post(reverse("admin:stories_story_add"), data)
    errors = _field_errors(response, name)
    assert any("control characters" in e and f"U+{ord(character):04X}" in e for e in errors), errors
    assert not Story.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["title", "dateline", "lead_image_alt", "lead_image_caption"])
def test_a_headline_with_a_line_break_never_reaches_the_review_email(client, editor, name):
    client.force_login(editor)
    data = story_form_data(highlights=["It passed."], **{name: "Council votes\r\nBcc: everyone@example.com"})
    response = client.post(reverse("admin:stories_story_add"), data)
    assert any("Use a single line." in e for e in _field_errors(response, name))
    assert not Story.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("character", [*SAMPLE, "\n"], ids=_id)
def test_a_highlight_with_a_control_character_or_line_break_is_refused(client, editor, character):
    client.force_login(editor)
    data = story_form_data(highlights=[f"It{character}passed."])
    response = client.post(reverse("admin:stories_story_add"), data)
    assert response.status_code == 200
    (highlights,) = [f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "highlights"]
    assert highlights.formset.errors[0]["text"]
    assert not Story.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("character", SAMPLE, ids=_id)
def test_a_correction_with_a_control_character_is_refused(client, editor, character):
    story = StoryFactory(published=True)
    client.force_login(editor)
    data = story_form_data(story, corrections=[("correction", f"We misspelt{character}the name.")])
    response = client.post(change_url(story), data)
    assert response.status_code == 200
    (corrections,) = [f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "corrections"]
    assert any("control characters" in e for e in corrections.formset.errors[0]["text"])
    assert not Correction.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url, data, name",
    [
        ("admin:stories_section_add", {"name": "City{}desk", "slug": "city", "position": "0"}, "name"),
        (
            "admin:stories_section_add",
            {"name": "City", "slug": "city", "position": "0", "description": "A{}B"},
            "description",
        ),
        ("admin:stories_tag_add", {"name": "tram{}line", "slug": "tram"}, "name"),
        ("admin:stories_bannedword_add", {"word": "cas{}ino"}, "word"),
    ],
)
@pytest.mark.parametrize("character", ["\x01", "\x1b", "\x7f", "\x9b", "\ufffe"], ids=_id)
def test_section_tag_and_banned_word_forms_refuse_control_characters(client, admin_user, url, data, name, character):
    client.force_login(admin_user)
    response = client.post(reverse(url), {key: value.format(character) for key, value in data.items()})
    assert any("control characters" in e for e in _field_errors(response, name))
    assert not (Section.objects.exists() or Tag.objects.exists() or BannedWord.objects.exists())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url, data",
    [("admin:stories_section_add", {"slug": "city", "position": "0"}), ("admin:stories_tag_add", {"slug": "tram"})],
)
def test_section_and_tag_names_refuse_line_breaks(client, admin_user, url, data):
    client.force_login(admin_user)
    response = client.post(reverse(url), {**data, "name": "City\r\ndesk"})
    assert any("Use a single line." in e for e in _field_errors(response, "name"))


# --- Opinions: the reader's form and any other ModelForm agree ---------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("character", TYPEABLE, ids=_id)
def test_the_reader_form_refuses_each_control_character(client, character):
    story = StoryFactory(published=True)
    for fields in ({"body": f"Good{character}idea."}, {"author_name": f"Ana{character}Lee"}):
        response = post_opinion(client, story, **fields)
        assert response.status_code == 400, fields
        assert "control characters" in response.content.decode()
    assert not Opinion.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("character", SAMPLE, ids=_id)
def test_any_model_form_of_an_opinion_refuses_control_characters(character):
    form_class = modelform_factory(Opinion, fields=["author_name", "body"])
    form = form_class({"author_name": f"Ana{character}Lee", "body": f"Good{character}idea."})
    assert not form.is_valid()
    assert set(form.errors) == {"author_name", "body"}
    assert not modelform_factory(Opinion, fields=["author_name"])({"author_name": "Ana\nLee"}).is_valid()


# --- Imported documents: a DocumentError naming the line ---------------------------------------

DOCUMENT = """\
Mar 3, 2026, 9:05 AM

{headline}

Highlights
  • {highlight}
Story

{body}

Opinions

{name}: {said}
"""
PLACES = {"headline": 3, "highlight": 6, "body": 9, "name": 13, "said": 13}
CLEAN = {
    "headline": "Council votes",
    "highlight": "It passed.",
    "body": "The council voted.",
    "name": "Ana",
    "said": "Good.",
}


def test_the_clean_document_imports():
    assert parse(DOCUMENT.format(**CLEAN)).opinions[0].body == "Good."


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("character", CONTROL_CHARACTERS, ids=_id)
def test_an_imported_control_character_is_an_error_naming_its_line(place, character):
    text = DOCUMENT.format(**{**CLEAN, place: f"{CLEAN[place][:3]}{character}{CLEAN[place][3:]}"})
    with pytest.raises(DocumentError) as caught:
        parse(text)
    assert caught.value.line == PLACES[place]
    assert "control character" in caught.value.message
    assert f"U+{ord(character):04X}" in caught.value.message


def test_a_nul_keeps_its_own_message():
    with pytest.raises(DocumentError) as caught:
        parse(DOCUMENT.format(**{**CLEAN, "body": "The\x00council\x0b"}))
    assert caught.value.line == 9
    assert "NUL" in caught.value.message


# --- Rich text: the cleaner drops the whole class ------------------------------------------

# What a cleaned body may never hold: the class, NUL, and everything else XML 1.0 forbids.
UNWANTED = (
    set(CONTROL_CHARACTERS) | {"\x00"} | set(map(chr, range(0xFDD0, 0xFDF0))) | {chr(0xD800 + n) for n in range(2048)}
)


@pytest.mark.parametrize("character", ["\x00", *CONTROL_CHARACTERS], ids=_id)
@pytest.mark.parametrize(
    "template",
    [
        "<p>Council{}votes</p>",
        '<p><a href="https://example.com/{}" title="a{}b">link</a></p>',
        "<ul><li>{}</li></ul>",
        "{}",
    ],
)
def test_rich_text_loses_control_characters_typed_or_encoded(character, template):
    for form in (character, f"&#{ord(character)};", f"&#x{ord(character):x};"):
        cleaned = sanitize_html(template.replace("{}", form))
        assert not UNWANTED & set(cleaned), (form, cleaned)
        assert re.findall(r"</?\w+", cleaned) == re.findall(r"</?\w+", template)


def test_a_pasted_line_break_keeps_the_words_apart():
    assert sanitize_html("<p>Council\x0bvotes\u2028today</p>") == "<p>Council votes today</p>"


@pytest.mark.django_db
def test_a_saved_body_is_clean_whoever_saves_it():
    story = Story.objects.create(title="Tram", slug="tram", body="<p>Council\x0bvotes\x1b[31m \ufffe</p>")
    assert Story.objects.get(pk=story.pk).body == "<p>Council votes[31m </p>"
