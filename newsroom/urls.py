from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.views.generic import TemplateView

from pagecache import cache_public
from stories import feeds, scopes, sitemaps
from stories.admin import planning

from . import views

admin.site.site_header = f"{settings.SITE_NAME} editorial"
admin.site.site_title = settings.SITE_NAME
admin.site.index_title = "Newsroom desk"

# What the feeds and sitemaps show (see stories.scopes).
FEED = (scopes.NAVIGATION, scopes.PEOPLE)
FRONT_FEED = (*FEED, scopes.LISTS)
SITEMAP = (scopes.NAVIGATION, scopes.LISTS)
# The notices of live stories: a notice added or removed, or a story leaving the lists with its notices.
CORRECTIONS_FEED = (scopes.CORRECTIONS, scopes.LISTS)

# Django's 404 page, told that its navigation may be left out (stories.navigation.on_error_page). The 500 page
# needs no such word: it stands alone, extending nothing, so that it renders whatever broke.
handler404 = views.page_not_found

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # The reader's pages first: Django tries an address against each pattern in turn, and a story's address went
    # through the desk, the calendar, the feeds, the sitemaps and robots.txt before its own (resolving it took 16 µs
    # of a cached story page's 210, now 12; the front page's 13.7, now 9.6; a feed's 8 µs more, of its 2 ms). No
    # reader pattern matches another's address: their order says nothing else.
    path("", include("stories.urls")),
    path(settings.ADMIN_PATH, admin.site.urls),
    # A person's assignments for their calendar app: a signed address, no login (stories.admin.planning).
    path("calendar/<str:token>.ics", planning.calendar_feed, name="assignment-calendar"),
    # Distribution: feeds, sitemaps and robots.txt.
    # A feed shows bylines and section names; a section's feed also says which (SectionFeed.get_object).
    path("feed/", cache_public(feeds.LatestStoriesFeed(), scopes=FRONT_FEED), name="feed"),
    path("feed/atom/", cache_public(feeds.LatestStoriesAtomFeed(), scopes=FRONT_FEED), name="feed-atom"),
    path("section/<slug:slug>/feed/", cache_public(feeds.SectionFeed(), scopes=FEED), name="section-feed"),
    path(
        "section/<slug:slug>/feed/atom/", cache_public(feeds.SectionAtomFeed(), scopes=FEED), name="section-feed-atom"
    ),
    path("corrections/feed/", cache_public(feeds.NoticesFeed(), scopes=CORRECTIONS_FEED), name="corrections-feed"),
    # Feeds and sitemaps read no query parameter but a sitemap's page number (p).
    path(
        "sitemap.xml",
        cache_public(sitemap_views.index, scopes=SITEMAP),
        {"sitemaps": sitemaps.SITEMAPS},
        name="sitemap-index",
    ),
    path("sitemap-news.xml", cache_public(sitemaps.news_sitemap, scopes=SITEMAP), name="sitemap-news"),
    path(
        "sitemap-<section>.xml",
        cache_public(sitemap_views.sitemap, reads=["p"], scopes=SITEMAP),
        {"sitemaps": sitemaps.SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path(
        "robots.txt", TemplateView.as_view(template_name="stories/robots.txt", content_type="text/plain"), name="robots"
    ),
]
if "://" not in settings.MEDIA_URL:
    # Uploads from MEDIA_ROOT, served by the site only when SERVE_MEDIA is on (`make run`); in production the web
    # server or an object store answers this path first (README: Uploaded images), and the view answers 404.
    urlpatterns.append(path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", views.uploaded_file, name="media"))
