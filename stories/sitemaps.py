"""Sitemaps for search engines: every published story and section, and a Google News sitemap."""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from .models import Section, Story
from .richtext import xml_text

NEWS_WINDOW = timedelta(hours=48)
NEWS_LIMIT = 1000  # Google News reads at most this many URLs per sitemap


class CanonicalSitemap(Sitemap):
    """URLs on SITE_URL's host, whatever host the request came in on."""

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc

    @property
    def protocol(self):
        return urlsplit(settings.SITE_URL).scheme or "https"


class StorySitemap(CanonicalSitemap):
    changefreq = "daily"
    limit = 10000

    def items(self):
        return Story.objects.live().only("slug", "modified_at", "published_at").newest_first()

    def lastmod(self, item):
        # Its publication or last substantive change (or notice): a typo fixed is no reason to crawl it again.
        return item.updated


class SectionSitemap(CanonicalSitemap):
    changefreq = "hourly"

    def items(self):
        return Section.objects.all()


class HomeSitemap(CanonicalSitemap):
    """The site's own pages: the front page, and the corrections page (every notice of the live stories)."""

    PAGES = {"stories:home": ("always", 1.0), "stories:corrections": ("daily", 0.3)}

    def items(self):
        return list(self.PAGES)

    def location(self, item):
        return reverse(item)

    def changefreq(self, item):
        return self.PAGES[item][0]

    def priority(self, item):
        return self.PAGES[item][1]


SITEMAPS = {"home": HomeSitemap, "sections": SectionSitemap, "stories": StorySitemap}


def news_sitemap(request):
    """Google News sitemap: stories published in the last 48 hours.

    Its only text is each headline and the site's name, cleaned of what XML 1.0 forbids whatever a row
    holds (the other sitemaps hold only addresses and dates).
    """
    since = timezone.now() - NEWS_WINDOW
    stories = (
        Story.objects.live()
        .filter(published_at__gte=since)
        .only("slug", "title", "published_at")
        .newest_first()[:NEWS_LIMIT]
    )
    context = {
        "stories": [(story, xml_text(story.title)) for story in stories],
        "publication": xml_text(settings.SITE_NAME),
        "language": settings.LANGUAGE_CODE.split("-")[0],
    }
    return render(request, "stories/news_sitemap.xml", context, content_type="application/xml; charset=utf-8")
