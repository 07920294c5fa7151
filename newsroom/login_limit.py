"""Login attempts per client address, counted before any password is hashed.

Every failed login costs a full password hash (an unknown username too: Django
hashes anyway, so that a reply's timing does not tell which usernames exist).
django-axes locks one username out from one client after a few failures, but an
attacker trying a new username each time is never locked out, and keeps every
worker hashing. So each client address may send `LOGIN_RATE_LIMIT` logins per
`LOGIN_RATE_WINDOW` seconds; past that the login page answers 429, with
Retry-After, and the password is never looked at.

- The address is REMOTE_ADDR (`stories.opinions.client_ip`), never a header the
  client writes. An IPv6 client is counted by its /64 network: one customer's
  share of addresses, any of which it may use.
- Counts live in Django's cache (shared by every worker), in fixed windows that
  start with an address's first attempt. An attempt is counted as it arrives, so
  concurrent requests cannot slip past the limit together; one that logs in is
  given back, so an office behind one address is not shut out by its own
  colleagues logging in.
- When the cache is down the limit is not enforced (logged): logins work, and
  axes' per-username lockout, kept in the database, still applies.
"""

import contextlib
import ipaddress
import logging
import math
import time

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.crypto import salted_hmac

from stories.opinions import client_ip

logger = logging.getLogger(__name__)

# The views that try a password: the admin's login page is the site's only one (LOGIN_URL).
LOGIN_VIEWS = {"admin:login"}
_SALT = "newsroom.login_limit"
# What the middleware notes on the request between the view's start and its response.
_COUNTED = "_newsroom_login_attempt"
_WAS_LOGGED_IN = "_newsroom_was_logged_in"


def client_network(request) -> str:
    """What one client is counted as: its IPv4 address, or the /64 network of its IPv6 address."""
    address = client_ip(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network((ip, 64), strict=False))
    return str(ip)


def _key(request) -> str:
    # Hashed: a dump of the cache does not list who tried to log in.
    digest = salted_hmac(_SALT, client_network(request), secret=settings.IP_HASH_SALT, algorithm="sha256")
    return f"login:attempts:{digest.hexdigest()}"


def count_attempt(request) -> int | None:
    """Count one login attempt from this client; seconds until it may try again when over the limit, else None."""
    window = settings.LOGIN_RATE_WINDOW
    key = _key(request)
    now = time.time()
    if cache.add(key, 1, timeout=window):
        cache.set(f"{key}:until", now + window, timeout=window)
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr(): a new window
            cache.add(key, 1, timeout=window)
            count = 1
    setattr(request, _COUNTED, key)
    if count <= settings.LOGIN_RATE_LIMIT:
        return None
    if count == settings.LOGIN_RATE_LIMIT + 1:  # once per address and window, not once per refused attempt
        logger.warning("Logins refused from one address for the rest of its window (%s attempts)", count)
    until = cache.get(f"{key}:until") or now + window
    return max(1, math.ceil(until - now))


def give_back(key: str) -> None:
    """A login that succeeded: it does not count against its address."""
    with contextlib.suppress(ValueError):  # the window ended meanwhile
        cache.decr(key)


class _RefusedForm(AdminAuthenticationForm):
    """The login form, blank, saying why the last attempt was not tried."""

    def __init__(self, request, reason, **kwargs):
        super().__init__(request, **kwargs)
        self.reason = reason

    def non_field_errors(self):
        return self.error_class([self.reason])


def refused(request, retry_after: int):
    """The login page, answering 429: wait `retry_after` seconds."""
    minutes = max(1, math.ceil(retry_after / 60))
    wait = f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"
    reason = f"Too many login attempts from your address. Please wait {wait}, then try again."
    request.current_app = admin.site.name
    context = {
        **admin.site.each_context(request),
        "title": "Log in",
        "subtitle": None,
        "app_path": request.get_full_path(),
        "username": request.user.get_username(),
        "next": LoginView().get_redirect_url(request) or reverse("admin:index"),
        "form": _RefusedForm(request, reason),
    }
    response = TemplateResponse(request, "admin/login.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    add_never_cache_headers(response)
    return response


class LoginRateLimitMiddleware:
    """Refuse a login POST (429) once its client address is over the limit, before the view hashes anything.

    Listed after AuthenticationMiddleware (a login is told from a request already logged in) and after
    CsrfViewMiddleware (a request refused for its CSRF token is never counted: it could not have logged in).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        key = getattr(request, _COUNTED, None)
        if key and request.user.is_authenticated and not getattr(request, _WAS_LOGGED_IN):
            try:
                give_back(key)
            except Exception:
                logger.warning("Cache unavailable: a successful login could not be given back to its address")
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if request.method != "POST" or match is None or match.view_name not in LOGIN_VIEWS:
            return None
        setattr(request, _WAS_LOGGED_IN, request.user.is_authenticated)
        try:
            retry_after = count_attempt(request)
        except Exception:  # the cache is an optimisation here too; its outage must not stop people logging in
            logger.warning("Cache unavailable: logins are not limited per address until it answers again")
            return None
        return None if retry_after is None else refused(request, retry_after)
