"""The site's URLs plus the bare view the benchmark measures every page against."""

from django.http import HttpResponse
from django.urls import include, path

# A fixed 10 KB page: what Django itself costs on this machine, with the site's middleware.
CEILING_BODY = ("x" * 127 + "\n") * 80


def ceiling(request):
    return HttpResponse(CEILING_BODY)


urlpatterns = [
    path("bench/ceiling/", ceiling),
    path("", include("newsroom.urls")),
]
