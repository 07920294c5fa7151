"""The plain-text story document: parse it and render it. Pure: no database, no files.

A document reads (see DESIGN.md, "Plain-text story documents")::

    Mar 3, 2026, 9:05 AM

    City council approves new tram line after two-year debate

    Highlights
      • The council voted 31 to 12 in favour of the eastern extension.
    Story

    The city council on Tuesday approved the eastern tram extension ...

    Opinions

    Jane Doe: About time.

    You've reached the end

Documents come from scraped pages and other newsrooms' systems, so the parser
is tolerant where the meaning is unambiguous (BOM, CRLF, a repeated date line,
bullets indented or not, `Story` right after the last bullet, hard-wrapped
paragraphs, closing page furniture) and strict everywhere else: anything it
cannot read raises `DocumentError` with the line to look at, never another
exception.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings

from . import limits
from .dates import MONTHS, format_datetime
from .richtext import CONTROL_CHARACTERS

BULLETS = "•-*"
END_OF_PAGE = "You've reached the end"

_DATE_RE = re.compile(
    r"(?P<month>[A-Za-z]{3})\.? +(?P<day>\d{1,2}), *(?P<year>\d{4}),"
    r" *(?P<hour>\d{1,2}):(?P<minute>\d{2}) *(?P<ampm>[AaPp]\.?[Mm]\.?)"
)
_LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")
_WRAPPED_RE = re.compile(r"\s*[\r\n]+\s*")


class DocumentError(ValueError):
    """A document the parser cannot read; `line` is the 1-based line to look at."""

    def __init__(self, message: str, line: int):
        super().__init__(message, line)
        self.message = message
        self.line = line

    def __str__(self):
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class OpinionText:
    author_name: str
    body: str


@dataclass(frozen=True)
class StoryDocument:
    """One story as the plain-text format carries it.

    `date` is naive: the wall-clock time printed in the document, read in
    `TIME_ZONE` by whoever stores it. The `*_line` fields point error messages
    at the right place and take no part in comparisons.
    """

    date: datetime
    headline: str
    highlights: tuple[str, ...] = ()
    paragraphs: tuple[str, ...] = ()
    opinions: tuple[OpinionText, ...] = ()
    headline_line: int = field(default=0, compare=False)
    highlights_line: int = field(default=0, compare=False)


# --- Parsing -----------------------------------------------------------------


def decode(data: bytes) -> str:
    """UTF-8 text from a file's bytes, with or without BOM; a bad byte names its line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DocumentError(f"not UTF-8 text (byte 0x{data[exc.start]:02x})", line) from None


def parse_date(text: str) -> datetime | None:
    """`Mar 3, 2026, 9:05 AM` as a naive datetime; None if the text is not a date line.

    A date-shaped line naming an impossible date (Feb 30, 13:05 PM) raises
    ValueError; the caller knows the line number.
    """
    match = _DATE_RE.fullmatch(text.strip())
    if not match:
        return None
    month = match["month"].capitalize()
    if month not in MONTHS:
        raise ValueError(f"unknown month {match['month']!r}")
    hour, minute = int(match["hour"]), int(match["minute"])
    if not 1 <= hour <= 12 or minute > 59:
        raise ValueError(f"impossible time {match['hour']}:{match['minute']}")
    hour = hour % 12 + (12 if match["ampm"][0] in "Pp" else 0)
    return datetime(int(match["year"]), MONTHS.index(month) + 1, int(match["day"]), hour, minute)


def _heading(text: str) -> str:
    """The section a line opens ("highlights", "story", "opinions"), or ""."""
    word = text.strip().rstrip(":").strip().lower()
    return word if word in ("highlights", "story", "opinions") else ""


def _is_end_of_page(text: str) -> bool:
    return text.strip().rstrip(".!").replace("’", "'").lower() == END_OF_PAGE.lower()


def _bullet_text(text: str) -> str | None:
    stripped = text.strip()
    if stripped and stripped[0] in BULLETS:
        return stripped[1:].strip()
    return None


def _paragraphs(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Blank-line separated paragraphs as (first line number, text); wrapped lines join with a space."""
    out, current, start = [], [], 0
    for number, text in [*lines, (0, "")]:
        if text.strip():
            if not current:
                start = number
            current.append(text.strip())
        elif current:
            out.append((start, " ".join(current)))
            current = []
    return out


def parse(text: str) -> StoryDocument:
    """Read one document; raise DocumentError (with the line) if it is not one."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = _LINE_BREAK_RE.split(text)
    for number, line in enumerate(lines, 1):
        if "\x00" in line:
            raise DocumentError("the document contains a NUL character (is it a text file?)", number)
        # The same characters the story's fields refuse (tabs stay: they indent bullets).
        if found := CONTROL_CHARACTERS.search(line):
            raise DocumentError(
                f"an invisible control character (U+{ord(found[0]):04X}) at column {found.start() + 1};"
                " remove it (word processors paste one for a line break)",
                number,
            )
    # (line number, text) of every line, consumed front to back.
    rows = list(enumerate(lines, 1))
    # Errors about something missing at the end point at the last line with text.
    last = max((number for number, line in rows if line.strip()), default=1)
    pos = 0

    def next_nonblank():
        nonlocal pos
        while pos < len(rows) and not rows[pos][1].strip():
            pos += 1
        if pos == len(rows):
            return None, ""
        number, line = rows[pos]
        pos += 1
        return number, line.strip()

    # Date line, perhaps twice.
    number, line = next_nonblank()
    if number is None:
        raise DocumentError("the document is empty; it should start with a date line like 'Mar 3, 2026, 9:05 AM'", 1)
    try:
        date = parse_date(line)
    except ValueError as exc:
        raise DocumentError(f"wrong date line {line!r}: {exc}", number) from None
    if date is None:
        raise DocumentError(f"the first line should be the date, like 'Mar 3, 2026, 9:05 AM'; found {line!r}", number)
    date_text, date_line = line, number

    # Headline, after any copies of the date line (scraped pages repeat it).
    while True:
        number, line = next_nonblank()
        if number is None:
            raise DocumentError("the headline is missing after the date line", date_line)
        try:
            again = parse_date(line)
        except ValueError:
            again = False
        if again != date:
            break
    if again is not None:
        raise DocumentError(f"a second date line {line!r} differs from the first {date_text!r}", number)
    if _heading(line) or _is_end_of_page(line):
        raise DocumentError(f"the headline is missing: found {line!r} where the headline should be", number)
    if len(line) > limits.HEADLINE_MAX_LENGTH:
        raise DocumentError(f"the headline is longer than {limits.HEADLINE_MAX_LENGTH} characters", number)
    headline, headline_line = line, number

    # Highlights.
    number, line = next_nonblank()
    if number is None or _heading(line) != "highlights":
        found = f"found {line!r}" if number is not None else "the document ends"
        raise DocumentError(
            f"expected 'Highlights' after the headline (a headline is one line); {found}",
            number or last,
        )
    highlights_line = number
    highlights, bullet_lines = [], []
    while True:
        number, line = next_nonblank()
        if number is None:
            raise DocumentError("the 'Story' line is missing after the highlights", last)
        if _heading(line) == "story":
            break
        bullet = _bullet_text(line)
        if bullet is None:
            raise DocumentError(
                f"the 'Story' line is missing before {line!r}, or that line lacks its highlight bullet (•, - or *)",
                number,
            )
        if not bullet:
            raise DocumentError("an empty highlight bullet", number)
        if len(bullet) > limits.HIGHLIGHT_MAX_LENGTH:
            raise DocumentError(f"a highlight longer than {limits.HIGHLIGHT_MAX_LENGTH} characters", number)
        highlights.append(bullet)
        bullet_lines.append(number)
    # Any story, a draft too, has at most MAX_HIGHLIGHTS (the workflow's rule): each highlight is a row of the
    # desk's form. The error points at the first one too many.
    if len(highlights) > limits.MAX_HIGHLIGHTS:
        raise DocumentError(
            f"a story has at most {limits.MAX_HIGHLIGHTS} highlights; this one has {len(highlights)}",
            bullet_lines[limits.MAX_HIGHLIGHTS],
        )

    # Body, up to Opinions or the end of the page.
    body = []
    opinion_rows = []
    target = body
    for number, line in rows[pos:]:
        if _is_end_of_page(line):
            break
        if target is body and _heading(line) == "opinions":
            target = opinion_rows
            continue
        target.append((number, line))

    opinions = []
    for number, paragraph in _paragraphs(opinion_rows):
        name, sep, said = paragraph.partition(": ")
        name, said = name.strip(), said.strip()
        if not sep or not name or not said:
            raise DocumentError(f"an opinion should read 'Name: what they said'; found {paragraph[:60]!r}", number)
        if len(name) > limits.OPINION_NAME_MAX_LENGTH:
            raise DocumentError(f"an opinion's name is longer than {limits.OPINION_NAME_MAX_LENGTH} characters", number)
        if len(said) > settings.OPINION_MAX_LENGTH:
            raise DocumentError(f"an opinion longer than {settings.OPINION_MAX_LENGTH} characters", number)
        opinions.append(OpinionText(name, said))

    return StoryDocument(
        date=date,
        headline=headline,
        highlights=tuple(highlights),
        paragraphs=tuple(text for _number, text in _paragraphs(body)),
        opinions=tuple(opinions),
        headline_line=headline_line,
        highlights_line=highlights_line,
    )


# --- Rendering ---------------------------------------------------------------


def _one_line(text: str) -> str:
    # The format has no way to carry a line break inside a headline, a
    # highlight or a paragraph: a break becomes a space, as a reader sees it.
    return _WRAPPED_RE.sub(" ", text).strip()


def render(document: StoryDocument) -> str:
    """The document as text (LF line ends, no BOM) that `parse` reads back to an equal document."""
    out = [format_datetime(document.date), "", _one_line(document.headline), "", "Highlights"]
    out += [f"  • {_one_line(text)}" for text in document.highlights]
    out += ["Story", ""]
    for paragraph in document.paragraphs:
        out += [_one_line(paragraph), ""]
    out += ["Opinions", ""]
    for opinion in document.opinions:
        out += [f"{_one_line(opinion.author_name)}: {_one_line(opinion.body)}", ""]
    out.append(END_OF_PAGE)
    return "\n".join(out) + "\n"
