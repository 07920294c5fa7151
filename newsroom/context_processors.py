from functools import partial

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from stories.navigation import nav_sections


def site(request):
    """The site's name and canonical origin, for page titles and meta tags, and its navigation.

    `nav_sections` is lazy: a page whose template never shows the navigation
    (the admin, feeds) costs no query, and a view that already read the list
    through `nav_sections(request)` shares it.
    """
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL.rstrip("/"),
        "nav_sections": SimpleLazyObject(partial(nav_sections, request)),
    }
