"""Search over published stories.

On PostgreSQL: full-text search, the headline weighted above the highlights
above the body, ranked, with the matches marked in the results. Each story's
words are parsed once and stored (Story.search_vector, kept current by the
database: migration 0005), so matching reads a GIN index and ranking reads the
stored vectors; only the snippets of the page shown parse text again.

Elsewhere (SQLite for local work): every word must appear, case-insensitively,
in the headline, standfirst, body or a highlight; newest first.

A reader's words reach the database only through `clean_query`, which takes out
what PostgreSQL refuses; should it still refuse a query, `refusals` makes that
an empty result with a message instead of an error page.
"""

import contextlib
import logging
import re

from django import forms
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import DataError, InternalError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .compiled import CompiledQuery, Marker
from .links import reader_url
from .models import Highlight, Story
from .reading import NOW
from .richtext import html_to_paragraphs, plain_text

logger = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 200
CONFIG = "english"
# Private-use characters mark matches inside the database's output; no story contains them,
# and they survive escaping, so the marks are added only after everything else is escaped.
MARK_START, MARK_STOP = "\ue000", "\ue001"
SNIPPET_WORDS = 35
# Only the newest matches are ranked: finding them costs about MAX_RANKED / (share of stories
# that match) index entries, so the bound keeps a common word as cheap on a million stories as
# on ten thousand (measured: 200 matches of a word in 2 % of stories, 6 ms at 1,000,000).
# News readers want recent stories first anyway; the front page's filter (words and dates) reaches
# every older match.
MAX_RANKED = 200
REFUSED_MESSAGE = "This search could not be run. Please try it with fewer symbols or different words."

# What PostgreSQL cannot read: NUL (psycopg cannot even send it) and, as junk in a query, the other
# control characters; lone surrogates are not text at all (UTF-8 cannot encode them).
_UNREADABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# websearch_to_tsquery stacks one operator for each "-" (a negation) until a word follows, and refuses
# the query once its stack of 32 is full ("tsquery stack too small"). Measured on PostgreSQL 15: 33
# dashes are refused, and so are 32 after a word, whatever separates them: white space, or any of
# ! & | ( ) < (the characters its parser skips). Anything else starts a word, and a quote starts a
# phrase, which a "-" cannot enter. So a run of dashes with only those between them says no more than
# one dash, and one is what is kept (Python's \s is wider than PostgreSQL's white space in any locale;
# the format characters some C libraries count as space are added).
_NEGATIONS = re.compile(r"-(?:[\s!&|()<\u180e\u200b\u2060\ufeff]*-)+")
# Nothing in text made only of words and spaces can be refused (at most 200 characters: no word can be
# too long for a tsquery, and no operator is stacked): such a search needs no savepoint.
_PLAIN = re.compile(r"[\w\s]*")


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search stories",
        required=False,
        max_length=MAX_QUERY_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        error_messages={"max_length": "Please shorten your search to %(limit_value)s characters or fewer."},
    )


def full_text() -> bool:
    return connection.vendor == "postgresql"


def clean_query(text: str) -> str:
    """`text` as the database can read it: no NUL, control characters or lone surrogates, and no run of
    negations deep enough to overflow the query parser's stack. Words, quotes and "or" are left alone."""
    return _NEGATIONS.sub("-", _UNREADABLE.sub(" ", text)).strip()


class Refused(Exception):
    """The database refused a query because of the words a reader typed."""


@contextlib.contextmanager
def refusals(text: str):
    """Raise `Refused` when the database refuses a query made from the reader's `text` (inside the block).

    Invalid data (DataError) and the text-search parser's own limits (InternalError) come from the
    words; a lost connection or a bug of ours still raises as itself. A refused statement would abort
    an open transaction, and everything after it in the request: a savepoint keeps the rest of the
    request working (without a transaction there is nothing to abort, and plain words are never refused).
    """
    guarded = connection.in_atomic_block and not _PLAIN.fullmatch(clean_query(text))
    try:
        with transaction.atomic() if guarded else contextlib.nullcontext():
            yield
    except (DataError, InternalError) as exc:
        logger.warning("Search refused by the database (%s): %r", type(exc).__name__, text[:200])
        raise Refused from exc


def _query(text):
    # websearch syntax accepts anything a person types (quotes, -, or), once clean_query took out what
    # its parser refuses.
    return SearchQuery(clean_query(text), search_type="websearch", config=CONFIG)


def _words(text):
    return [w for w in re.findall(r"\w+", text.lower()) if w][:10]


def matching(queryset, text):
    """`queryset` narrowed to stories matching `text` (no ranking: the order is left alone)."""
    if full_text():
        # The stored vector holds the highlights too: one condition, which the planner serves from the
        # GIN index (rare words) or by walking the newest stories until enough match (common words).
        return queryset.filter(search_vector=_query(text))
    words = _words(text)
    if not words:
        return queryset.none()
    for word in words:
        queryset = queryset.filter(
            Q(title__icontains=word)
            | Q(standfirst__icontains=word)
            | Q(body__icontains=word)
            | Exists(Highlight.objects.filter(story=OuterRef("pk"), text__icontains=word))
        )
    return queryset


def ranked(queryset, text):
    """Stories matching `text`, best first, with the headline and a snippet marked (PostgreSQL)."""
    newest = matching(queryset, text).newest_first().values("pk")[:MAX_RANKED]
    query = _query(text)
    marks = {"start_sel": MARK_START, "stop_sel": MARK_STOP, "config": CONFIG}
    return (
        queryset.model.objects.filter(pk__in=Subquery(newest))
        .annotate(rank=SearchRank(F("search_vector"), query))
        .order_by("-rank", "-published_at", "-pk")
        .values(
            "slug",
            "published_at",
            section_name=F("section__name"),
            title_marked=SearchHeadline("title", query, highlight_all=True, **marks),
            snippet_marked=SearchHeadline(
                "body", query, max_words=SNIPPET_WORDS, min_words=15, max_fragments=2, fragment_delimiter=" … ", **marks
            ),
        )
    )


# A page of ranked results, built by the ORM once per process and page position (building it took longer than
# PostgreSQL took to plan and run it) with a marker for the reader's words, which clean_query leaves as it is.
# Planned for the words each time: the generic plan of a prepared search took 21 ms where the plan for the words
# took 6 (compiled.planned_each_time).
_RANKED = CompiledQuery(
    lambda offset, limit, now, words: ranked(Story.objects.live(at=now), words)[offset : offset + limit],
    now=NOW,
    words=Marker("zqxsearchwordsmarker918273645"),
    prepared=False,
)


def results(text, offset: int, limit: int) -> list[dict]:
    """The results from `offset` of a search for `text` among live stories, best first: each story's address,
    time and section, and its headline and a snippet as HTML, matches in <mark>, everything else escaped."""
    if full_text():
        rows = _RANKED.rows((offset, limit), now=timezone.now(), words=clean_query(text))
        return [
            _result(row, _marked_html(row["title_marked"]), _marked_html(row["snippet_marked"], is_html=True))
            for row in rows
        ]
    words = _words(text)
    if not words:
        return []
    rows = (
        matching(Story.objects.live(), text)
        .newest_first()
        .values("slug", "title", "standfirst", "body", "published_at", section_name=F("section__name"))[
            offset : offset + limit
        ]
    )
    return [_result(row, _mark_words(row["title"], words), _mark_words(_snippet(row, words), words)) for row in rows]


def _result(row, title, snippet) -> dict:
    return {
        "url": reader_url("stories:detail", row["slug"]),
        "published_at": row["published_at"],
        "section": row["section_name"],
        "title": title,
        "snippet": snippet,
    }


def _marked_html(text, *, is_html=False):
    """Escape `text`, then turn the match markers into <mark> elements."""
    if is_html:  # the body: keep its words only, then escape them like any text
        text = plain_text(text)
    marked = escape(text or "").replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")
    return mark_safe(marked)  # noqa: S308 - every character from the database was escaped above


def _mark_words(plain, words):
    if not words:
        return escape(plain)
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE)
    pieces, last = [], 0
    # Escape piece by piece so a mark never lands inside an entity such as &amp;.
    for match in pattern.finditer(plain):
        pieces += [escape(plain[last : match.start()]), "<mark>", escape(match.group(0)), "</mark>"]
        last = match.end()
    pieces.append(escape(plain[last:]))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece of reader text is escaped


def _snippet(story, words):
    paragraphs = html_to_paragraphs(story["body"])
    for paragraph in paragraphs:
        lowered = paragraph.lower()
        position = min((lowered.find(w) for w in words if w in lowered), default=-1)
        if position >= 0:
            start = max(0, paragraph.rfind(" ", 0, max(0, position - 80)) + 1)
            text = ("… " if start else "") + paragraph[start : start + 240]
            return text + (" …" if start + 240 < len(paragraph) else "")
    return story["standfirst"] or (paragraphs[0][:240] if paragraphs else "")
