import logging
from pathlib import PurePosixPath

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import Http404, JsonResponse
from django.views import defaults, static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from stories.navigation import on_error_page

logger = logging.getLogger("newsroom.health")


@never_cache
def healthz(request):
    """For load balancers: 200 when the app and its database answer, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("Health check failed: database unreachable (%s)", type(exc).__name__)
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})


def page_not_found(request, exception):
    """Django's 404 page; without its navigation if the database cannot give it."""
    on_error_page(request)
    return defaults.page_not_found(request, exception)


# What the site serves from MEDIA_ROOT under SERVE_MEDIA, by extension: the formats a lead image and its renditions
# are stored in (stories.images), each with its own type. Anything else there (a stray .html, an .svg) is a 404.
UPLOADED_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
}


@require_safe
def uploaded_file(request, path):
    """An uploaded image from MEDIA_ROOT, when SERVE_MEDIA is on (`make run`); production serves them elsewhere.

    Django's static file view refuses any path leaving MEDIA_ROOT (`..`, an absolute path) and directories. The
    type is the image's own, never guessed from the content (nosniff), and the file may run nothing (sandbox).
    """
    content_type = UPLOADED_TYPES.get(PurePosixPath(path).suffix.lower())
    if not settings.SERVE_MEDIA or content_type is None:
        raise Http404("No such file.")
    response = static.serve(request, path, document_root=settings.MEDIA_ROOT)
    if response.status_code == 200:
        response.headers["Content-Type"] = content_type
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
