"""Readable differences of a story's text, for the desk's revision compare: word by word, never markup.

The body's rich text becomes text blocks (paragraphs, subheadings, list items, quotes, captions; a link reads as
its text, its address kept beside it), blocks are matched to blocks and matched blocks are compared word by
word, so a changed digit marks that word only. Everything here is pure: it returns plain strings in a structure
the template walks, and the template escapes every one of them.

A compared part is a list of rows, each a dict:
  state     "same" (context), "changed", "added", "removed", or "gap" (unchanged blocks left out)
  kind      what the block is ("Paragraph", "Subheading" …); `old_kind` when a change made it another kind
  segments  (op, text) pairs, op "same", "ins", "del" or "gap" (unchanged words left out)
  notes     link addresses that changed while their text did not (or did)
  count     for a gap, how many blocks it leaves out; `label` says it in words
"""

import difflib
from html.parser import HTMLParser
from typing import NamedTuple

# Words of unchanged text kept either side of a change inside a block; longer runs are cut to these.
CONTEXT_WORDS = 10
# Unchanged blocks kept either side of a changed one; longer runs become one "n unchanged …" row.
CONTEXT_BLOCKS = 1
# Blocks this alike (difflib's ratio of their words) are one block changed, not one removed and one added.
SAME_BLOCK_RATIO = 0.5

_KINDS = {
    "h2": "Subheading",
    "h3": "Subheading",
    "h4": "Subheading",
    "li": "List item",
    "figcaption": "Caption",
}
_BLOCK_TAGS = {"p", "h2", "h3", "h4", "li", "ul", "ol", "blockquote", "figure", "figcaption"}
_PLURALS = {"Paragraph": "paragraphs", "Subheading": "subheadings", "List item": "list items", "Quote": "quotes"}


class Block(NamedTuple):
    kind: str
    text: str
    links: tuple[tuple[str, str], ...] = ()  # (text, address) of each link, in order

    @property
    def words(self) -> list[str]:
        return self.text.split()


class _BlockReader(HTMLParser):
    """Collects the text blocks of (sanitised) rich text; entities arrive decoded (convert_charrefs)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.open: list[str] = []
        self.text: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.link: tuple[str, int] | None = None  # (address, where its text starts)

    def kind(self) -> str:
        for tag in reversed(self.open):
            if tag in _KINDS:
                return _KINDS[tag]
        return "Quote" if "blockquote" in self.open else "Paragraph"

    def flush(self) -> None:
        self.end_link()
        text = " ".join("".join(self.text).split())
        if text:
            self.blocks.append(Block(self.kind(), text, tuple(self.links)))
        self.text, self.links = [], []

    def end_link(self) -> None:
        if self.link is not None:
            address, start = self.link
            self.links.append((" ".join("".join(self.text)[start:].split()), address))
            self.link = None

    def handle_starttag(self, tag, attrs):
        if tag in _BLOCK_TAGS:
            self.flush()
            self.open.append(tag)
        elif tag == "br":
            self.text.append(" ")
        elif tag == "a":
            self.end_link()
            self.link = (dict(attrs).get("href") or "", len("".join(self.text)))

    def handle_startendtag(self, tag, attrs):
        if tag == "br":
            self.text.append(" ")

    def handle_endtag(self, tag):
        if tag in _BLOCK_TAGS:
            self.flush()
            if tag in self.open:
                del self.open[len(self.open) - 1 - self.open[::-1].index(tag) :]
        elif tag == "a":
            self.end_link()

    def handle_data(self, data):
        self.text.append(data)


def text_blocks(rich_text: str) -> list[Block]:
    """The readable blocks of a body: its paragraphs, subheadings, list items, quotes and captions, in order."""
    reader = _BlockReader()
    reader.feed(rich_text or "")
    reader.close()
    reader.flush()
    return reader.blocks


def word_segments(old: list[str], new: list[str], joiner: str = " ") -> list[tuple[str, str]]:
    """Two token lists compared: (op, text) pairs in reading order, a replaced run as its "del" then its "ins"
    (each run's tokens joined by `joiner`)."""
    segments = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            segments.append(("same", old[i1:i2]))
            continue
        if i2 > i1:
            segments.append(("del", old[i1:i2]))
        if j2 > j1:
            segments.append(("ins", new[j1:j2]))
    return [(op, joiner.join(words)) for op, words in segments]


def _shortened(segments: list[tuple[str, str]], keep: int = CONTEXT_WORDS) -> list[tuple[str, str]]:
    """Long unchanged runs cut to `keep` words next to each change (the rest as a "gap")."""
    out = []
    for n, (op, text) in enumerate(segments):
        words = text.split()
        if op != "same" or len(words) <= 2 * keep + 1:
            out.append((op, text))
            continue
        after_change, before_change = n > 0, n < len(segments) - 1
        if after_change:
            out.append(("same", " ".join(words[:keep])))
        out.append(("gap", "…"))
        if before_change:
            out.append(("same", " ".join(words[-keep:])))
    return out


def _link_notes(old: Block, new: Block) -> list[str]:
    """What changed in where the links go, which the words do not show: a link moved to another address (matched
    by its text), a new link's address, a removed link's."""
    if old.links == new.links:
        return []
    old_addresses = {address for _text, address in old.links}
    new_addresses = {address for _text, address in new.links}
    was = {text: address for text, address in old.links if address not in new_addresses}
    notes = []
    for text, address in new.links:
        if address in old_addresses:
            continue
        if text in was:
            notes.append(f"Link “{text}” now goes to {address} (was {was.pop(text)})")
        else:
            notes.append(f"Link “{text}” goes to {address}")
    notes += [f"Link “{text}” to {address} removed" for text, address in was.items()]
    return notes


_NO_BLOCK = Block("", "")
# How far past a block to look for its counterpart among differing blocks (bounds the work on a rewrite).
LOOK_AHEAD = 20


def _row(state: str, old: Block | None, new: Block | None) -> dict:
    if state == "added":
        return {"state": state, "kind": new.kind, "segments": [("ins", new.text)], "notes": _link_notes(_NO_BLOCK, new)}
    if state == "removed":
        return {"state": state, "kind": old.kind, "segments": [("del", old.text)], "notes": []}
    if state == "same":
        return {"state": state, "kind": new.kind, "segments": [("same", new.text)], "notes": []}
    segments = _shortened(word_segments(old.words, new.words))
    row = {"state": state, "kind": new.kind, "segments": segments, "notes": _link_notes(old, new)}
    if old.kind != new.kind:
        row["old_kind"] = old.kind
    return row


def _alike(old: Block, new: Block) -> bool:
    matcher = difflib.SequenceMatcher(None, old.words, new.words, autojunk=False)
    return matcher.quick_ratio() >= SAME_BLOCK_RATIO and matcher.ratio() >= SAME_BLOCK_RATIO


def _paired(old: list[Block], new: list[Block]):
    """A run of differing blocks as (state, old, new): alike blocks in order are one block changed."""
    i = j = 0
    while i < len(old) and j < len(new):
        if _alike(old[i], new[j]):
            yield "changed", old[i], new[j]
            i, j = i + 1, j + 1
        elif any(_alike(old[i], later) for later in new[j + 1 : j + 1 + LOOK_AHEAD]):
            yield "added", None, new[j]
            j += 1
        else:
            yield "removed", old[i], None
            i += 1
    yield from (("removed", block, None) for block in old[i:])
    yield from (("added", None, block) for block in new[j:])


def block_rows(old: list[Block], new: list[Block], context: int | None = CONTEXT_BLOCKS) -> list[dict]:
    """Two lists of blocks compared: rows in reading order. With `context`, unchanged blocks further than that
    from a change are left out, each run as one "gap" row (None keeps them all)."""
    rows = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows.extend(_row("same", None, block) for block in new[j1:j2])
        else:
            rows.extend(_row(state, a, b) for state, a, b in _paired(old[i1:i2], new[j1:j2]))
    return rows if context is None else _collapsed(rows, context)


def _gap(rows: list[dict]) -> dict:
    kinds = {row["kind"] for row in rows}
    count = len(rows)
    if count == 1:
        label = f"1 unchanged {rows[0]['kind'].lower()}"
    elif len(kinds) == 1:
        label = f"{count} unchanged {_PLURALS.get(rows[0]['kind'], 'blocks')}"
    else:
        label = f"{count} unchanged blocks"
    return {"state": "gap", "kind": "", "segments": [], "notes": [], "count": count, "label": label}


def _collapsed(rows: list[dict], context: int) -> list[dict]:
    changed = {n for n, row in enumerate(rows) if row["state"] != "same"}
    near = {n for c in changed for n in range(c - context, c + context + 1)}
    out, run = [], []
    for n, row in enumerate(rows):
        if row["state"] == "same" and n not in near:
            run.append(row)
            continue
        if run:
            out.append(_gap(run))
            run = []
        if row["state"] == "same":
            # A kept unchanged block is context: only its words nearest the change are needed.
            before, after = n + 1 in changed, n - 1 in changed
            row = {**row, "segments": _context_words(row["segments"][0][1], before, after)}
        out.append(row)
    if run:
        out.append(_gap(run))
    return out


def _context_words(text: str, before_change: bool, after_change: bool, keep: int = 2 * CONTEXT_WORDS):
    words = text.split()
    if len(words) <= 2 * keep + 1:
        return [("same", text)]
    if before_change and after_change:
        return [("same", " ".join(words[:keep])), ("gap", "…"), ("same", " ".join(words[-keep:]))]
    if before_change:
        return [("gap", "…"), ("same", " ".join(words[-keep:]))]
    return [("same", " ".join(words[:keep])), ("gap", "…")]


def text_rows(old: str, new: str) -> list[dict]:
    """One line of text (a headline, a caption) compared word by word: one "changed" row, or none if equal."""
    old, new = " ".join((old or "").split()), " ".join((new or "").split())
    if old == new:
        return []
    return [{"state": "changed", "kind": "", "segments": word_segments(old.split(), new.split()), "notes": []}]


def items_rows(old: list[str], new: list[str], kind: str = "") -> list[dict]:
    """Lists (highlights) compared item by item, changed items word by word; every item kept."""
    if old == new:
        return []
    return block_rows([Block(kind, text) for text in old], [Block(kind, text) for text in new], context=None)


def names_rows(old: list[str], new: list[str]) -> list[dict]:
    """Names (tags, a byline, a section) compared as whole names, in order: a renamed tag is one name out, one in."""
    if old == new:
        return []
    return [{"state": "changed", "kind": "", "segments": word_segments(old, new, ", "), "notes": [], "names": True}]


def body_rows(old: str, new: str) -> list[dict]:
    """Two bodies' rich text compared as readable blocks, unchanged stretches collapsed with context."""
    old_blocks, new_blocks = text_blocks(old), text_blocks(new)
    if old_blocks == new_blocks:
        return []
    return block_rows(old_blocks, new_blocks)
