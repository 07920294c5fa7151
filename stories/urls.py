from django.urls import path

from pagecache import cache_public

from . import feeds, opinions, search, views
from .filters import StoryFilter

# The query parameters each page reads, in the order its links write them; any other is left out of the page
# and of its cache key.
PAGE = "page"

app_name = "stories"

urlpatterns = [
    path("", cache_public(views.home, reads=[*StoryFilter.base_filters, PAGE]), name="home"),
    path("section/<slug:slug>/", cache_public(views.section, reads=[PAGE]), name="section"),
    path("tag/<slug:slug>/", cache_public(views.tag, reads=[PAGE]), name="tag"),
    path("stories/<slug:slug>/", cache_public(views.story_detail, reads=[opinions.PAGE_PARAMETER]), name="detail"),
    path("stories/<slug:slug>/opinions/", views.post_opinion, name="post_opinion"),
    # A story's live coverage: its updates for readers' open pages to fetch (cheap: cached, purged per story by
    # each update), and its feed. Both depend on the story's own scope.
    path("stories/<slug:slug>/updates/", cache_public(views.live_updates), name="live-updates"),
    path("stories/<slug:slug>/feed/", cache_public(feeds.LiveUpdatesFeed()), name="live-feed"),
    # A person's public slug (stories.models.Profile), never their login name.
    path("authors/<slug:slug>/", cache_public(views.author, reads=[PAGE]), name="author"),
    # Every correction, clarification, update and editor's note, newest first (its feed: /corrections/feed/).
    path("corrections/", cache_public(views.corrections, reads=[PAGE]), name="corrections"),
    path("search/", cache_public(views.search_page, reads=[*search.SearchForm.base_fields, PAGE]), name="search"),
    path("preview/<int:pk>/", views.story_preview, name="preview"),
    path("preview/link/<str:token>/", views.story_preview_link, name="preview-link"),
    path("preview/partner/<str:token>/", views.partner_link, name="partner-link"),
]
