"""Rich text for story bodies: what markup is allowed, and cleaning to it.

Editors write paragraphs, subheadings, links, emphasis, quotes and lists.
Everything else (scripts, event handlers, styles, `javascript:` URLs in any
encoding) is removed by nh3's allowlist before the body is stored.
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

_BLOCK_END = re.compile(r"</(?:p|h[2-4]|blockquote|li|figcaption)>")
# A line break, or any longer run of white space, reads as one space inside a paragraph.
_SPACES = re.compile(r"\s{2,}|\n")


def sanitize_html(value: str) -> str:
    """Return `value` with only the allowed markup; links get rel=noopener noreferrer."""
    if not value:
        return ""
    return nh3.clean(
        value,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()


def paragraphs_to_html(paragraphs: list[str]) -> str:
    """Plain paragraphs (from an imported document) as escaped <p> elements."""
    return "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs if p.strip())


def plain_text(value: str) -> str:
    """`value`'s words without any markup, entities decoded (scripts and styles are dropped whole)."""
    return html.unescape(nh3.clean(value or "", tags=set()))


def html_to_paragraphs(value: str) -> list[str]:
    """The body's blocks as plain-text paragraphs (for export, feeds and search snippets)."""
    paragraphs = (
        _SPACES.sub(" ", plain_text(block.replace("<br>", "\n")).strip()) for block in _BLOCK_END.split(value or "")
    )
    return [paragraph for paragraph in paragraphs if paragraph]
