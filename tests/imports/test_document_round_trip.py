"""Properties of the plain-text format: any input parses or fails with DocumentError; render → parse is lossless."""

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from stories import workflow
from stories.importing import DocumentError, OpinionText, StoryDocument, decode, parse, parse_date, render

# Lines that steer random documents deep into the parser, mixed with noise.
FORMAT_LINES = [
    "",
    "  ",
    "Mar 3, 2026, 9:05 AM",
    "Feb 29, 2025, 9:05 AM",
    "Mar 3, 2026, 0:61 PM",
    "City council approves new tram line",
    "Highlights",
    "highlights:",
    "  • A highlight.",
    "- Another one.",
    "*",
    "Story",
    "A paragraph of the body.",
    "Opinions",
    "Jane Doe: I agree.",
    "No colon in this opinion",
    ": nameless",
    "You've reached the end",
    "\ufeff",
    "\x00",
]


# deadline=None everywhere: a busy test machine makes single examples slow, and speed is not what is tested.


def _raises_only_document_error(text):
    try:
        document = parse(text)
    except DocumentError as exc:
        assert exc.line >= 1
        assert exc.message
    else:
        assert isinstance(document, StoryDocument)


@settings(deadline=None)
@given(st.text())
def test_any_text_parses_or_raises_a_document_error(text):
    _raises_only_document_error(text)


@settings(deadline=None)
@given(st.binary())
def test_any_bytes_decode_and_parse_or_raise_a_document_error(data):
    try:
        text = decode(data)
    except DocumentError as exc:
        assert exc.line >= 1
        return
    _raises_only_document_error(text)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(st.sampled_from(FORMAT_LINES), st.text(max_size=20)), max_size=30),
    st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_documents_made_of_format_lines_parse_or_raise_a_document_error(lines, newline):
    _raises_only_document_error(newline.join(lines))


# --- Round trip ------------------------------------------------------------------------------


def _is_reserved(text):
    """Lines the format gives a meaning of their own: section headings and the closing line."""
    word = text.strip().rstrip(":").strip().lower()
    closing = text.strip().rstrip(".!").replace("’", "'").lower()
    return word in ("highlights", "story", "opinions") or closing == "you've reached the end"


def _is_date(text):
    try:
        return parse_date(text) is not None
    except ValueError:
        return True


# Characters the format refuses (see stories.richtext.CONTROL_CHARACTERS), tabs excepted.
NONCHARACTERS = "".join(map(chr, range(0xFDD0, 0xFDF0))) + "".join(
    chr(plane | 0xFFFE) + chr(plane | 0xFFFF) for plane in range(0, 0x110000, 0x10000)
)


def one_line(max_size):
    """Non-empty text on one line without surrounding whitespace, as a field of the format holds it."""
    characters = st.characters(
        exclude_categories=("Cs", "Cc", "Zl", "Zp"), include_characters="\t", exclude_characters=NONCHARACTERS
    )
    return st.text(characters, min_size=1, max_size=max_size).filter(lambda t: t == t.strip() and t)


headlines = one_line(200).filter(lambda t: not _is_reserved(t) and not _is_date(t))
paragraphs = one_line(300).filter(lambda t: not _is_reserved(t))
opinions = st.builds(
    OpinionText,
    author_name=one_line(80).filter(lambda t: ": " not in t),
    body=one_line(2000),
)
dates = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0)
)
documents = st.builds(
    StoryDocument,
    date=dates,
    headline=headlines,
    # Up to the bound every story obeys (more: tests/security/test_import_highlights.py).
    highlights=st.lists(one_line(200), max_size=workflow.MAX_HIGHLIGHTS).map(tuple),
    paragraphs=st.lists(paragraphs, max_size=6).map(tuple),
    opinions=st.lists(opinions, max_size=4).map(tuple),
)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_a_rendered_story_parses_back_unchanged(document):
    assert parse(render(document)) == document


@settings(deadline=None)
@given(documents, st.sampled_from(["\r\n", "\r"]), st.booleans())
def test_a_rendered_story_survives_windows_line_ends_and_a_bom(document, newline, bom):
    text = render(document).replace("\n", newline)
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode()
    assert parse(decode(data)) == document
