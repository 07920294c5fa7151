"""RSS and Atom feeds of the latest published stories, for the whole site and per section.

Readers take some fields of a feed as HTML and others as plain text. HTML: an RSS item's
`<description>` (RSS 2.0: "entity-encoded HTML is allowed"), Atom's `<summary type="html">`
(Django's Atom feed writes it so) and the RSS channel's `<description>` (feedparser, like many
readers, reads it as HTML). Our text for them is plain (a standfirst, highlights, a section's
description), so it goes in escaped as HTML, then the feed writer escapes it as XML: a reader shows
`<b>` as typed instead of turning the text bold. Everything else is plain text and written as it
is: titles (the RSS Best Practices Profile keeps HTML to an item's description; Atom's untyped
`<title>` is text), author names, categories and Atom's `<subtitle>`.

Whatever a row holds (one written before the fields refused control characters, raw SQL, a
restore), the characters XML 1.0 forbids are dropped on the way out: one of them would make the
whole document unreadable.
"""

from html import escape

from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.contrib.syndication.views import Feed, add_domain
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language

import pagecache

from . import reading, scopes
from .models import Section
from .richtext import html_to_paragraphs, xml_text

FEED_LENGTH = 30


class LatestStoriesFeed(Feed):
    """The latest stories, newest first (RSS 2.0), from the rows of `reading.feed_items`.

    Django's `Feed` asks for each value of each item through a method it inspects first (twenty per item);
    `get_feed` here gives the feed generator the values directly, in the same shape.
    """

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        # The feed generator writes the document element by element, each a chunk of the response,
        # and a WSGI server sends each chunk with a write of its own: about 1,000 for 30 stories.
        response.content = b"".join(response)
        return response

    def title(self, obj=None):
        return f"{settings.SITE_NAME}: {obj.name}" if obj else f"{settings.SITE_NAME}: latest stories"

    def link(self, obj=None):
        return obj.get_absolute_url() if obj else "/"

    def subtitle(self, obj=None):
        """Atom's plain-text `<subtitle>`."""
        return (obj.description or f"The latest {obj.name} stories.") if obj else "The latest published stories."

    def description(self, obj=None):
        """The RSS channel's `<description>`, which readers take as HTML."""
        return escape(self.subtitle(obj), quote=False)

    def items(self, obj=None):
        return (
            reading.feed_items("front", FEED_LENGTH)
            if obj is None
            else reading.feed_items("section", FEED_LENGTH, obj.pk)
        )

    def item_pubdate(self, item):  # its presence makes Django's Feed send Last-Modified
        return item["published_at"]

    def get_feed(self, obj, request):
        domain, secure = get_current_site(request).domain, request.is_secure()
        feed = self.feed_type(
            title=self.title(obj),
            subtitle=self.subtitle(obj),
            link=add_domain(domain, self.link(obj), secure),
            description=self.description(obj),
            language=get_language(),
            feed_url=add_domain(domain, request.path, secure),
        )
        site = settings.SITE_URL.rstrip("/")
        for item in self.items(obj):
            byline = item["byline"]
            feed.add_item(
                title=item["title"],
                link=add_domain(domain, item["url"], secure),
                description=_summary(item),
                # The slug may be edited; the primary key never changes.
                unique_id=f"{site}/stories/{item['pk']}",
                unique_id_is_permalink=False,
                pubdate=item["published_at"],
                updateddate=item["last_modified"],
                author_name=", ".join(person["name"] for person in byline) or None,
                # Atom's author <uri>: one feed author per item, so only a story with a single byline links one.
                author_link=site + byline[0]["url"] if len(byline) == 1 and byline[0]["url"] else None,
                categories=[item["section"]["name"]] if item["section"] else [],
            )
        feed.feed = _xml_safe(feed.feed)
        feed.items = [_xml_safe(item) for item in feed.items]
        return feed


def _summary(item) -> str:
    """An item's description (an RSS `<description>`, an Atom `<summary type="html">`) of plain text: escaped.

    Its standfirst, else its highlights, else its first paragraph."""
    text = item["standfirst"] or " ".join(item["highlights"]) or " ".join(html_to_paragraphs(item["body"])[:1])
    return escape(text, quote=False)


def _xml_safe(values: dict) -> dict:
    """A feed's or an item's values without the characters XML 1.0 forbids."""
    return {key: _without_forbidden(value) for key, value in values.items()}


def _without_forbidden(value):
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, list | tuple):  # categories
        return type(value)(_without_forbidden(v) for v in value)
    return value  # dates, enclosures, None


class LatestStoriesAtomFeed(LatestStoriesFeed):
    feed_type = Atom1Feed


class SectionFeed(LatestStoriesFeed):
    def get_object(self, request, slug):
        section = get_object_or_404(Section, slug=slug)
        pagecache.depends_on(request, scopes.section(section.slug))
        return section


class SectionAtomFeed(SectionFeed):
    feed_type = Atom1Feed
