"""The feeds' quicker XML writer writes exactly the documents Django's feed generators write."""

from datetime import UTC, datetime

import pytest
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.xmlutils import UnserializableContentError

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


@pytest.mark.parametrize(("django_type", "quick_type"), PAIRS)
def test_the_quick_writer_writes_what_djangos_writes(django_type, quick_type):
    assert _feed(quick_type).writeString("utf-8") == _feed(django_type).writeString("utf-8")


@pytest.mark.parametrize(("django_type", "quick_type"), PAIRS)
def test_the_quick_writer_writes_stylesheets_and_empty_fields_as_djangos(django_type, quick_type):
    changes = {"stylesheets": ["/feed.xsl"], "subtitle": "", "author_name": None}
    assert _feed(quick_type, **changes).writeString("utf-8") == _feed(django_type, **changes).writeString("utf-8")


@pytest.mark.parametrize("feed_type", [QuickRss, QuickAtom, Rss201rev2Feed, Atom1Feed])
@pytest.mark.parametrize("field", ["title", "feed_url"])
def test_a_control_character_is_refused_in_text_and_in_attributes_alike(feed_type, field):
    # The title is an element's text; the feed's own address an attribute (atom:link's href, Atom's link href).
    feed = _feed(feed_type)
    feed.feed[field] = feed.feed[field] + "\x0b"
    with pytest.raises(UnserializableContentError):
        feed.writeString("utf-8")


def test_a_feed_is_checked_for_exactly_the_characters_its_cleaning_changes():
    # stories.feeds writes a feed once and cleans its values only when the document needs it.
    changed = [code for code in range(0x110000) if xml_text(chr(code)) != chr(code)]
    flagged = [code for code in range(0x110000) if not is_xml_text(chr(code))]
    assert changed == flagged
    assert 0x0B in changed and 0x2028 in changed and 0xD800 in changed and 0x09 not in changed
