"""The plain-text story format: what the parser tolerates, what it refuses (and where), and rendering."""

from datetime import datetime

import pytest

from stories.dates import format_datetime as format_date
from stories.importing import (
    DocumentError,
    OpinionText,
    StoryDocument,
    decode,
    parse,
    render,
)
from stories.ingest import check_publishable

DOCUMENT = """\
Mar 3, 2026, 9:05 AM

City council approves new tram line after two-year debate

Highlights
  • The council voted 31 to 12 in favour of the eastern extension.
  • Construction is expected to begin next spring.
  • Opponents say the budget ignores rising steel prices.
Story

The city council on Tuesday approved the eastern tram extension after two years of debate.

A second paragraph about the money.

Opinions

You've reached the end
"""

EXPECTED = StoryDocument(
    date=datetime(2026, 3, 3, 9, 5),
    headline="City council approves new tram line after two-year debate",
    highlights=(
        "The council voted 31 to 12 in favour of the eastern extension.",
        "Construction is expected to begin next spring.",
        "Opponents say the budget ignores rising steel prices.",
    ),
    paragraphs=(
        "The city council on Tuesday approved the eastern tram extension after two years of debate.",
        "A second paragraph about the money.",
    ),
)


def test_it_reads_the_example_from_the_design():
    assert parse(DOCUMENT) == EXPECTED


def test_it_reads_past_a_byte_order_mark():
    assert parse(decode(b"\xef\xbb\xbf" + DOCUMENT.encode())) == EXPECTED
    assert parse("\ufeff" + DOCUMENT) == EXPECTED


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_it_reads_windows_and_old_mac_line_ends(newline):
    assert parse(DOCUMENT.replace("\n", newline)) == EXPECTED


def test_it_skips_a_repeated_date_line():
    assert parse("Mar 3, 2026, 9:05 AM\n" + DOCUMENT) == EXPECTED
    assert parse("Mar 3, 2026, 9:05 am\n\n" + DOCUMENT) == EXPECTED


@pytest.mark.parametrize("bullet", ["•", "-", "*"])
@pytest.mark.parametrize("indent", ["", "  ", "\t"])
def test_it_reads_every_bullet_indented_or_not(bullet, indent):
    assert parse(DOCUMENT.replace("  • ", f"{indent}{bullet} ")) == EXPECTED


def test_it_reads_a_story_line_after_a_blank_line_too():
    assert parse(DOCUMENT.replace("steel prices.\nStory", "steel prices.\n\nStory")) == EXPECTED


def test_it_reads_a_document_without_opinions_or_closing_line():
    assert parse(DOCUMENT.split("Opinions")[0]) == EXPECTED


def test_it_ignores_the_closing_line_and_anything_after_it():
    text = DOCUMENT.replace("You've", "You’ve") + "\nShare this story\nMore from the City desk\n"
    assert parse(text) == EXPECTED


def test_it_ends_the_body_at_the_closing_line_when_opinions_are_missing():
    text = DOCUMENT.split("Opinions")[0] + "You've reached the end\nFooter\n"
    assert parse(text) == EXPECTED


def test_it_joins_hard_wrapped_lines_of_a_paragraph():
    text = DOCUMENT.replace("eastern tram extension after", "eastern tram extension\n   after")
    assert parse(text) == EXPECTED


def test_it_reads_opinions_split_at_the_first_colon_and_space():
    text = DOCUMENT.replace(
        "Opinions\n\n",
        "Opinions\n\nJane Doe: About time: the buses are full.\n\nOmar Haddad:\nToo expensive.\n\n",
    )
    assert parse(text).opinions == (
        OpinionText("Jane Doe", "About time: the buses are full."),
        OpinionText("Omar Haddad", "Too expensive."),
    )


def test_it_allows_a_draft_without_highlights_or_body():
    document = parse("Mar 3, 2026, 12:30 PM\nA headline\nHighlights\nStory\n")
    assert document == StoryDocument(date=datetime(2026, 3, 3, 12, 30), headline="A headline")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jan 1, 2026, 12:00 AM", datetime(2026, 1, 1, 0, 0)),
        ("Jan 1, 2026, 12:59 PM", datetime(2026, 1, 1, 12, 59)),
        ("Dec 31, 1999, 11:59 PM", datetime(1999, 12, 31, 23, 59)),
        ("Jul 24, 2025, 8:14 PM", datetime(2025, 7, 24, 20, 14)),
    ],
)
def test_it_reads_and_writes_twelve_hour_times(text, expected):
    document = parse(DOCUMENT.replace("Mar 3, 2026, 9:05 AM", text))
    assert document.date == expected
    assert format_date(expected) == text


# --- Errors, each with the line to look at -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("", 1, "empty"),
        ("\n\n  \n", 1, "empty"),
        ("\n\nMarch 3rd 2026\nHeadline\n", 3, "first line should be the date"),
        ("Mar 30, 2026, 13:05 PM\n", 1, "impossible time"),
        ("Feb 30, 2026, 9:05 AM\n", 1, "wrong date line"),
        ("Mar 3, 2026, 9:05 AM\nMar 4, 2026, 9:05 AM\nHeadline\n", 2, "second date line"),
        ("Mar 3, 2026, 9:05 AM\n\n", 1, "headline is missing"),
        ("Mar 3, 2026, 9:05 AM\n\nHighlights\n- One.\nStory\n", 3, "headline is missing"),
        ("Mar 3, 2026, 9:05 AM\nHeadline\n- One.\nStory\n", 3, "expected 'Highlights'"),
        ("Mar 3, 2026, 9:05 AM\nHeadline\nwrapped onto two lines\nHighlights\n", 3, "expected 'Highlights'"),
        ("Mar 3, 2026, 9:05 AM\nHeadline\n", 2, "expected 'Highlights'"),
        ("Mar 3, 2026, 9:05 AM\nHeadline\nHighlights\n- One.\n\nBody text.\n", 6, "'Story' line is missing"),
        ("Mar 3, 2026, 9:05 AM\nHeadline\nHighlights\n- One.\n- Two.\n", 5, "'Story' line is missing"),
        ("Mar 3, 2026, 9:05 AM\nHeadline\nHighlights\n- One.\n  •  \nStory\n", 5, "empty highlight"),
        ("Mar 3, 2026, 9:05 AM\nHeadline\nHighlights\n- " + "x" * 201 + "\nStory\n", 4, "longer than 200"),
        ("Mar 3, 2026, 9:05 AM\n" + "H" * 201 + "\nHighlights\nStory\n", 2, "longer than 200"),
        ("Mar 3, 2026, 9:05 AM\nHeadline\nHighlights\nStory\nBody.\nOpinions\n\nNo colon here\n", 8, "Name: what"),
        ("Mar 3, 2026, 9:05 AM\nHeadline\nHighlights\nStory\nOpinions\n\n: nameless\n", 7, "Name: what"),
        ("Mar 3, 2026, 9:05 AM\nHeadline\nHighlights\nStory\nOpinions\nAna: " + "x" * 2001, 6, "longer than 2000"),
        ("Mar 3, 2026, 9:05 AM\nHead\x00line\n", 2, "NUL"),
    ],
)
def test_a_malformed_document_names_its_line(text, line, words):
    with pytest.raises(DocumentError) as caught:
        parse(text)
    assert caught.value.line == line
    assert words in caught.value.message
    assert str(caught.value) == f"line {line}: {caught.value.message}"


def test_the_line_counts_windows_line_ends_once():
    text = "\r\n\r\nMar 3, 2026, 9:05 AM\r\nHeadline\r\n- One.\r\n"
    with pytest.raises(DocumentError) as caught:
        parse(text)
    assert caught.value.line == 5


def test_bytes_that_are_not_utf8_name_their_line():
    with pytest.raises(DocumentError) as caught:
        decode(b"Mar 3, 2026, 9:05 AM\nHeadline\nCaf\xe9\n")
    assert caught.value.line == 3
    assert "not UTF-8" in caught.value.message


# None: the Highlights line (4). Six: too many for any story, so the parser refuses the sixth (line 10).
@pytest.mark.parametrize(("count", "line"), [(0, 4), (6, 10)])
def test_publishing_needs_one_to_five_highlights(count, line):
    bullets = "".join(f"- Highlight {n}.\n" for n in range(count))
    with pytest.raises(DocumentError) as caught:
        check_publishable(parse(f"Mar 3, 2026, 9:05 AM\nHeadline\n\nHighlights\n{bullets}Story\n"))
    assert caught.value.line == line
    assert f"this one has {count}" in caught.value.message


def test_publishing_accepts_one_and_five_highlights():
    for count in (1, 5):
        bullets = "".join(f"- Highlight {n}.\n" for n in range(count))
        check_publishable(parse(f"Mar 3, 2026, 9:05 AM\nHeadline\nHighlights\n{bullets}Story\n"))


# --- Rendering -----------------------------------------------------------------------------


def test_it_renders_the_design_layout():
    document = StoryDocument(
        date=EXPECTED.date,
        headline=EXPECTED.headline,
        highlights=EXPECTED.highlights,
        paragraphs=EXPECTED.paragraphs,
        opinions=(OpinionText("Jane Doe", "About time."),),
    )
    assert render(document) == DOCUMENT.replace("Opinions\n\n", "Opinions\n\nJane Doe: About time.\n\n")


def test_it_renders_line_breaks_inside_a_paragraph_as_spaces():
    document = StoryDocument(
        date=EXPECTED.date, headline="Headline", paragraphs=("First line\nsecond line",), opinions=()
    )
    assert parse(render(document)).paragraphs == ("First line second line",)
