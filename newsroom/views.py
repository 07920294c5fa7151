import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache

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
