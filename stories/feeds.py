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
from django.contrib.syndication.views import Feed
from django.db.models import prefetch_related_objects
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed

import pagecache

from . import scopes
from .models import HIGHLIGHT_LIST, Section, Story, author_url, display_name
from .richtext import html_to_paragraphs, xml_text

FEED_LENGTH = 30


class LatestStoriesFeed(Feed):
    """The latest stories, newest first (RSS 2.0)."""

    description_template = None

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

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        feed.feed = _xml_safe(feed.feed)
        feed.items = [_xml_safe(item) for item in feed.items]
        return feed

    def subtitle(self, obj=None):
        """Atom's plain-text `<subtitle>`."""
        return (obj.description or f"The latest {obj.name} stories.") if obj else "The latest published stories."

    def description(self, obj=None):
        """The RSS channel's `<description>`, which readers take as HTML."""
        return escape(self.subtitle(obj), quote=False)

    def items(self, obj=None):
        stories = Story.objects.live()
        if obj is not None:
            stories = stories.filter(section=obj)
        items = list(stories.newest_first().with_reader_relations(highlights=False)[:FEED_LENGTH])
        # An item's description is its standfirst: only stories without one need their highlights.
        prefetch_related_objects([story for story in items if not story.standfirst], HIGHLIGHT_LIST)
        return items

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        """HTML (an RSS `<description>`, an Atom `<summary type="html">`) of plain text: escaped."""
        if item.standfirst:
            text = item.standfirst
        else:
            text = " ".join(h.text for h in item.highlight_list) or " ".join(html_to_paragraphs(item.body)[:1])
        return escape(text, quote=False)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.last_modified

    def item_author_name(self, item):
        return ", ".join(display_name(a) for a in item.byline) or None

    def item_author_link(self, item):
        # Atom's author <uri>: one feed author per item, so only a story with a single byline links one.
        if len(item.byline) != 1 or not (url := author_url(item.byline[0])):
            return None
        return settings.SITE_URL.rstrip("/") + url

    def item_categories(self, item):
        return [item.section.name] if item.section_id else []

    def item_guid(self, item):
        # The slug may be edited; the primary key never changes.
        return f"{settings.SITE_URL.rstrip('/')}/stories/{item.pk}"

    item_guid_is_permalink = False


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
