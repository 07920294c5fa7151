"""What a search result shows of a story: the headline and a passage of the body, the matched words marked.

PostgreSQL finds and ranks the stories; the marks are found in Python (stories.search.Stemmed) with the stemmer
PostgreSQL's `english` configuration uses. The PostgreSQL tests here hold the two to the same words.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from stories import search
from stories.richtext import html_to_paragraphs
from tests.factories import StoryFactory
from tests.reader.test_search import _results

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search needs PostgreSQL")

# Endings the English stemmer rewrites rather than cuts, and the words it treats as exceptions.
TRICKY = """
    relational conditional valency hesitancy digitizer organization operator feudalism formality formally
    hopefulness generously callousness decisiveness sensitivity ability possibility vileness archaeology
    hopefully carelessly lovely cities parties cried ties dying lying tying skies skis ugly early only singly
    news atlas cosmos bias andes howe gently idly succeed proceed exceed generate generic communism arsenal
    commune communication universities university united kingdom yelling yes eyed sky's council's
    1990s 2nd héros naïveté Œuvres Straße
"""


def _demo_texts() -> list[str]:
    return [path.read_text() for path in sorted((Path(settings.BASE_DIR) / "stories" / "demo").glob("*.txt"))]


def _vocabulary() -> list[str]:
    texts = [*_demo_texts(), (Path(settings.BASE_DIR) / "README.md").read_text(), TRICKY]
    return sorted({word.lower() for text in texts for word in re.findall(r"[^\W_]+", text)})


def _marked(html):
    return re.findall(r"<mark>(.*?)</mark>", html)


@postgres_only
def test_the_stemmer_is_postgresqls_and_keeps_the_start_every_candidate_search_relies_on():
    words = _vocabulary()
    assert len(words) > 3000
    with connection.cursor() as cursor:
        cursor.execute("SELECT w, ts_lexize('english_stem', w) FROM unnest(%s::text[]) AS w", [words])
        stems = {word: lexemes[0] for word, lexemes in cursor.fetchall() if lexemes}
    assert len(stems) > 2500  # the rest are stop words, which no search looks for
    different = {w: (s, search._STEMMER.stemWord(w)) for w, s in stems.items() if search._STEMMER.stemWord(w) != s}
    assert different == {}
    kept = {w: s for w, s in stems.items() if not w.startswith(s[: max(1, len(s) - search._KEPT)])}
    assert kept == {}


@postgres_only
@pytest.mark.parametrize(
    "query",
    ["council", "trams budget", '"city council" -ferry', "voting or elections", "rising prices", "festival's films"],
)
def test_the_words_marked_are_the_words_postgresql_marks_for_what_it_looked_for(query):
    """Every demo story's text, marked here and by ts_headline with the words the query looks for: the same words,
    in order. A word the reader excluded is looked for nowhere, so it is marked nowhere."""
    texts = _demo_texts()
    with connection.cursor() as cursor:
        cursor.execute("SELECT querytree(websearch_to_tsquery('english', %s))", [query])
        tree = cursor.fetchone()[0]
        cursor.execute(
            "SELECT ts_headline('english', t, %s::tsquery, 'HighlightAll=true, StartSel=<mark>, StopSel=</mark>')"
            " FROM unnest(%s::text[]) AS t",
            [tree, texts],
        )
        theirs = [_marked(row[0]) for row in cursor.fetchall()]
    terms = search.Stemmed(tree)
    ours = [[text[start:stop] for start, stop in terms.spans(text)] for text in texts]
    assert ours == theirs
    assert sum(map(len, ours)) > 5
    assert "ferry" not in {word.lower() for words in ours for word in words}


def test_the_snippet_is_the_paragraph_with_the_most_matching_words_from_just_before_its_first_match(client):
    lead = "Officials met on Monday. " * 6
    StoryFactory(
        published=True,
        title="Transport plans",
        body=f"<p>The harbour opens.</p><p>{lead}The tram depot will close, the tram union said.</p>"
        "<p>A depot for trams is planned, and the tram line will follow the harbour road past the old mill.</p>",
    )
    html = _results(client, "tram depot")
    snippet = html[html.index('class="snippet"') :]
    snippet = snippet[: snippet.index("</p>")]
    # Both later paragraphs match both words: the first of them, from a word a little before its first match.
    assert "The <mark>tram</mark> <mark>depot</mark> will close, the <mark>tram</mark> union said." in snippet
    text = snippet.split(">", 1)[1]
    assert re.match(r"… (Officials|met|on|Monday\.) ", text) and "harbour" not in text
    assert len(text.split("<mark>", 1)[0]) - 2 <= search.SNIPPET_LEAD


def test_a_long_paragraph_is_cut_at_a_space_and_says_so(client):
    words = " ".join(f"word{i}" for i in range(100))
    StoryFactory(published=True, title="Long read", body=f"<p>Harbour {words}</p>")
    html = _results(client, "harbour")
    snippet = html[html.index('class="snippet"') :].split("</p>", 1)[0]
    text = snippet.split(">", 1)[1]
    assert text.startswith("<mark>Harbour</mark> word0 word1")
    assert text.endswith(" …") and len(text) - len("<mark></mark>") <= search.SNIPPET_LENGTH + 2
    assert re.search(r"word\d+ …$", text)  # a whole word before the ellipsis


def test_a_story_found_by_its_headline_shows_its_standfirst_and_the_text_is_escaped_once(client):
    StoryFactory(
        published=True,
        title="Tram <i>fares</i> & tickets",
        standfirst="What a tram ride costs from May & why.",
        body="<p>Nothing about the subject here: &lt;script&gt; stays text.</p>",
    )
    html = _results(client, "tram")
    assert "Tram &lt;i&gt;fares&lt;/i&gt; &amp; tickets" in html.replace("<mark>Tram</mark>", "Tram")
    snippet = html[html.index('class="snippet"') :].split("</p>", 1)[0]
    assert "What a <mark>tram</mark> ride costs from May &amp; why." in snippet


def test_a_match_in_the_body_is_found_past_markup_and_entities(client):
    StoryFactory(
        published=True,
        title="Budget",
        body="<h2>Money</h2><p>Fees &amp; <em>tram</em>s rise.</p>"
        "<ul><li>The <a href='/tram'>depot</a> stays</li></ul>",
    )
    html = _results(client, "depot")
    snippet = html[html.index('class="snippet"') :].split("</p>", 1)[0]
    assert "The <mark>depot</mark> stays" in snippet


def test_body_paragraphs_come_from_every_kind_of_block():
    body = (
        "<h2>A &amp; B</h2><p>One<br>two  lines</p><blockquote><p>Quoted</p></blockquote>"
        "<ul><li>First</li><li>Second <strong>item</strong></li></ul><figure><blockquote><p>Said</p></blockquote>"
        "<figcaption>Someone</figcaption></figure><p>&lt;tag&gt; and\x1e</p>"
    )
    assert html_to_paragraphs(body) == [
        "A & B",
        "One two lines",
        "Quoted",
        "First",
        "Second item",
        "Said",
        "Someone",
        "<tag> and",
    ]
