"""Every feed of the demo newsroom, read as a feed reader does (feedparser: no bozo) and checked against the
rules of RFC 4287 (Atom) and RSS 2.0 that a reader relies on.

No registry package ships the W3C feed validator or RFC 4287's RELAX NG schema, so the rules are written here,
each with the section it comes from.
"""

import re
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import feedparser
from django.urls import reverse

from stories.models import Section, Story

ATOM = "{http://www.w3.org/2005/Atom}"
# RFC 3339 date-time (RFC 4287 §3.3): seconds, an optional fraction, and a zone (Z or ±hh:mm).
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
# A tag: URI (RFC 4151 §2.1): tag:authority,date:specific.
TAG_URI = re.compile(r"tag:[a-z0-9.-]+(@[a-z0-9.-]+)?,\d{4}(-\d{2}(-\d{2})?)?:[^\s#]+")


def _feeds(demo) -> dict[str, list[str]]:
    slugs = Section.objects.filter(stories__status="published").values_list("slug", flat=True).distinct()
    atom = [reverse("feed-atom"), *(reverse("section-feed-atom", args=[slug]) for slug in slugs)]
    live = Story.objects.live().filter(live_started_at__isnull=False).values_list("slug", flat=True)
    rss = [
        reverse("feed"),
        reverse("corrections-feed"),
        *(reverse("section-feed", args=[slug]) for slug in slugs),
        *(reverse("stories:live-feed", args=[slug]) for slug in live),
    ]
    return {"atom": atom, "rss": rss}


def _absolute(url) -> bool:
    parts = urlsplit(url or "")
    return parts.scheme in {"http", "https", "tag"} and bool(parts.netloc or parts.scheme == "tag")


def _id(value) -> bool:
    return bool(value) and (TAG_URI.fullmatch(value) is not None or _absolute(value))


def _read(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, f"{path}: {parsed.bozo_exception}"
    return response, ET.fromstring(response.content)  # noqa: S314 - our own site's output


def atom_problems(root) -> list[str]:
    """What in an Atom document breaks RFC 4287."""
    problems = []

    def one(parent, name, where):
        found = parent.findall(ATOM + name)
        if len(found) != 1:
            problems.append(f"{where}: {len(found)} atom:{name}, RFC 4287 wants exactly one")
        return found[0] if found else None

    if root.tag != ATOM + "feed":
        return [f"the root is {root.tag}, not atom:feed"]
    for name in ("id", "title", "updated"):  # §4.1.1
        one(root, name, "feed")
    if (found := root.find(ATOM + "id")) is not None and not _id(found.text):
        problems.append(f"feed: atom:id {found.text!r} is no absolute IRI (§4.2.6)")
    if (found := root.find(ATOM + "updated")) is not None and not RFC3339.fullmatch(found.text or ""):
        problems.append(f"feed: atom:updated {found.text!r} is no RFC 3339 date (§3.3)")
    if not any(link.get("rel") == "self" for link in root.findall(ATOM + "link")):
        problems.append("feed: no link rel=self (§4.1.1: SHOULD)")
    feed_author = root.find(ATOM + "author") is not None
    ids = set()
    for number, entry in enumerate(root.findall(ATOM + "entry")):
        where = f"entry {number}"
        for name in ("id", "title", "updated"):  # §4.1.2
            one(entry, name, where)
        entry_id = (entry.findtext(ATOM + "id") or "").strip()
        if not _id(entry_id):
            problems.append(f"{where}: atom:id {entry_id!r} is no absolute IRI (§4.2.6)")
        if entry_id in ids:
            problems.append(f"{where}: atom:id {entry_id!r} appears twice (§4.1.1)")
        ids.add(entry_id)
        for name in ("updated", "published"):
            for found in entry.findall(ATOM + name):
                if not RFC3339.fullmatch(found.text or ""):
                    problems.append(f"{where}: atom:{name} {found.text!r} is no RFC 3339 date (§3.3)")
        if not feed_author and entry.find(ATOM + "author") is None:
            problems.append(f"{where}: no atom:author in the entry or the feed (§4.1.2)")
        for author in entry.findall(ATOM + "author"):
            if not (author.findtext(ATOM + "name") or "").strip():
                problems.append(f"{where}: an author without a name (§3.2.1)")
        alternates = [link for link in entry.findall(ATOM + "link") if link.get("rel", "alternate") == "alternate"]
        if entry.find(ATOM + "content") is None and not alternates:
            problems.append(f"{where}: neither content nor a link rel=alternate (§4.1.2)")
        if not all(_absolute(link.get("href")) for link in alternates):
            problems.append(f"{where}: a relative link")
    return problems


def rss_problems(root) -> list[str]:
    """What in an RSS document breaks RSS 2.0 (and the RSS Advisory Board's best practices a reader relies on)."""
    if root.tag != "rss" or root.get("version") != "2.0":
        return [f"the root is {root.tag} version {root.get('version')}, not rss 2.0"]
    channel = root.find("channel")
    problems = [f"channel: no {name}" for name in ("title", "link", "description") if not channel.findtext(name)]
    if not any(link.get("rel") == "self" for link in channel.findall(ATOM + "link")):
        problems.append("channel: no atom:link rel=self")
    guids = set()
    for number, item in enumerate(channel.findall("item")):
        where = f"item {number}"
        if not (item.findtext("title") or item.findtext("description")):
            problems.append(f"{where}: neither title nor description")
        if not _absolute(item.findtext("link")):
            problems.append(f"{where}: link {item.findtext('link')!r} is not absolute")
        guid = item.find("guid")
        if guid is None or not guid.text:
            problems.append(f"{where}: no guid")
            continue
        if guid.get("isPermaLink", "true") == "true" and not _absolute(guid.text):
            problems.append(f"{where}: guid {guid.text!r} claims to be a permalink")
        if guid.get("isPermaLink") == "false" and not TAG_URI.fullmatch(guid.text):
            problems.append(f"{where}: guid {guid.text!r} is no tag: URI")
        if guid.text in guids:
            problems.append(f"{where}: guid {guid.text!r} appears twice")
        guids.add(guid.text)
        try:
            parsedate_to_datetime(item.findtext("pubDate") or "")
        except (TypeError, ValueError):
            problems.append(f"{where}: pubDate {item.findtext('pubDate')!r} is no RFC 822 date")
    return problems


def test_every_atom_feed_follows_rfc_4287(client, demo):
    feeds = _feeds(demo)["atom"]
    entries = 0
    for path in feeds:
        response, root = _read(client, path)
        assert response["Content-Type"].startswith("application/atom+xml")
        assert atom_problems(root) == [], path
        entries += len(root.findall(ATOM + "entry"))
    assert len(feeds) >= 3 and entries >= 10


def test_every_rss_feed_follows_rss_2(client, demo):
    feeds = _feeds(demo)["rss"]
    items = 0
    for path in feeds:
        response, root = _read(client, path)
        assert response["Content-Type"].startswith("application/rss+xml")
        assert rss_problems(root) == [], path
        items += len(root.find("channel").findall("item"))
    assert len(feeds) >= 5 and items >= 10


def test_the_rules_catch_what_they_are_about():
    """The checks above would see a broken feed: each rule fails on a document that breaks it."""
    atom = ET.fromstring(  # noqa: S314 - a document written here
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title><updated>2026-01-01 10:00</updated>'
        "<entry><id>/stories/1</id><title>a</title><updated>2026-01-01T10:00:00Z</updated></entry></feed>"
    )
    found = "\n".join(atom_problems(atom))
    for expected in ("0 atom:id", "no RFC 3339", "no absolute IRI", "no atom:author", "rel=alternate", "rel=self"):
        assert expected in found
    rss = ET.fromstring(  # noqa: S314 - a document written here
        '<rss version="2.0"><channel><title>x</title><link>http://a/</link><description>d</description>'
        "<item><title>a</title><link>/a</link><guid>/stories/1</guid><pubDate>yesterday</pubDate></item>"
        "</channel></rss>"
    )
    found = "\n".join(rss_problems(rss))
    for expected in ("not absolute", "claims to be a permalink", "no RFC 822", "rel=self"):
        assert expected in found
