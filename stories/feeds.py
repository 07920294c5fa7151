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
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import http_date
from django.utils.translation import get_language

import pagecache

from . import reading, scopes
from .feedwriting import QuickAtom, QuickRss
from .links import reader_url
from .models import Section
from .richtext import html_to_paragraphs, is_xml_text, plain_text, xml_text

FEED_LENGTH = 30


def item_id(kind: str, pk) -> str:
    """A feed item's id (RSS `<guid isPermaLink="false">`, Atom `<id>`): a tag: URI (RFC 4151).

    Readers tell items apart by it, so it must never change: not with an edited slug (the primary key names the
    story), nor with a new SITE_URL (FEED_TAG_AUTHORITY names the newsroom), and it is not an address anyone
    should open. "story" ids are the stories' in every feed (the site's and each section's, RSS and Atom);
    "notice" ids the corrections feed's items, "update" ids a live story's updates; "feed" ids name the Atom
    feeds themselves.
    """
    return f"tag:{settings.FEED_TAG_AUTHORITY}:{kind}:{pk}"


class WrittenFeed(Feed):
    """Django's `Feed`, its document written to a string and put in the response at once.

    The feed generator writes the document element by element: into the response (Django's way) each was a write
    of its own, about 1,000 for 30 stories and a third of the feed's time, and a WSGI server then sent each chunk
    with a write of its own too. Django's generators write it from a template (stories.feedwriting).
    """

    feed_type = QuickRss

    def __call__(self, request, *args, **kwargs):
        try:
            obj = self.get_object(request, *args, **kwargs)
        except ObjectDoesNotExist:
            raise Http404("Feed object does not exist.") from None
        feedgen = self.get_feed(obj, request)
        response = HttpResponse(_written(feedgen), content_type=feedgen.content_type)
        if hasattr(self, "item_pubdate") or hasattr(self, "item_updateddate"):  # as Django's Feed
            response.headers["Last-Modified"] = http_date(feedgen.latest_post_date().timestamp())
        return response


class LatestStoriesFeed(WrittenFeed):
    """The latest stories, newest first (RSS 2.0), from the rows of `reading.feed_items`.

    Django's `Feed` asks for each value of each item through a method it inspects first (twenty per item);
    `get_feed` here gives the feed generator the values directly, in the same shape.
    """

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        # Django's Feed sends the newest item date as Last-Modified, and an item's updated date is news (a minor
        # edit leaves it): the bytes changed at the last edit of any kind, which HTTP's header is about.
        changed = getattr(request, "_feed_changed_at", None)
        if changed is not None:
            response["Last-Modified"] = http_date(changed.timestamp())
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
            # Atom's feed <id>, as permanent as its items' (else the address the request came in on).
            feed_guid=item_id("feed", f"section:{obj.pk}" if obj else "latest"),
            # Atom (RFC 4287) wants an author for every entry: the newsroom stands for a story with no byline.
            author_name=settings.SITE_NAME if issubclass(self.feed_type, Atom1Feed) else None,
        )
        site = settings.SITE_URL.rstrip("/")
        items = self.items(obj)
        request._feed_changed_at = max((item["last_modified"] for item in items), default=None)
        for item in items:
            byline = item["byline"]
            feed.add_item(
                title=item["title"],
                link=add_domain(domain, item["url"], secure),
                description=_summary(item),
                unique_id=item_id("story", item["pk"]),
                unique_id_is_permalink=False,
                pubdate=item["published_at"],
                # When readers were last told it changed: publication, a substantive change or a notice.
                updateddate=item["updated"],
                author_name=", ".join(person["name"] for person in byline) or None,
                # Atom's author <uri>: one feed author per item, so only a story with a single byline links one.
                author_link=site + byline[0]["url"] if len(byline) == 1 and byline[0]["url"] else None,
                categories=[item["section_name"]] if item["section_name"] else [],
            )
        return feed


def _summary(item) -> str:
    """An item's description (an RSS `<description>`, an Atom `<summary type="html">`) of plain text: escaped.

    Its standfirst, else its highlights, else its first paragraph."""
    text = item["standfirst"] or " ".join(item["highlights"]) or " ".join(html_to_paragraphs(item["body"])[:1])
    return escape(text, quote=False)


def _written(feedgen) -> str:
    """The feed's document. A value holding a character XML 1.0 forbids (or a lone surrogate) or a pasted line
    break is rare: the document is checked once, and only then written again from values cleaned one by one
    (checking each value of every item cost a fifth of a feed's time)."""
    document = feedgen.writeString("utf-8")
    if not is_xml_text(document):
        feedgen.feed = _xml_safe(feedgen.feed)
        feedgen.items = [_xml_safe(item) for item in feedgen.items]
        document = feedgen.writeString("utf-8")
    return document


def _xml_safe(values: dict) -> dict:
    """A feed's or an item's values without the characters XML 1.0 forbids."""
    return {key: _without_forbidden(value) for key, value in values.items()}


def _without_forbidden(value):
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, list | tuple):  # categories
        return type(value)(_without_forbidden(v) for v in value)
    return value  # dates, enclosures, None


class NoticesFeed(WrittenFeed):
    """Every notice (correction, clarification, update, editor's note) of a live story, newest first (RSS 2.0).

    An item is titled with its kind and its story's headline, links to the notice under the story, and says
    the notice's text. Its GUID is the notice's own, never its story's address (which an edited slug moves).
    """

    def title(self):
        return f"{settings.SITE_NAME}: corrections and updates"

    def link(self):
        return reader_url("stories:corrections")

    def description(self):
        return escape("Every correction, clarification, update and editor’s note, newest first.", quote=False)

    # No `item_pubdate`: with one Django's Feed sends the newest notice's time as Last-Modified, yet the document
    # also changes when a notice is removed or a headline edited. The page cache sends its copy's own.

    def get_feed(self, obj, request):
        domain, secure = get_current_site(request).domain, request.is_secure()
        feed = self.feed_type(
            title=self.title(),
            link=add_domain(domain, self.link(), secure),
            description=self.description(),
            language=get_language(),
            feed_url=add_domain(domain, request.path, secure),
        )
        for item in reading.notices(0, FEED_LENGTH):
            feed.add_item(
                title=f"{item['label']}: {item['story']['title']}",
                link=add_domain(domain, item["url"], secure),
                # Plain text, which readers take as HTML: escaped (see the module docstring).
                description=escape(item["text"], quote=False),
                unique_id=item_id("notice", item["pk"]),
                unique_id_is_permalink=False,
                pubdate=item["created_at"],
                categories=[item["label"]],
            )
        return feed


class LiveUpdatesFeed(WrittenFeed):
    """The updates of one story's live coverage, newest first (RSS 2.0): readers follow a live story in their
    feed reader. An item is an update: its headline (else the start of its text), its permalink under the story
    and its text as the desk wrote it (sanitised rich text, which an RSS description carries as HTML)."""

    def get_object(self, request, slug):
        live = reading.live_story_updates(slug)
        if live is None:
            raise Http404("No live coverage here.")
        # Its updates and headline (the story's scope: an update purges it), its authors' names.
        pagecache.depends_on(request, scopes.story(live["pk"]), scopes.PEOPLE)
        return live

    def get_feed(self, obj, request):
        domain, secure = get_current_site(request).domain, request.is_secure()
        feed = self.feed_type(
            title=f"{settings.SITE_NAME}: {obj['title']} (live)",
            link=add_domain(domain, obj["url"], secure),
            description=escape(f"Live updates: {obj['title']}", quote=False),
            language=get_language(),
            feed_url=add_domain(domain, request.path, secure),
        )
        for update in sorted(obj["updates"], key=lambda u: (u["created_at"], u["pk"]), reverse=True)[:FEED_LENGTH]:
            text = " ".join(plain_text(update["body"]).split())
            feed.add_item(
                title=update["headline"] or text[:110],
                link=add_domain(domain, update["url"], secure),
                description=update["body"],  # sanitised when saved: HTML, as RSS's description allows
                unique_id=item_id("update", update["pk"]),
                unique_id_is_permalink=False,
                pubdate=update["created_at"],
                updateddate=update["updated_at"],
                author_name=update["author"],
                categories=["Key event"] if update["pinned"] else [],
            )
        return feed


class LatestStoriesAtomFeed(LatestStoriesFeed):
    feed_type = QuickAtom


class SectionFeed(LatestStoriesFeed):
    def get_object(self, request, slug):
        section = get_object_or_404(Section, slug=slug)
        pagecache.depends_on(request, scopes.section(section.slug))
        return section


class SectionAtomFeed(SectionFeed):
    feed_type = QuickAtom
