import logging

import psycopg
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import BadRequest
from django.core.signals import setting_changed
from django.db import DatabaseError, InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import Http404, HttpResponse
from django.middleware import csp
from django.middleware.gzip import GZipMiddleware
from django.template.loader import render_to_string
from django.utils.csp import CSP, build_policy

logger = logging.getLogger("newsroom.db")

# SQLSTATEs of a connection the server refused or ended, besides class 08 (connection exception): the server
# shutting down (admin_shutdown), restarting after a crash (crash_shutdown), starting or in recovery
# (cannot_connect_now).
SERVER_ENDED_CONNECTION = frozenset({"57P01", "57P02", "57P03"})

# For errors the driver did not classify: SQLite's, and any raised with a message alone.
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
        cause = exception.__cause__  # Django's error wraps the driver's
        if isinstance(cause, psycopg.Error):
            if cause.sqlstate:  # the server said what went wrong
                return cause.sqlstate.startswith("08") or cause.sqlstate in SERVER_ENDED_CONNECTION
            # Raised by psycopg itself, with no word from a server: a timeout while connecting, or the base class
            # it uses for every connection it could not make or lost (refused, host not found, socket closed).
            if isinstance(cause, psycopg.errors.ConnectionTimeout) or type(cause) is psycopg.OperationalError:
                return True
        text = str(exception).lower()
        return any(hint in text for hint in CONNECTION_HINTS)


class NulRefusedMiddleware:
    """Refuse a NUL anywhere in the address: in the path it names no page (404), in the query string
    it is a bad request (400).

    PostgreSQL cannot store or compare text holding NUL (psycopg will not even send it), so a NUL that
    reached a lookup (a name in /authors/…/, an admin search or autocomplete term) was a 500. No real
    address holds one: refused here once, for the whole site and the admin, no view needs its own check.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            raise Http404("No such page.")
        # The query string as it came: it decodes to a NUL exactly where it holds "%00" or a raw NUL.
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            raise BadRequest("NUL in the query string.")
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Send `Permissions-Policy` (settings.PERMISSIONS_POLICY) on every response.

    Django has no setting for this header. A news site needs no camera,
    microphone, location or payment; switching them off means an injected
    script or a hostile embed cannot ask the reader for them either.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        policy = getattr(settings, "PERMISSIONS_POLICY", {})
        self.header = ", ".join(f"{feature}=({' '.join(allow)})" for feature, allow in policy.items())

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


def login_attempt_username(request, credentials=None) -> str | None:
    """The username of a sign-in attempt as django-axes records it (AXES_USERNAME_CALLABLE).

    Django's login form does not check the username's length before trying it,
    and axes stores it in a 255-character column: a 10,000-character username
    would make PostgreSQL refuse the failure record and the login page answer 500.
    No real username is longer than the User model allows, nor contains NUL.
    """
    source = credentials or getattr(request, "POST", {})
    username = source.get(getattr(settings, "AXES_USERNAME_FORM_FIELD", "username"))
    if username is None:
        return None
    user_model = get_user_model()
    limit = user_model._meta.get_field(user_model.USERNAME_FIELD).max_length or 150
    return str(username).replace("\x00", "")[:limit]


class ReaderGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware for the pages that carry no secret: an anonymous visitor's response setting no cookie.

    Compression leaks the length of what a page holds, and a page that reflects an attacker's text beside a
    secret lets them guess the secret byte by byte from the sizes (BREACH). What reader pages still make per
    visit (pagecache.visits) is no secret: the CSP nonce is new on every response, and the opinion form's
    token is a signed time anyone gets by opening the page. A CSRF token is one; the pages that show one set
    the CSRF cookie in the same response (Django renews it whenever a token is used), and staff pages belong
    to a logged-in person. Those are sent as they are. What is compressed still gets Django's own mitigation
    (random bytes in the gzip header).
    """

    def process_response(self, request, response):
        if response.cookies or settings.SESSION_COOKIE_NAME in request.COOKIES:
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return response
        return super().process_response(request, response)


# A nonce never holds NUL, nor does a policy: this stands for the nonce in a policy built once.
_NONCE_SLOT = "\x00nonce\x00"


class ContentSecurityPolicyMiddleware(csp.ContentSecurityPolicyMiddleware):
    """Django's CSP middleware with the site's policies (SECURE_CSP, SECURE_CSP_REPORT_ONLY) built once.

    Django builds the policy from its settings on every response (11 µs of a cached page's 190, and of every other
    response); here each is built once with and once without a nonce, and a response gets its nonce put in.
    A response with a policy of its own (Django's `csp_override` decorators) is left to Django's middleware.
    """

    _built: dict = {}

    def process_response(self, request, response):
        if hasattr(response, "_csp_config") or hasattr(response, "_csp_ro_config"):
            return super().process_response(request, response)
        nonce = csp.get_nonce(request)
        for header, setting in ((CSP.HEADER_ENFORCE, "SECURE_CSP"), (CSP.HEADER_REPORT_ONLY, "SECURE_CSP_REPORT_ONLY")):
            policy = self._policy(setting, bool(nonce))
            if policy and header not in response:
                response.headers[str(header)] = policy.replace(_NONCE_SLOT, str(nonce)) if nonce else policy
        return response

    @classmethod
    def _policy(cls, setting: str, with_nonce: bool) -> str:
        key = (setting, with_nonce)
        if key not in cls._built:
            config = getattr(settings, setting)
            cls._built[key] = build_policy(config, _NONCE_SLOT if with_nonce else None) if config else ""
        return cls._built[key]


@receiver(setting_changed)
def _forget_built_policies(setting, **kwargs):
    if setting in ("SECURE_CSP", "SECURE_CSP_REPORT_ONLY"):
        ContentSecurityPolicyMiddleware._built.clear()
