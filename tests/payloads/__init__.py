"""Hostile payloads and the check that a rendered page keeps them inert.

The check parses the page the way a browser tokenises it and looks for what
would run: a script we did not write, an event-handler attribute, a URL that
executes (`javascript:`, `vbscript:`, `data:text/html`, in any encoding the
browser would decode), or an element that loads or frames foreign content.
Escaped text (`&lt;script&gt;`) is just text and passes.
"""

import json
import re
from functools import cache
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

HERE = Path(__file__).resolve().parent

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "srcset"}
FOREIGN_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base"}
# Browsers drop ASCII whitespace and control characters inside a URL scheme.
_SCHEME_NOISE = re.compile(r"[\x00-\x20\x7f]+")
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:text/html", "data:image/svg+xml", "data:application")


@cache
def load() -> list[dict]:
    """Every payload in hostile.json as {"name", "payload"}."""
    return json.loads((HERE / "hostile.json").read_text())


def params():
    """The payloads as pytest parameters, each named after what it tries."""
    import pytest

    return [pytest.param(p["payload"], id=p["name"].replace(" ", "-")) for p in load()]


class _Scanner(HTMLParser):
    # Browsers with scripting on read <noscript> (and these legacy elements) as raw text,
    # the opening of the classic mutation-XSS trick; <style> inside SVG/MathML is markup.
    CDATA_CONTENT_ELEMENTS = ("script", "style", "noscript", "xmp", "noembed", "noframes", "iframe")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and "alert(" in data:
            self.problems.append(f"script body runs reader input: {data[:80]!r}")

    def _check(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag in FOREIGN_ELEMENTS:
            self.problems.append(f"<{tag}> element")
        if tag == "style" and "nonce" not in names:
            self.problems.append("<style> without a nonce")
        if tag == "link" and (dict(attrs).get("rel") or "").lower() in {"stylesheet", "import", "preload"}:
            href = dict(attrs).get("href") or ""
            if not href.startswith("/") or href.startswith("//"):
                self.problems.append(f"<link> loads a foreign resource: {href[:80]!r}")
        if tag == "meta" and any(n == "http-equiv" and (v or "").lower() == "refresh" for n, v in attrs):
            self.problems.append("<meta http-equiv=refresh>")
        if tag == "script":
            src = dict(attrs).get("src") or ""
            # JSON data blocks never run; a reader's text breaking out of one shows up as a tag of its own.
            data_only = (dict(attrs).get("type") or "").lower() in {"application/json", "application/ld+json"}
            self._in_script = not data_only
            ours = data_only or "nonce" in names or (src.startswith("/") and not src.startswith("//"))
            if not ours:
                self.problems.append(f"<script> without a nonce or a same-origin src: {attrs!r}")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"event handler attribute {name}= on <{tag}>")
            if name == "srcdoc":
                self.problems.append(f"srcdoc on <{tag}>")
            if name in URL_ATTRIBUTES or (tag in {"animate", "set"} and name in {"values", "to", "from"}):
                squeezed = _SCHEME_NOISE.sub("", unescape(value)).lower()
                if any(scheme in squeezed for scheme in DANGEROUS_SCHEMES):
                    self.problems.append(f"executable URL in {name}= on <{tag}>: {value[:80]!r}")
            if name == "style" and re.search(r"javascript:|expression\(|url\(", unescape(value), re.I):
                self.problems.append(f"active style on <{tag}>")


class _ForeignContentScanner(_Scanner):
    CDATA_CONTENT_ELEMENTS = ("script", "noscript", "xmp", "noembed", "noframes", "iframe")


def problems(html: str) -> list[str]:
    """What in `html` would run or load foreign content (empty when the page is inert)."""
    found = []
    for scanner_class in (_Scanner, _ForeignContentScanner):
        scanner = scanner_class()
        scanner.feed(html)
        scanner.close()
        found += [p for p in scanner.problems if p not in found]
    return found


def assert_inert(html: str, where: str = "page") -> None:
    found = problems(html)
    assert not found, f"{where} is not inert: {found[:5]}"
