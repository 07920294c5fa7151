from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = f"{settings.SITE_NAME} editorial"
admin.site.site_title = settings.SITE_NAME
admin.site.index_title = "Newsroom desk"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path(settings.ADMIN_PATH, admin.site.urls),
    path("", include("stories.urls")),
]
