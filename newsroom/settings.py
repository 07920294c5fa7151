"""Newsroom settings: one file, every knob read from the environment.

Local use needs no configuration at all (SQLite, DEBUG on, console email).
Production sets DEBUG=off and a SECRET_KEY; the rest has safe defaults.
See `.env.example` for every variable.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=True)

if DEBUG:
    # A fixed key is fine for a laptop; it is never used with DEBUG off.
    SECRET_KEY = env("SECRET_KEY", default="") or "insecure-local-development-key-do-not-use-in-production"
else:
    SECRET_KEY = env("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. Generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
SITE_NAME = env("SITE_NAME", default="Newsroom")

INSTALLED_APPS = [
    "newsroom.admin_site.NewsroomAdminConfig",  # django.contrib.admin with the newsroom's own site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django.contrib.postgres",  # the stored search vector's field; harmless on SQLite
    "django_filters",
    "reversion",
    "axes",
    "stories",
    "newsroom.apps.NewsroomConfig",  # the project's system checks (newsroom/checks.py)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "newsroom.middleware.PermissionsPolicyMiddleware",
    # Before anything reads the address (sessions, the admin, the views) or the database.
    "newsroom.middleware.NulRefusedMiddleware",
    "newsroom.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "newsroom.login_limit.LoginRateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

# Reader pages on Jinja2 (stories/jinja2/, templates/jinja2/; the helpers in stories/templating.py), found
# first; the desk on Django's templates (templates/, the apps' templates/).
_PER_VISIT = "pagecache.context_processors.per_visit_values"  # last: its values survive the public page cache
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "stories.templating.environment",
            "context_processors": [
                "django.contrib.messages.context_processors.messages",
                "newsroom.context_processors.site",
                _PER_VISIT,
            ],
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "newsroom.context_processors.site",
                _PER_VISIT,
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# SQLite by default, in the repository; PostgreSQL through DATABASE_URL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several writers (two gunicorn workers, a command) share one file:
    # IMMEDIATE takes the write lock at BEGIN, so a transaction never fails
    # half-way on an upgrade from a read lock; the timeout makes writers wait
    # for each other instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=3)
    )
if DATABASES["default"]["ENGINE"].endswith((".postgresql", ".postgis")):
    # Prepared statements: PostgreSQL spent more time planning the story page's queries than running them.
    # Parameters travel apart from the SQL (server-side binding), so psycopg can prepare a statement once a
    # connection has run the same SQL more than DB_PREPARE_THRESHOLD times, and later runs skip parse and plan.
    # Reader pages repeat a few SQL strings all day, so 2 starts saving on the third run of each (psycopg's 5
    # would plan five in full again on every new connection, each CONN_MAX_AGE); a one-off query stays unprepared.
    # "off" turns preparing off for a pooler that cannot keep prepared statements (README: Performance, Database).
    _options = DATABASES["default"]["OPTIONS"]
    _threshold = env.str("DB_PREPARE_THRESHOLD", default="2").strip().lower()
    if _threshold in {"off", "none", "no", "false"}:
        _options["prepare_threshold"] = None
    elif _threshold.isascii() and _threshold.isdigit():
        _options["prepare_threshold"] = int(_threshold)
    else:
        raise ImproperlyConfigured(f"DB_PREPARE_THRESHOLD must be a whole number (0 or more) or off: {_threshold!r}")
    _options["server_side_binding"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------
# Local memory by default; Redis in production (redis://127.0.0.1:6379/0).
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://newsroom")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "newsroom.cache_backend.RedisCache"  # Django's, reusing its client
    # Fail fast when Redis is down: the site then serves uncached pages.
    CACHES["default"].setdefault("OPTIONS", {}).update({"socket_connect_timeout": 0.25, "socket_timeout": 0.25})
CACHE_MIDDLEWARE_SECONDS = env.int("CACHE_SECONDS", default=300)
# Public pages each process also keeps in its own memory when the cache is Redis (0: none).
CACHE_NEAR_PAGES = env.int("CACHE_NEAR_PAGES", default=500)
# What public pages tell browsers and a CDN (Cache-Control), in seconds: how long to keep a page,
# how long to serve it stale while fetching a new one, and how long to serve it when the site fails.
PUBLIC_MAX_AGE = env.int("PUBLIC_MAX_AGE", default=60)
PUBLIC_STALE_WHILE_REVALIDATE = env.int("PUBLIC_STALE_WHILE_REVALIDATE", default=30)
PUBLIC_STALE_IF_ERROR = env.int("PUBLIC_STALE_IF_ERROR", default=600)

# --- Auth -------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
ADMIN_PATH = env("ADMIN_PATH", default="admin/").strip("/") + "/"

# Lock an account+client pair out after repeated failed logins.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Usernames as typed can be any length; the record of a failure must still fit its column.
AXES_USERNAME_CALLABLE = "newsroom.middleware.login_attempt_username"
# Login attempts each client address (an IPv6 client: its /64) may send per window of seconds, counted in the
# cache before any password is hashed (newsroom/login_limit.py); a login that succeeds does not count.
LOGIN_RATE_LIMIT = env.int("LOGIN_RATE_LIMIT", default=20)
LOGIN_RATE_WINDOW = env.int("LOGIN_RATE_WINDOW", default=5 * 60)

# Staff sessions end after eight hours of the working day or when the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = env("LANGUAGE_CODE", default="en-us")
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media files -------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Lead images (stories/images.py): the largest file accepted, in bytes, and the most pixels (over every frame
# of an animation), whatever the file's size: what a reader's browser has to decode.
LEAD_IMAGE_MAX_BYTES = env.int("LEAD_IMAGE_MAX_BYTES", default=10 * 1024 * 1024)
LEAD_IMAGE_MAX_PIXELS = env.int("LEAD_IMAGE_MAX_PIXELS", default=40_000_000)

# --- Email ------------------------------------------------------------------
# One URL: consolemail:// (prints), smtp+tls://user:password@host:587, …
_email = env.email("EMAIL_URL", default="consolemail://")
_smtp_options = {
    "host": _email.get("EMAIL_HOST"),
    "port": _email.get("EMAIL_PORT"),
    "username": _email.get("EMAIL_HOST_USER"),
    "password": _email.get("EMAIL_HOST_PASSWORD"),
    "use_tls": _email.get("EMAIL_USE_TLS"),
    "use_ssl": _email.get("EMAIL_USE_SSL"),
    "timeout": 10,
}
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": (
            {k: v for k, v in _smtp_options.items() if v}
            if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="newsroom@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security ---------------------------------------------------------------
# Scripts and styles come only from our own origin or carry the per-request nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
# Cookies never ride along on cross-site requests (the admin needs no cross-site entry).
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Powerful browser features nobody reading the news needs: off for us and for anything embedded.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "usb",
        "browsing-topics",
    )
}

if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # The TLS-terminating proxy tells us the original scheme.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=63072000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Newsroom ---------------------------------------------------------------
STORIES_PER_PAGE = env.int("STORIES_PER_PAGE", default=10)
PREVIEW_LINK_MAX_AGE = env.int("PREVIEW_LINK_HOURS", default=72) * 60 * 60
OPINION_MAX_LENGTH = env.int("OPINION_MAX_LENGTH", default=2000)
OPINIONS_PER_PAGE = 50
# Salt for hashing reader IP addresses; the address itself is never stored.
IP_HASH_SALT = env("IP_HASH_SALT", default="") or SECRET_KEY
# Opinion abuse rules: a form sent back sooner than this (seconds) or later than the max age is
# refused; each client may send OPINION_RATE_LIMIT opinions per OPINION_RATE_WINDOW seconds.
OPINION_MIN_SECONDS = env.float("OPINION_MIN_SECONDS", default=3.0)
OPINION_TOKEN_MAX_AGE = env.int("OPINION_TOKEN_MAX_AGE", default=24 * 60 * 60)
OPINION_RATE_LIMIT = env.int("OPINION_RATE_LIMIT", default=5)
OPINION_RATE_WINDOW = env.int("OPINION_RATE_WINDOW", default=10 * 60)

# --- Logging ----------------------------------------------------------------
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "plain"},
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        # django.request logs each unhandled error once, with the request path.
        "django": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
