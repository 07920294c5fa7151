from django.urls import path

from . import views

app_name = "stories"

urlpatterns = [
    path("", views.home, name="home"),
    path("section/<slug:slug>/", views.section, name="section"),
    path("tag/<slug:slug>/", views.tag, name="tag"),
    path("stories/<slug:slug>/", views.story_detail, name="detail"),
]
