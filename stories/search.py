"""Search over published stories.

On PostgreSQL: full-text search, the headline weighted above the highlights
above the body, ranked, with the matches marked in the results. Each story's
words are parsed once and stored (Story.search_vector, kept current by the
database: migration 0005), so matching reads a GIN index and ranking reads the
stored vectors. The matched words are marked here (`Stemmed`), in the headline and
in a snippet of the body, without the database parsing the text again.

Elsewhere (SQLite for local work): every word must appear, case-insensitively,
in the headline, standfirst, body or a highlight; newest first.

A reader's words reach the database only through `clean_query`, which takes out
what PostgreSQL refuses; should it still refuse a query, `refusals` makes that
an empty result with a message instead of an error page.
"""

import contextlib
import logging
import re
import time
from dataclasses import dataclass, field, replace

import Stemmer
from django import forms
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import DataError, InternalError, connection, connections, router, transaction
from django.db.models import DateTimeField, Exists, F, FloatField, Func, OuterRef, Q, Subquery, TextField, Value
from django.forms.renderers import Jinja2
from django.utils import timezone
from markupsafe import Markup

from . import reading
from .compiled import CompiledQuery, Marker
from .links import reader_url
from .models import Highlight, Story
from .reading import NOW
from .richtext import html_to_paragraphs

logger = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 200
CONFIG = "english"
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
    # Its field is drawn by Django's own Jinja2 widget templates, like the page around it: the same input, in 56 µs
    # instead of the template language's 98, which every results page paid.
    default_renderer = Jinja2()  # one per process: each keeps its compiled templates

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


def ranked(queryset, text, offset: int = 0, limit: int = MAX_RANKED, *, by_index_at=None):
    """The stories matching `text` from `offset` (at most `limit`), best first, with what their results show, the
    words the database looked for (`looked_for`: the query's tree, its words as stored in each story's vector) and,
    on one row, the navigation's sections (PostgreSQL).

    The newest MAX_RANKED matches are ranked on their keys and vectors alone; only the page's stories are then read
    whole (ranked with their bodies and headlines, 200 rows cost PostgreSQL 0.1 ms more). With `by_index_at` (the
    time `queryset` is live at), those newest matches come in time order from the RUM index (`by_index`), stories
    published at the very same moment in the index's order; without it, the database walks or sorts."""
    found = matching(queryset, text)
    newest = (found.order_by(_age(by_index_at)) if by_index_at else found.newest_first()).values("pk")[:MAX_RANKED]
    query = _query(text)
    order = ("-rank", "-published_at", "-pk")

    def by_rank(stories):
        return stories.annotate(rank=SearchRank(F("search_vector"), query)).order_by(*order)

    model = queryset.model
    page = by_rank(model.objects.filter(pk__in=Subquery(newest))).values("pk")[offset : offset + limit]
    return by_rank(model.objects.filter(pk__in=Subquery(page))).values(
        "slug",
        "published_at",
        "title",
        "standfirst",
        "body",
        section_name=F("section__name"),
        looked_for=Func(query, function="querytree", output_field=TextField()),
        **reading.on_one_row(section_list=reading.section_list()),
    )


# A page of ranked results, built by the ORM once per process, page position and way to the newest matches (building
# it took longer than PostgreSQL took to plan and run it) with a marker for the reader's words, which clean_query
# leaves as it is. Planned for the words each time: the generic plan of a prepared search took 21 ms where the plan
# for the words took 6 (compiled.planned_each_time).
_RANKED = CompiledQuery(
    lambda offset, limit, indexed, now, words: ranked(
        Story.objects.live(at=now), words, offset, limit, by_index_at=now if indexed else None
    ),
    now=NOW,
    words=Marker("zqxsearchwordsmarker918273645"),
    prepared=False,
)


# --- The way to the newest matches ----------------------------------------------------------------------------------
#
# A RUM index (migration 0019, where PostgreSQL has the extension) keeps each story's publication time beside its
# words and hands out a word's matches newest first. It reads every match to sort them, though: at 100,000 stories
# (bench/run.py), 0.7 ms for a word in 2 % of the stories, where finding and sorting its 2,000 rows took 3.3 ms, but
# 43 ms for a word in 91 %, where walking the newest stories (story_feed_idx) until 200 match takes 0.8. PostgreSQL's
# estimate of the index's cost does not see that sort, so the way is chosen here, from the statistics PostgreSQL
# keeps of the vectors' words (their most common words and the share of stories holding each).

SEARCH_INDEX = "story_search_newest_idx"
# Walking one story costs about as much as three matches the index hands out (measured on the benchmark: 1 µs and
# 0.35 µs).
WALK_IN_MATCHES = 3
STATISTICS_SECONDS = 600  # how long a process keeps what it read of the statistics


@dataclass(frozen=True)
class WordStatistics:
    """What a database holds for the choice: whether the index is there, how many stories, and the share of stories
    holding each of their most common words (`rare`: at most what a word outside that list holds)."""

    indexed: bool = False
    stories: float = 0
    shares: dict[str, float] = field(default_factory=dict)
    rare: float = 0.005  # PostgreSQL's own guess without statistics


_STATISTICS_SQL = """
SELECT EXISTS (SELECT FROM pg_index WHERE indexrelid = to_regclass(%s) AND indisvalid),
       c.reltuples, s.most_common_elems::text::text[], s.most_common_elem_freqs
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = 'search_vector'
WHERE c.oid = 'stories_story'::regclass
"""
_read_statistics: dict[str, tuple[float, WordStatistics]] = {}


def word_statistics(alias: str) -> WordStatistics:
    """The statistics of the database `alias` (PostgreSQL), read at most once every STATISTICS_SECONDS a process."""
    now = time.monotonic()
    kept = _read_statistics.get(alias)
    if kept is not None and kept[0] > now:
        return kept[1]
    with connections[alias].cursor() as cursor:
        cursor.execute(_STATISTICS_SQL, [SEARCH_INDEX])
        indexed, stories, words, shares = cursor.fetchone()
    found = WordStatistics(indexed, max(stories, 0))  # -1 stories: never counted
    if words and shares:
        # The shares list each word's, then the least and the greatest of them and the share of empty vectors.
        found = replace(found, shares=dict(zip(words, shares, strict=False)), rare=shares[len(words)])
    _read_statistics[alias] = (now + STATISTICS_SECONDS, found)
    return found


def by_index(text: str, statistics: WordStatistics) -> bool:
    """Whether a search for `text` (clean_query's) finds its newest matches cheaper in the RUM index than by walking:
    the index reads all of a word's matches, the walk MAX_RANKED of them among the stories it passes.

    Only plain words are weighed, each as the English stemmer stores it; the rarest the statistics list stands for
    all of them (words joined by "and" match no more often than it). Words the statistics do not list are rarer than
    any they do, unless they are stop words, which match nothing and are not looked for: the others decide. "Or",
    phrases and negations go the walk's way, as every search did before the index."""
    if not statistics.indexed or not _PLAIN.fullmatch(text):
        return False
    words = set(text.lower().split())
    if not words or "or" in words:
        return False
    listed = [statistics.shares[w] for w in map(_STEMMER.stemWord, words) if w in statistics.shares]
    share = min(listed, default=statistics.rare)
    return share * statistics.stories < WALK_IN_MATCHES * MAX_RANKED / share


def _age(at):
    """How long before `at` each story was published (RUM's `<=|`): the order its index hands matches out in."""
    return Func(
        F("published_at"),
        Value(at, output_field=DateTimeField()),
        arg_joiner=" <=| ",
        template="(%(expressions)s)",
        output_field=FloatField(),
    )


@dataclass
class Results:
    """A page of search results, and the navigation's sections when the page's own query read them (else None)."""

    items: list[dict] = field(default_factory=list)
    sections: list[dict] | None = None


def results(text, offset: int, limit: int) -> Results:
    """The results from `offset` of a search for `text` among live stories, best first: each story's address,
    time and section, and its headline and a snippet as HTML, matches in <mark>, everything else escaped."""
    found = Results()
    if full_text():
        words = clean_query(text)
        indexed = by_index(words, word_statistics(router.db_for_read(Story)))
        rows = _RANKED.rows((offset, limit, indexed), now=timezone.now(), words=words)
        terms = Stemmed(rows[0]["looked_for"]) if rows else Terms()
        for row in rows:
            if row["section_list"] is not None:
                found.sections = reading.navigation(reading.json_value(row["section_list"]))
    else:
        words = _words(text)
        if not words:
            return found
        rows = (
            matching(Story.objects.live(), text)
            .newest_first()
            .values("slug", "title", "standfirst", "body", "published_at", section_name=F("section__name"))[
                offset : offset + limit
            ]
        )
        terms = Literal(words)
    found.items = [
        {
            "url": reader_url("stories:detail", row["slug"]),
            "published_at": row["published_at"],
            "section": row["section_name"],
            "title": terms.marked(row["title"]),
            "snippet": snippet(row["body"], row["standfirst"], terms),
        }
        for row in rows
    ]
    return found


# --- Marking what matched -------------------------------------------------------------------
#
# PostgreSQL's ts_headline would mark the results, but it parses each story's whole body again to do so: 1.7 ms of
# the database's 3.7 for a page of ten 2 KB stories, and more as stories grow. The words it looked for are known
# (the query's tree), and a word of a story matches one when Snowball's English stemmer, the one the `english`
# configuration stems with, turns it into that word: so the marks are found here, reading only the words that could
# match, and stemming only those.

# A word as PostgreSQL's parser reads one in prose: letters and digits (an underscore, a hyphen or an apostrophe
# ends it).
_WORD_CHARACTERS = r"[^\W_]"
_STEMMER = Stemmer.Stemmer("english")
# The Snowball English stemmer keeps the start of a word and changes at most two letters of what it keeps
# ("ability" -> "abil", "cities" -> "citi", "dying" -> "die"): a word can stem to `lexeme` only if it begins with
# the lexeme less its last three letters (at least its first letter). tests/reader/test_search_marks.py checks
# this against PostgreSQL's own stemmer.
_KEPT = 3


class Terms:
    """What a search matched in a story's text: the matches of `pattern` (or of them those `spans` keeps), each of
    which holds one of `starts` (lowercase)."""

    pattern = re.compile(r"(?!)")  # nothing
    starts: tuple[str, ...] = ()

    def may_be_in(self, text: str) -> bool:
        # A plain look for the starts first: the pattern's case-blind search from a word's start is 15 times slower
        # than lowering a story's body and looking for a few strings in it.
        lowered = text.lower()
        return any(start in lowered for start in self.starts)

    def spans(self, text: str) -> list[tuple[int, int]]:
        return [found.span() for found in self.pattern.finditer(text)] if self.may_be_in(text) else []

    def term(self, word: str) -> str:
        """What `word` counts as when the matches of a paragraph are told apart."""
        return word.lower()

    def marked(self, text: str) -> Markup:
        return _marked(text, self.spans(text))


class Stemmed(Terms):
    """The words of a story that match a full-text search: those the English stemmer turns into one of the words
    the query looked for (`tree`, PostgreSQL's querytree of it)."""

    def __init__(self, tree: str):
        self.lexemes = frozenset(lexeme.replace("''", "'") for lexeme in re.findall(r"'((?:[^']|'')*)'", tree or ""))
        self.starts = tuple(sorted({lexeme[: max(1, len(lexeme) - _KEPT)] for lexeme in self.lexemes}))
        if self.starts:  # the words that could stem to one of them
            alternatives = "|".join(map(re.escape, sorted(self.starts, key=len, reverse=True)))
            self.pattern = re.compile(rf"(?<!{_WORD_CHARACTERS})(?:{alternatives}){_WORD_CHARACTERS}*", re.IGNORECASE)

    def spans(self, text: str) -> list[tuple[int, int]]:
        stem, lexemes = _STEMMER.stemWord, self.lexemes
        return [(start, stop) for start, stop in super().spans(text) if stem(text[start:stop].lower()) in lexemes]

    def term(self, word: str) -> str:
        return _STEMMER.stemWord(word.lower())


class Literal(Terms):
    """The matches of a plain search (SQLite): each of the reader's words wherever it appears, in any case."""

    def __init__(self, words: list[str]):
        self.starts = tuple(word.lower() for word in words)
        longest_first = sorted(words, key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(word) for word in longest_first), re.IGNORECASE)


SNIPPET_LENGTH = 240  # characters of a paragraph, cut at a space
SNIPPET_LEAD = 80  # of them before its first match, at most


def snippet(body: str, standfirst: str, terms: Terms) -> Markup:
    """A passage of the story for its search result, its matches marked: from the paragraph that holds the most
    different matching words (the first of them on a tie), starting a little before its first match. A story found
    by its headline or highlights alone shows its standfirst, or else its first paragraph."""
    # A look at the markup first: a story found by its headline may hold no match, and then needs its paragraphs only
    # when it has no standfirst. Read once either way.
    paragraphs = html_to_paragraphs(body) if not standfirst or terms.may_be_in(body) else []
    best, spans, most = None, [], 0
    for paragraph in paragraphs:
        found = terms.spans(paragraph)
        count = len({terms.term(paragraph[start:stop]) for start, stop in found})
        if count > most:
            best, spans, most = paragraph, found, count
    if best is None:
        best = standfirst or next(iter(paragraphs), "")
        spans = terms.spans(best)
    first = spans[0][0] if spans else 0
    space = best.find(" ", first - SNIPPET_LEAD, first) if first > SNIPPET_LEAD else -1
    start = space + 1 if space >= 0 else 0 if first <= SNIPPET_LEAD else first
    stop = len(best) if len(best) - start <= SNIPPET_LENGTH else best.rfind(" ", start, start + SNIPPET_LENGTH)
    if stop <= start:  # no space to cut at
        stop = min(len(best), start + SNIPPET_LENGTH)
    marked = _marked(best[start:stop], [(a - start, b - start) for a, b in spans if a >= start and b <= stop])
    return (Markup("… ") if start else _NOTHING) + marked + (" …" if stop < len(best) else "")


_MARK, _UNMARK, _NOTHING = Markup("<mark>"), Markup("</mark>"), Markup("")


def _marked(text: str, spans: list[tuple[int, int]]) -> Markup:
    """`text` escaped (by markupsafe, in C: Django's escape costs 4 µs a call through its lazy-string check), with
    each span in <mark>."""
    pieces, last = [], 0
    for start, stop in spans:
        pieces += [text[last:start], _MARK, text[start:stop], _UNMARK]
        last = stop
    pieces.append(text[last:])
    return _NOTHING.join(pieces)  # escapes each piece of text
