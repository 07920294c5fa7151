"""The site's navigation: its sections, read once per request."""

from django.db import DatabaseError

import pagecache

from . import scopes
from .models import Section


def nav_sections(request) -> list[Section]:
    """The sections of the site's navigation: read once per request, and only when something asks."""
    pagecache.depends_on(request, scopes.NAVIGATION)  # the page shows them: a renamed section purges it
    if not hasattr(request, "_nav_sections"):
        try:
            request._nav_sections = list(Section.objects.all())
        except DatabaseError:
            # Navigation is decoration: a 404 page rendered while the database is away still renders.
            request._nav_sections = []
    return request._nav_sections
