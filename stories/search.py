"""Search over published stories.

On PostgreSQL: full-text search, the headline weighted above the highlights
above the body, ranked, with the matches marked in the results. The GIN
indexes it relies on (migration 0003) are expressions over each table's own
columns, so nothing needs to be kept in sync when a story or a highlight
changes: the expressions below must stay identical to the indexed ones.

Elsewhere (SQLite for local work): every word must appear, case-insensitively,
in the headline, standfirst, body or a highlight; newest first.
"""

import re

from django import forms
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Exists, OuterRef, Q, StringAgg, Subquery, Value
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .models import Highlight
from .richtext import html_to_paragraphs, plain_text

MAX_QUERY_LENGTH = 200
CONFIG = "english"
# Private-use characters mark matches inside the database's output; no story contains them,
# and they survive escaping, so the marks are added only after everything else is escaped.
MARK_START, MARK_STOP = "\ue000", "\ue001"
SNIPPET_WORDS = 35
# Ranking recomputes each candidate's vector (the indexes hold expressions, not stored
# vectors), so only the newest matches are ranked: news readers want recent stories,
# and a common word must not make the database rank the whole archive.
MAX_RANKED = 500


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


def story_vector():
    """Headline (A) and body (C): the expression of the index stories_story_search_idx."""
    return SearchVector("title", weight="A", config=CONFIG) + SearchVector("body", weight="C", config=CONFIG)


def highlight_vector():
    """A highlight's words: the expression of the index stories_highlight_search_idx."""
    return SearchVector("text", config=CONFIG)


def _query(text):
    # websearch syntax accepts anything a person types (quotes, -, or) without raising.
    return SearchQuery(text, search_type="websearch", config=CONFIG)


def _words(text):
    return [w for w in re.findall(r"\w+", text.lower()) if w][:10]


def matching(queryset, text):
    """`queryset` narrowed to stories matching `text` (no ranking: the order is left alone)."""
    if full_text():
        query = _query(text)
        in_story = queryset.model.objects.alias(v=story_vector()).filter(v=query).values("pk")
        in_highlights = Highlight.objects.alias(v=highlight_vector()).filter(v=query).values("story_id")
        # One IN over a UNION lets each side use its own GIN index.
        return queryset.filter(pk__in=in_story.union(in_highlights))
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


def search(queryset, text):
    """Stories matching `text`, best first, with what the results page shows."""
    matches = matching(queryset, text)
    if not full_text():
        return matches.newest_first().select_related("section")
    newest = matches.newest_first().values("pk")[:MAX_RANKED]
    queryset = queryset.model.objects.filter(pk__in=Subquery(newest)).select_related("section")
    query = _query(text)
    highlights = Subquery(
        Highlight.objects.filter(story=OuterRef("pk"))
        .order_by()
        .values("story")
        .annotate(all=StringAgg("text", delimiter=Value(" ")))
        .values("all")
    )
    vector = story_vector() + SearchVector(highlights, weight="B", config=CONFIG)
    marks = {"start_sel": MARK_START, "stop_sel": MARK_STOP, "config": CONFIG}
    return queryset.annotate(
        rank=SearchRank(vector, query),
        title_marked=SearchHeadline("title", query, highlight_all=True, **marks),
        snippet_marked=SearchHeadline(
            "body", query, max_words=SNIPPET_WORDS, min_words=15, max_fragments=2, fragment_delimiter=" … ", **marks
        ),
    ).order_by("-rank", "-published_at", "-pk")


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
    paragraphs = html_to_paragraphs(story.body)
    for paragraph in paragraphs:
        lowered = paragraph.lower()
        position = min((lowered.find(w) for w in words if w in lowered), default=-1)
        if position >= 0:
            start = max(0, paragraph.rfind(" ", 0, max(0, position - 80)) + 1)
            text = ("… " if start else "") + paragraph[start : start + 240]
            return text + (" …" if start + 240 < len(paragraph) else "")
    return story.standfirst or (paragraphs[0][:240] if paragraphs else "")


def results(stories, text):
    """(story, headline HTML, snippet HTML) for each story, matches in <mark>, everything else escaped."""
    if full_text():
        return [(s, _marked_html(s.title_marked), _marked_html(s.snippet_marked, is_html=True)) for s in stories]
    words = _words(text)
    return [(s, _mark_words(s.title, words), _mark_words(_snippet(s, words), words)) for s in stories]
