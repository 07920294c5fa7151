"""The feeds' template writes the documents Django's feed generators write, as XML reads them."""

import re
from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed

from stories.feedwriting import QuickAtom, QuickRss
from stories.richtext import is_xml_text, xml_text

PAIRS = [(Rss201rev2Feed, QuickRss), (Atom1Feed, QuickAtom)]


def _feed(feed_type, **changes):
    fields = {
        "title": "Tom & Jerry's <b>news</b> “today”",
        "link": "https://news.example.com/?a=1&b=2",
        "description": "Cats &amp; dogs: <i>escaped</i> HTML",
        "language": "en-gb",
        "feed_url": "https://news.example.com/feed/",
        "feed_guid": "tag:news.example.com,2026:feed:latest",
        "subtitle": 'A "quoted" subtitle',
        "author_name": "The Newsroom",
    }
    feed = feed_type(**(fields | changes))
    published = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    feed.add_item(
        title="Ünïcödé & <ampersands> \"quotes\" 'apostrophes'",
        link="https://news.example.com/stories/caf%C3%A9/",
        description="&lt;p&gt;Escaped&lt;/p&gt; and plain",
        unique_id="tag:news.example.com,2026:story:1",
        unique_id_is_permalink=False,
        pubdate=published,
        updateddate=datetime(2026, 3, 5, 0, 0, tzinfo=UTC),
        author_name='Ada O\'Brien, Bo "Bobby" Li',
        author_link="https://news.example.com/authors/ada/",
        categories=["City & Council", "Été"],
    )
    feed.add_item(  # the bare minimum: no author, categories, description or dates beyond publication
        title="Second",
        link="https://news.example.com/stories/second/",
        description="",
        unique_id="tag:news.example.com,2026:story:2",
        pubdate=published,
    )
    feed.add_item(
        title="With an enclosure",
        link="https://news.example.com/stories/third/",
        description="Audio",
        pubdate=published,
        enclosures=[Enclosure("https://news.example.com/a.mp3", "1234", "audio/mpeg")],
    )
    return feed


def _as_xml_reads_it(document: str) -> str:
    """The document's canonical XML (C14N 2.0: one way to write each character, attribute and empty element),
    without the line breaks between elements, which say nothing in a feed."""
    root = ElementTree.fromstring(document.encode())  # noqa: S314 (our own document)
    for element in root.iter():
        if element.text is not None and not element.text.strip() and len(element):
            element.text = None
        if element.tail is not None and not element.tail.strip():
            element.tail = None
    return ElementTree.canonicalize(ElementTree.tostring(root))


@pytest.mark.parametrize(("django_type", "quick_type"), PAIRS)
def test_the_template_writes_what_djangos_writer_writes(django_type, quick_type):
    quick, django = _feed(quick_type).writeString("utf-8"), _feed(django_type).writeString("utf-8")
    assert quick.startswith('<?xml version="1.0" encoding="utf-8"?>\n')
    assert _as_xml_reads_it(quick) == _as_xml_reads_it(django)


@pytest.mark.parametrize(("django_type", "quick_type"), PAIRS)
def test_the_template_writes_empty_and_missing_fields_as_djangos_writer(django_type, quick_type):
    changes = {"subtitle": "", "author_name": None, "language": None, "feed_url": None}
    quick, django = _feed(quick_type, **changes), _feed(django_type, **changes)
    assert _as_xml_reads_it(quick.writeString("utf-8")) == _as_xml_reads_it(django.writeString("utf-8"))


def test_the_template_writes_a_stylesheet_as_djangos_writer():
    # A processing instruction is not part of the canonical form: compared as written.
    stylesheets = ["/feeds/news&views.xsl"]
    quick, django = _feed(QuickRss, stylesheets=stylesheets), _feed(Rss201rev2Feed, stylesheets=stylesheets)
    instruction = re.compile(r"<\?xml-stylesheet .*?\?>")
    written = instruction.findall(quick.writeString("utf-8"))
    assert written == instruction.findall(django.writeString("utf-8"))
    assert written == ['<?xml-stylesheet href="/feeds/news&amp;views.xsl" media="screen" type="text/xsl"?>']


@pytest.mark.parametrize(("django_type", "quick_type"), PAIRS)
def test_markup_in_any_value_stays_text(django_type, quick_type):
    # Every value a feed writes is escaped: a headline's markup is text to a reader, in elements and attributes.
    markup = "</title><script>alert(1)</script>\"'&"
    feed = _feed(quick_type, title=markup)
    feed.feed["feed_url"] = "https://news.example.com/?q=" + markup  # as no address is (add_item quotes them)
    root = ElementTree.fromstring(feed.writeString("utf-8").encode())  # noqa: S314 (our own document)
    assert root.find(".//script") is None
    assert markup in [element.text for element in root.iter()]
    assert "https://news.example.com/?q=" + markup in [value for e in root.iter() for value in e.attrib.values()]


def test_an_rss_item_has_one_enclosure_at_most_as_djangos_writer_says():
    for feed_type in (Rss201rev2Feed, QuickRss):
        feed = _feed(feed_type)
        feed.items[2]["enclosures"] = [Enclosure("https://news.example.com/a.mp3", "1", "audio/mpeg")] * 2
        with pytest.raises(ValueError, match="enclosure"):
            feed.writeString("utf-8")


def test_a_feed_is_checked_for_exactly_the_characters_its_cleaning_changes():
    # stories.feeds writes a feed once and cleans its values only when the document needs it.
    changed = [code for code in range(0x110000) if xml_text(chr(code)) != chr(code)]
    flagged = [code for code in range(0x110000) if not is_xml_text(chr(code))]
    assert changed == flagged
    assert 0x0B in changed and 0x2028 in changed and 0xD800 in changed and 0x09 not in changed
