from functools import partial

from django.conf import settings
from django.db import DatabaseError
from django.middleware.csp import get_nonce
from django.utils.functional import SimpleLazyObject

from stories.cache import per_visit
from stories.models import Section


def nav_sections(request) -> list[Section]:
    """The sections of the site's navigation: read once per request, and only when something asks."""
    if not hasattr(request, "_nav_sections"):
        try:
            request._nav_sections = list(Section.objects.all())
        except DatabaseError:
            # Navigation is decoration: a 404 page rendered while the database is away still renders.
            request._nav_sections = []
    return request._nav_sections


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


def per_visit_values(request):
    """Django's `csrf_token` and `csp_nonce`, made through `stories.cache.per_visit`.

    Listed after Django's own processors, whose values these replace: a page
    served from the public cache then gets a token and a nonce of its own
    visit wherever a template uses them (`{% csrf_token %}`, `{{ csp_nonce }}`).
    """
    values = {"csrf_token": SimpleLazyObject(partial(per_visit, request, "csrf"))}
    if get_nonce(request) is not None:  # None without the CSP middleware: no nonce attribute is rendered
        values["csp_nonce"] = SimpleLazyObject(partial(per_visit, request, "csp-nonce"))
    return values
