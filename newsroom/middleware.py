import logging

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger("newsroom.db")

CONNECTION_HINTS = (
    "connection refused",
    "could not connect",
    "connection to server",
    "server closed the connection",
    "terminating connection",
    "connection is closed",
    "connection already closed",
    "no connection to the server",
    "the database system is starting up",
    "the database system is shutting down",
    "unable to open database file",
)


class DatabaseUnavailableMiddleware:
    """Answer 503 with a friendly page when the database cannot be reached.

    Readers get "try again shortly" with Retry-After instead of a traceback,
    and the error is logged once, without the connection string.
    """

    retry_after = 30

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError) or not self._is_connection_error(exception):
            return None
        logger.error("Database unavailable while serving %s: %s", request.path, type(exception).__name__)
        body = render_to_string("503.html", {"retry_after": self.retry_after})
        response = HttpResponse(body, status=503)
        response["Retry-After"] = str(self.retry_after)
        response["Cache-Control"] = "no-store"
        return response

    @staticmethod
    def _is_connection_error(exception: DatabaseError) -> bool:
        # A lost or refused connection, not a bad query (which stays a 500 and gets fixed).
        if isinstance(exception, InterfaceError):
            return True
        text = str(exception).lower()
        return any(hint in text for hint in CONNECTION_HINTS)
