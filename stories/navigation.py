"""The site's navigation: its sections, read once per request."""

from django.db import DatabaseError

import pagecache

from . import scopes
from .reading import sections


def nav_sections(request) -> list[dict]:
    """The sections of the site's navigation: read once per request, and only when something asks.

    A database error propagates (a page that needs the sections cannot be made without them: the reader gets
    the 503 page, or the 500 page), except on the 404 page, marked by `on_error_page`.
    """
    pagecache.depends_on(request, scopes.NAVIGATION)  # the page shows them: a renamed section purges it
    if not hasattr(request, "_nav_sections"):
        try:
            request._nav_sections = sections()
        except DatabaseError:
            if not getattr(request, "_nav_optional", False):
                raise
            request._nav_sections = []
    return request._nav_sections


def known_sections(request, sections: list[dict]) -> None:
    """Give `request` the navigation's sections, read by the page's own query (the story page's)."""
    request._nav_sections = sections


def on_error_page(request) -> None:
    """Mark `request` as answered by an error page (the 404 page), whose navigation is decoration.

    Rendered while the database is away, that page goes without its sections rather than failing too.
    A page readers asked for never does: it would be stored in the page cache without them.
    """
    request._nav_optional = True
