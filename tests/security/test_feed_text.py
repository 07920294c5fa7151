"""Feeds and sitemaps stay valid XML whatever is stored, and plain text in them stays text.

Read back with real parsers: feedparser (as a feed reader reads RSS and Atom) and
the standard library's XML parsers (as a search engine reads a sitemap).

What each field is, by the specs and by feedparser's defaults:
- HTML: an RSS item's `<description>` ("entity-encoded HTML is allowed", RSS 2.0), an
  Atom `<summary type="html">`, and the RSS channel `<description>` (feedparser reads it
  as text/html). Plain text goes into them escaped as HTML, then as XML.
- Plain text: titles (Atom's `<title>` has no type, so it is text; the RSS Best Practices
  Profile keeps HTML to an item's description, and feedparser reads an RSS title as
  text/plain), author names, categories and Atom's `<subtitle>`. They are escaped as XML only.
"""

import json
import xml.dom.minidom
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import feedparser
import pytest
from django.db import connection

from stories.models import Highlight, Section, Story
from tests.factories import StoryFactory, UserFactory
from tests.payloads import load

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

FEEDS = ["/feed/", "/feed/atom/", "/section/city/feed/", "/section/city/feed/atom/"]
SITEMAPS = ["/sitemap.xml", "/sitemap-home.xml", "/sitemap-sections.xml", "/sitemap-stories.xml", "/sitemap-news.xml"]
ATOM = "{http://www.w3.org/2005/Atom}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"

# Everything XML 1.0 forbids that a database can hold (not lone surrogates: no UTF-8 database stores one),
# and a few characters it allows but no field should hold any more.
XML_FORBIDDEN = [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"] + ["\ufffe", "\uffff"]
ODD_BUT_ALLOWED = ["\x7f", "\x85", "\u2028", "\u2029"]


def _id(value):
    return f"U+{ord(value):04X}" if len(value) == 1 else None


def _store_everywhere(text: str) -> Story:
    """`text` in every field a feed or sitemap shows, written past the validators (an old row, raw SQL)."""
    section = Section.objects.create(name=f"City{text}desk", slug="city", description=f"All{text}about the city")
    author = UserFactory(first_name=f"Ann{text}", last_name="Lee")
    story = StoryFactory(
        published=True,
        title=f"Council{text}votes",
        standfirst=f"The tram{text}line.",
        dateline=f"Leeds{text}",
        section=section,
        authors=[author],
        highlights=[],
    )
    described_by_highlights = StoryFactory(published=True, standfirst="", section=section, highlights=[])
    Highlight.objects.create(story=described_by_highlights, text=f"Trams{text}return.", position=0)
    described_by_body = StoryFactory(published=True, standfirst="", section=section, highlights=[])
    # The body is cleaned on every save: only an update behind the model's back stores it raw.
    Story.objects.filter(pk=described_by_body.pk).update(body=f"<p>Fares{text}stay.</p>")
    return story


@pytest.mark.parametrize("character", XML_FORBIDDEN + ODD_BUT_ALLOWED, ids=_id)
def test_feeds_and_sitemaps_stay_valid_xml_whatever_is_stored(client, character):
    if character == "\x00" and connection.vendor == "postgresql":
        pytest.skip("PostgreSQL refuses to store NUL in text")
    _store_everywhere(character)
    for url in FEEDS:
        response = client.get(url)
        assert response.status_code == 200, url
        ET.fromstring(response.content)  # noqa: S314 (our own document)
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo, (url, parsed.get("bozo_exception"))
        assert len(parsed.entries) == 3, url
        shown = json.dumps(parsed, default=str, ensure_ascii=False)
        assert "Council" in shown and "tram" in shown
        if character in XML_FORBIDDEN:
            assert character not in shown, url
    for url in SITEMAPS:
        response = client.get(url)
        assert response.status_code == 200, url
        root = ET.fromstring(response.content)  # noqa: S314
        xml.dom.minidom.parseString(response.content)  # noqa: S318
        assert len(root), f"{url} lists nothing"
    news = ET.fromstring(client.get("/sitemap-news.xml").content)  # noqa: S314
    titles = [e.text for e in news.iter(f"{NEWS}title")]
    assert len(titles) == 3
    assert any(t.startswith("Council") and t.endswith("votes") for t in titles)


# --- Plain text stays text -----------------------------------------------------------------


class _Rendered(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def _shown_as_html(fragment: str) -> str:
    """What a reader sees of an HTML field: its text; it must hold no element at all."""
    rendered = _Rendered()
    rendered.feed(fragment)
    rendered.close()
    assert not rendered.tags, f"plain text became markup: {fragment[:120]!r}"
    return _words("".join(rendered.text))


def _words(text: str) -> str:
    return " ".join(text.split())


# The shared hostile payloads (without the characters XML forbids, tested above) and text that
# looks like markup or entities.
PAYLOADS = [
    *({"name": p["name"], "payload": "".join(c for c in p["payload"] if c not in XML_FORBIDDEN)} for p in load()),
    {"name": "bold", "payload": "<b>Bold</b> move by the <i>council</i>"},
    {"name": "ampersand", "payload": "Fish & chips, AT&T, R&D"},
    {"name": "typed entity", "payload": "&lt;b&gt; is how you write <b> &amp; &nbsp; &#x3C;"},
    {"name": "comparison", "payload": "1 < 2 > 0 and 3 <= 4"},
    {"name": "cdata end", "payload": "]]> <![CDATA[ x ]]>"},
    {"name": "quotes", "payload": "\"Quoted\" and 'single' and `back`"},
    {"name": "img onerror", "payload": "<img src=x onerror=alert(1)>"},
]


def _params():
    return [pytest.param(p["payload"], id=p["name"].replace(" ", "-")) for p in PAYLOADS]


@pytest.fixture
def hostile_stories(db):
    def make(text):
        section = Section.objects.create(name=text[:80], slug="city", description=text[:300])
        author = UserFactory(username="ann", first_name=text[:150], last_name="")
        standfirst = StoryFactory(
            published=True, title=text[:200], standfirst=text[:400], section=section, authors=[author], highlights=[]
        )
        highlights = StoryFactory(published=True, title="By its highlights", standfirst="", section=section)
        highlights.highlights.all().delete()
        Highlight.objects.create(story=highlights, text=text[:200], position=0)
        return standfirst, highlights

    return make


def _entries(parsed):
    """The parsed entries by story (their ids end with the story's primary key)."""
    return {int(entry.id.rsplit(":", 1)[1]): entry for entry in parsed.entries}  # tag:<authority>:story:<pk>


@pytest.mark.parametrize("text", _params())
@pytest.mark.parametrize("url", ["/section/city/feed/", "/section/city/feed/atom/"])
def test_plain_text_in_a_feed_reaches_the_reader_as_text(client, hostile_stories, url, text):
    story, described_by_highlights = hostile_stories(text)
    response = client.get(url)
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    entries = _entries(parsed)
    entry, other = entries[story.pk], entries[described_by_highlights.pk]

    # HTML fields: the standfirst and the highlights, shown as the text that was typed.
    assert entry.summary_detail.type == "text/html"
    assert _shown_as_html(entry.summary) == _words(text[:400])
    assert _shown_as_html(other.summary) == _words(text[:200])

    # Plain-text fields: as typed, in every parser.
    name = " ".join(text[:150].split())
    assert _words(entry.author) == _words(name)
    assert [_words(tag.term) for tag in entry.tags] == [_words(text[:80])]
    if "atom" in url:
        assert entry.title_detail.type == "text/plain"
        assert _words(entry.title) == _words(text[:200])
        assert parsed.feed.subtitle_detail.type == "text/plain"
        assert _words(parsed.feed.subtitle) == _words(text[:300])
        root = ET.fromstring(response.content)  # noqa: S314
        titles = [e.findtext(f"{ATOM}title") for e in root.iter(f"{ATOM}entry")]
    else:
        # The channel's description is read as HTML.
        assert parsed.feed.subtitle_detail.type == "text/html"
        assert _shown_as_html(parsed.feed.subtitle) == _words(text[:300])
        root = ET.fromstring(response.content)  # noqa: S314
        titles = [item.findtext("title") for item in root.iter("item")]
    assert _words(text[:200]) in [_words(t) for t in titles]


@pytest.mark.parametrize("url", ["/feed/", "/feed/atom/"])
def test_a_story_described_by_its_body_is_described_in_text(client, url):
    story = StoryFactory(
        published=True, standfirst="", highlights=[], body="<p>Fares &lt;b&gt;stay&lt;/b&gt; the same.</p>"
    )
    entry = feedparser.parse(client.get(url).content).entries[0]
    assert entry.id.endswith(f":story:{story.pk}")
    assert _shown_as_html(entry.summary) == "Fares <b>stay</b> the same."
