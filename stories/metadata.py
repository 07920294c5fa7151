"""What machines read about a reader page: social cards (Open Graph, Twitter) and structured data (schema.org).

Every public page names an image for its card: a story its lead image's 16:9 rendition (stories.images), any
other page (and a story without a lead image) the site's default social image, 1,200 × 675. A story's
NewsArticle (a LiveBlogPosting once it has been covered live) lists its image in the three crops Google asks
for (16:9, 4:3, 1:1), names the newsroom as publisher with its logo, and as author when the story has no byline.
"""

import orjson
from django.conf import settings
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, to_locale

from .dates import iso
from .links import static_url
from .richtext import plain_text

# Drawn once by scripts/make_social_images.py (newsroom/static/img/).
DEFAULT_IMAGE = ("img/social-default.png", 1200, 675)
PUBLISHER_LOGO = ("img/publisher-logo.png", 600, 60)


def absolute(path: str) -> str:
    """`path` (a site-relative address) on SITE_URL: what crawlers and social networks need."""
    return settings.SITE_URL.rstrip("/") + path


def _static_image(image) -> dict:
    path, width, height = image
    return {"url": absolute(static_url(path)), "width": width, "height": height}


def og_locale() -> str:
    """Open Graph's locale: language_TERRITORY ("en_US") of the language the page is in."""
    return to_locale(get_language() or settings.LANGUAGE_CODE)


def social_image(lead_image=None) -> dict:
    """The image of a page's card: the lead image's 16:9 rendition, else the site's default; absolute."""
    if lead_image:
        return {
            "url": absolute(lead_image["renditions"]["16x9"]),
            "width": 1200,
            "height": 675,
            "alt": lead_image["alt"],
        }
    return {**_static_image(DEFAULT_IMAGE), "alt": settings.SITE_NAME}


def publisher() -> dict:
    return {
        "@type": "Organization",
        "name": settings.SITE_NAME,
        "url": absolute("/"),
        "logo": {"@type": "ImageObject", **_static_image(PUBLISHER_LOGO)},
    }


def ld_json(data) -> str:
    """JSON safe inside a <script> element (the escapes of Django's json_script). orjson writes what the standard
    library's `json.dumps(data, ensure_ascii=False, separators=(",", ":"))` writes, a story's NewsArticle (0.9 KB) in
    0.6 µs instead of 7."""
    text = orjson.dumps(data).decode()
    return mark_safe(text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026"))  # noqa: S308


def news_article(page, canonical_url) -> str:
    """The story page's schema.org NewsArticle, as JSON for its <script type="application/ld+json">."""
    story = page["story"]
    zone = timezone.get_current_timezone()  # read once for the article's dates
    people = []
    for person in page["byline"]:
        entry = {"@type": "Person", "name": person["name"]}
        if person["url"]:  # their public slug's page; a person without one has none
            entry["url"] = absolute(person["url"])
        people.append(entry)
    organisation = publisher()
    if story["image"]:
        images = [absolute(url) for url in story["image"]["renditions"].values()]
    else:
        images = [social_image()["url"]]
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": canonical_url,
        "url": canonical_url,
        "headline": story["title"],
        "image": images,
        "datePublished": iso(story["published_at"], zone) or None,
        # When readers were last told it changed (a substantive change, a notice), not a typo's time.
        "dateModified": iso(story["updated"] or story["created_at"], zone),
        # No byline: the story is the newsroom's own (Google wants an author on every article).
        "author": people or [{"@type": "Organization", "name": organisation["name"], "url": organisation["url"]}],
        "publisher": organisation,
    }
    if story["standfirst"]:
        data["description"] = story["standfirst"]
    if story["section"]:
        data["articleSection"] = story["section"]["name"]
    if page["tags"]:
        data["keywords"] = [t["name"] for t in page["tags"]]
    if story["dateline"]:
        data["locationCreated"] = {"@type": "Place", "name": story["dateline"]}
    # schema.org's `correction`: what was wrong or unclear (an update or an editor's note is not one).
    if correcting := [c for c in page["corrections"] if c["correcting"]]:
        data["correction"] = [
            {"@type": "CorrectionComment", "text": c["text"], "datePublished": iso(c["created_at"], zone)}
            for c in correcting
        ]
    if page.get("live") and page["live"]["started_at"] is not None:
        _live_blog_posting(data, page["live"], story["updated"] or story["created_at"], zone)
    return ld_json(data)


# An update without a headline is named in structured data by the start of its text.
UPDATE_HEADLINE_LENGTH = 110


def _live_blog_posting(data: dict, live: dict, modified, zone) -> None:
    """Make a story's NewsArticle a LiveBlogPosting (schema.org): its coverage times and its updates, each a
    BlogPosting with its permalink. Kept so once the coverage ends: the page is still the record of it."""
    data["@type"] = "LiveBlogPosting"
    data["coverageStartTime"] = iso(live["started_at"], zone)
    if live["ended_at"] is not None:
        data["coverageEndTime"] = iso(live["ended_at"], zone)
    # The last update is news: a search engine's "updated" time of a live page.
    data["dateModified"] = iso(max(filter(None, [modified, live["last_update_at"]])), zone)
    posts = []
    for update in live["updates"]:
        text = " ".join(plain_text(update["body"]).split())
        headline = update["headline"] or text[:UPDATE_HEADLINE_LENGTH].rstrip()
        posts.append(
            {
                "@type": "BlogPosting",
                "headline": headline,
                "articleBody": text,
                "datePublished": iso(update["created_at"], zone),
                "dateModified": iso(update["updated_at"], zone),
                "url": data["url"] + "#" + update["anchor"],
            }
        )
    posts.sort(key=lambda post: post["datePublished"], reverse=True)  # newest first, key events among them
    data["liveBlogUpdate"] = posts
