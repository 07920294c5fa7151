from django.urls import path

from . import views
from .cache import cache_public

app_name = "stories"

urlpatterns = [
    path("", cache_public(views.home), name="home"),
    path("section/<slug:slug>/", cache_public(views.section), name="section"),
    path("tag/<slug:slug>/", cache_public(views.tag), name="tag"),
    path("stories/<slug:slug>/", cache_public(views.story_detail), name="detail"),
    path("stories/<slug:slug>/opinions/", views.post_opinion, name="post_opinion"),
    # A person's public slug (stories.models.Profile), never their login name.
    path("authors/<slug:slug>/", cache_public(views.author), name="author"),
    path("search/", cache_public(views.search_page), name="search"),
    path("preview/<int:pk>/", views.story_preview, name="preview"),
    path("preview/link/<str:token>/", views.story_preview_link, name="preview-link"),
]
