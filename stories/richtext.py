"""Rich text for story bodies: what markup is allowed, and cleaning to it.

Editors write paragraphs, subheadings, links, emphasis, quotes and lists.
Everything else (scripts, event handlers, styles, `javascript:` URLs in any
encoding) is removed by nh3's allowlist before the body is stored, and so is
every character that is not text (below).
"""

import html
import re

import nh3

ALLOWED_TAGS = {
    "p",
    "br",
    "h2",
    "h3",
    "h4",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "a",
    "blockquote",
    "ul",
    "ol",
    "li",
    "figure",
    "figcaption",
    "cite",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

# The desk's editor (django-prose-editor, stories.widgets.RichTextWidget) offers exactly this markup: each extension
# below makes some of the tags above, and tests/admin/test_body_editor_allowlist.py keeps the two lists in step.
EDITOR_EXTENSIONS = {
    "Paragraph": True,
    "HardBreak": True,
    "Heading": {"levels": [2, 3, 4]},
    "Bold": True,
    "Italic": True,
    "Underline": True,
    "Strike": True,
    "Link": {"enableTarget": False, "protocols": sorted(ALLOWED_URL_SCHEMES)},
    "Blockquote": True,
    "BulletList": True,
    "OrderedList": {"enableListAttributes": False},
    "ListItem": True,
    "QuoteFigure": True,
    "QuoteCaption": True,
    "Cite": True,
    "History": True,
    "NoSpellCheck": False,  # writers want the browser's spelling check in the body too
    # One row of buttons, each named (no drop-down menus): block types, lists, quotes, emphasis, links, undo.
    "Menu": {
        "groups": [
            {"group": "blockType -lists"},
            {"group": "lists"},
            {"group": "nodes -blockType -lists"},
            {"group": "marks"},
            {"group": "link"},
            {"group": "history"},
        ]
    },
}
# Older markup the cleaner keeps and the editor reads as its own: <b> as bold (<strong>), <i> as italic (<em>).
EDITOR_READS_AS = {"b": "strong", "i": "em"}
# What the editor writes that the cleaner drops on purpose: the cleaner sets every link's rel itself, and a numbered
# list on the site always counts 1, 2, 3 (the editor marks each list's numbering as "decimal").
EDITOR_ATTRIBUTES_DROPPED = {"a": {"rel"}, "ol": {"start", "type", "data-type"}}

_BLOCK_END = re.compile(r"</(?:p|h[2-4]|blockquote|li|figcaption)>")
_BLOCK_SEPARATOR = "\x1e"  # the information separator "record": a control character (below)
# A line break, or any longer run of white space, reads as one space inside a paragraph.
_SPACES = re.compile(r"\s{2,}|\n")

# Characters that are not text, in any field: C0 controls other than tab, line feed and carriage
# return (NUL aside: Django's validators and the importer refuse it with words of their own), DEL
# and the C1 controls, the Unicode line and paragraph separators, lone surrogates and the
# noncharacters. A vertical tab, what word processors paste for a line break, once made every feed
# unreadable. The fields people fill refuse them (stories.models), so does the importer, and the
# rich-text cleaner drops them.
_NONCHARACTERS = r"\ufdd0-\ufdef" + "".join(
    rf"\U{plane + 0xFFFE:08x}\U{plane + 0xFFFF:08x}" for plane in range(0, 0x110000, 0x10000)
)
CONTROL_CHARACTERS = re.compile(rf"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff{_NONCHARACTERS}]")
_NOT_TEXT = re.compile(rf"\x00|{CONTROL_CHARACTERS.pattern}")
# What XML 1.0 cannot carry at all (outside its Char production). Rows written before the fields
# refused them (or by raw SQL, or a restore) may still hold some: feeds and sitemaps drop them.
_XML_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# The ones that stand for a line break become a space, which keeps the words on either side apart.
_PASTED_BREAKS = re.compile(r"[\x0b\x0c\x85\u2028\u2029]")


# Any character `xml_text` changes (either pattern): one search tells whether a whole document needs it.
_NOT_XML_TEXT = re.compile(f"{_XML_FORBIDDEN.pattern}|{_PASTED_BREAKS.pattern}")


def is_xml_text(value: str) -> bool:
    """Whether `xml_text` would leave `value` as it is."""
    return _NOT_XML_TEXT.search(value) is None


def xml_text(value: str) -> str:
    """`value` without the characters XML 1.0 forbids (a pasted line break becomes a space)."""
    return _XML_FORBIDDEN.sub("", _PASTED_BREAKS.sub(" ", value))


def _without_control_characters(value: str) -> str:
    return _NOT_TEXT.sub("", _PASTED_BREAKS.sub(" ", value))


def _without_empty_attributes(tag: str, attribute: str, value: str) -> str | None:
    # The editor's link dialog leaves an empty title when none is given; an empty title says nothing.
    return value if value.strip() else None


def sanitize_html(value: str) -> str:
    """Return `value` with only the allowed markup; links get rel=noopener noreferrer."""
    if not value:
        return ""
    # Before cleaning (a lone surrogate cannot even reach nh3) and after (a character reference
    # such as &#11; comes out of it as the character).
    cleaned = nh3.clean(
        _without_control_characters(value),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
        attribute_filter=_without_empty_attributes,
    )
    return _without_control_characters(cleaned).strip()


def paragraphs_to_html(paragraphs: list[str]) -> str:
    """Plain paragraphs (from an imported document) as escaped <p> elements."""
    return "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs if p.strip())


def plain_text(value: str) -> str:
    """`value`'s words without any markup, entities decoded (scripts and styles are dropped whole)."""
    return html.unescape(nh3.clean(value or "", tags=set()))


def html_to_paragraphs(value: str) -> list[str]:
    """The body's blocks as plain-text paragraphs (for export, feeds and search snippets).

    The markup goes in one pass over the whole body, with a separator where each block ended: a character the
    cleaning takes out of every stored text (CONTROL_CHARACTERS), so no paragraph holds it. Cleaning block by block
    cost four times as much (58 µs for a 2 KB body, against 15), which ten search results a page paid.
    """
    text = nh3.clean(_BLOCK_END.sub(_BLOCK_SEPARATOR, (value or "").replace("<br>", "\n")), tags=set())
    paragraphs = (_SPACES.sub(" ", html.unescape(piece)).strip() for piece in text.split(_BLOCK_SEPARATOR))
    return [paragraph for paragraph in paragraphs if paragraph]
