"""Refusing POSTs that another site made a reader's browser send, by the headers the browser adds.

For a form that belongs to nobody's session (the anonymous opinion form), this
replaces Django's CSRF token: the token protects no session there, and it made
every story page carry a cookie and a value of each reader's own. The rules are
those of Go's `net/http.CrossOriginProtection` and OWASP's Fetch Metadata advice:

- GET, HEAD and OPTIONS always pass: they change nothing.
- `Sec-Fetch-Site` (every current browser sends it): `same-origin` and `none`
  (typed, bookmarked) pass; `same-site` (another subdomain) and `cross-site` are
  refused, unless the `Origin` is one of `CSRF_TRUSTED_ORIGINS`.
- Without it, `Origin` (older browsers): our own origin (the scheme as
  `request.is_secure()` sees it, so behind `SECURE_PROXY_SSL_HEADER`, and
  `request.get_host()`) or a trusted one passes; any other, `null` included, is
  refused.
- Neither header: not a browser (curl, a feed tool) or a very old one, which no
  other site can drive: it passes.

`CSRF_TRUSTED_ORIGINS` is read as Django's CSRF middleware reads it: exact
origins, and `https://*.example.com` for any subdomain.
"""

import logging
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpResponseForbidden
from django.template.loader import render_to_string
from django.utils.http import is_same_domain

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ALLOWED_SITES = frozenset({"same-origin", "none"})


def cross_origin_protected(view):
    """Refuse, with a 403 a reader understands, an unsafe request another site's page sent (see the module)."""

    @wraps(view)
    def protected(request, *args, **kwargs):
        if request.method in SAFE_METHODS or _not_cross_origin(request):
            return view(request, *args, **kwargs)
        logger.warning(
            "Cross-origin %s to %s refused (Sec-Fetch-Site: %r, Origin: %r)",
            request.method,
            request.path,
            request.headers.get("Sec-Fetch-Site"),
            request.headers.get("Origin"),
        )
        return HttpResponseForbidden(render_to_string("403_cross_origin.html"))

    return protected


def _not_cross_origin(request) -> bool:
    # An empty header counts as no header, as in Go.
    site = request.headers.get("Sec-Fetch-Site")
    origin = request.headers.get("Origin")
    if site:
        return site in ALLOWED_SITES or bool(origin and _trusted(origin))
    if origin:
        return origin == _own_origin(request) or _trusted(origin)
    return True


def _own_origin(request) -> str | None:
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    return f"{'https' if request.is_secure() else 'http'}://{host}"


def _trusted(origin: str) -> bool:
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    try:
        asked = urlsplit(origin)
    except ValueError:
        return False
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        if "*" in trusted:
            pattern = urlsplit(trusted)
            if asked.scheme == pattern.scheme and is_same_domain(asked.netloc, pattern.netloc.lstrip("*")):
                return True
    return False
