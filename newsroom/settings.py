"""Newsroom settings: one file, every knob read from the environment.

Local use needs no configuration at all (SQLite, DEBUG on, console email).
Production sets DEBUG=off and a SECRET_KEY; the rest has safe defaults.
See `.env.example` for every variable.
"""

import re
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django_prose_editor.config import html_tags
from js_asset import static_lazy

BASE_DIR = Path(__file__).resolve().parent.parent
# The project's own templates and static files travel inside the package (`pip install .` installs them).
PACKAGE_DIR = Path(__file__).resolve().parent

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
# The tagging entity of the feeds' item ids (RFC 4151 tag: URIs, "tag:news.example.com,2026:story:42"): a domain
# the newsroom owned on that date, and the date. Set it once and keep it: a feed reader takes a new id for a new
# story. Its default follows SITE_URL's host, so set it before a move of SITE_URL to keep the ids.
FEED_TAG_AUTHORITY = env("FEED_TAG_AUTHORITY", default="") or f"{urlsplit(SITE_URL).hostname or 'localhost'},2026"
if not re.fullmatch(r"[a-z0-9.-]+(@[a-z0-9.-]+)?,\d{4}(-\d{2}(-\d{2})?)?", FEED_TAG_AUTHORITY):
    raise ImproperlyConfigured(
        f"FEED_TAG_AUTHORITY must be a domain (or an email address) and a date, e.g. news.example.com,2026: "
        f"{FEED_TAG_AUTHORITY!r}"
    )

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
    "newsroom.apps.BackgroundTasksConfig",  # django_tasks_db: the queue of background tasks (TASKS_BACKEND=database)
    "django_prose_editor",  # the story body's editor: its scripts, styles and checks
    "stories",
    "newsroom.apps.NewsroomConfig",  # the project's system checks (newsroom/checks.py)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses what passes on the way out (static files are WhiteNoise's, compressed ahead): anonymous pages
    # that set no cookie only, so no CSRF token ever goes out compressed (BREACH; see the class).
    "newsroom.middleware.ReaderGZipMiddleware",
    "newsroom.middleware.ContentSecurityPolicyMiddleware",
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

# Reader pages on Jinja2 (stories/jinja2/, newsroom/templates/jinja2/; the helpers in stories/templating.py), found
# first; the desk on Django's templates (templates/, the apps' templates/).
_PER_VISIT = "pagecache.context_processors.per_visit_values"  # last: its values survive the public page cache
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [PACKAGE_DIR / "templates" / "jinja2"],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "stories.templating.environment",
            "context_processors": [
                "django.contrib.messages.context_processors.messages",
                "newsroom.context_processors.site",
                "stories.links.addresses",
                "stories.templating.page_zone",
                _PER_VISIT,
            ],
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
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
    # A kept connection is checked before each request uses it; newsroom.postgresql asks its socket, not the server.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=3)
    )
    if env.bool("DB_POOL", default=False):
        # Django's own psycopg pool in each process: connections are taken per request and given back after it
        # (instead of one kept per thread for CONN_MAX_AGE), so threads and bursts share a bounded set.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": env.int("DB_POOL_MIN", default=2),
            "max_size": env.int("DB_POOL_MAX", default=8),
            "timeout": env.float("DB_POOL_TIMEOUT", default=5.0),
        }
# Django's PostgreSQL backend with a health check that costs no round trip (newsroom/postgresql/base.py).
_with_socket_check = "newsroom.postgresql"
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = _with_socket_check
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

# A streaming replica of the PostgreSQL primary for anonymous readers' pages (newsroom/replicas.py): staff,
# forms and writes stay on the primary. Its connections are made as the primary's (prepared statements too),
# but give up sooner: a replica that does not answer is skipped for REPLICA_RETRY_SECONDS.
REPLICA_RETRY_SECONDS = env.float("REPLICA_RETRY_SECONDS", default=5.0)
if env.str("REPLICA_DATABASE_URL", default=""):
    if not DATABASES["default"]["ENGINE"].endswith((".postgresql", ".postgis")):
        raise ImproperlyConfigured("REPLICA_DATABASE_URL needs a PostgreSQL primary in DATABASE_URL")
    DATABASES["replica"] = env.db("REPLICA_DATABASE_URL")
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["replica"]["ENGINE"] = _with_socket_check
    for _setting in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS"):
        DATABASES["replica"][_setting] = DATABASES["default"][_setting]
    DATABASES["replica"]["OPTIONS"] = {
        **DATABASES["default"]["OPTIONS"],
        "connect_timeout": env.int("REPLICA_CONNECT_TIMEOUT", default=1),
        "application_name": "newsroom-reader",
        **DATABASES["replica"].get("OPTIONS", {}),
    }
    # Tests: the replica's copy of the test database is the primary's, streamed (Django creates none).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["newsroom.replicas.ReplicaRouter"]
    # After the session and the messages: only then can it tell an anonymous reader from staff.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
        "newsroom.replicas.ReplicaReadsMiddleware",
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------
# Local memory by default; Redis in production (redis://127.0.0.1:6379/0).
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://newsroom")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "newsroom.cache_backend.RedisCache"  # Django's, reusing its client
    # Fail fast when Redis is down: the site then serves uncached pages.
    CACHES["default"].setdefault("OPTIONS", {}).update({"socket_connect_timeout": 0.25, "socket_timeout": 0.25})
CACHE_MIDDLEWARE_SECONDS = env.int("CACHE_SECONDS", default=300)
# Shared HTTP caches in front, purged by surrogate key after every purge (newsroom/edge.py).
VARNISH_PURGE_URLS = env.list("VARNISH_PURGE_URLS", default=[])
FASTLY_SERVICE_ID = env.str("FASTLY_SERVICE_ID", default="")
FASTLY_API_TOKEN = env.str("FASTLY_API_TOKEN", default="")
FASTLY_API_URL = env.str("FASTLY_API_URL", default="https://api.fastly.com")
EDGE_PURGE_TIMEOUT = env.float("EDGE_PURGE_TIMEOUT", default=2.0)
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
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# The story body's editor: the quote-with-source nodes (figure, figcaption, cite) are ours, in a module the editor
# imports when the body's widget enables them (stories.richtext.EDITOR_EXTENSIONS); each names the tags it writes.
DJANGO_PROSE_EDITOR_EXTENSIONS = [
    {
        "js": [static_lazy("js/story-editor-quotes.js")],
        "extensions": {
            "QuoteFigure": html_tags(["figure"]),
            "QuoteCaption": html_tags(["figcaption"]),
            "Cite": html_tags(["cite"]),
        },
    }
]
# Where uploads are addressed: the site's /media/, or an object store's public address (https://…/).
MEDIA_URL = env("MEDIA_URL", default="media/")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Uploads (lead images) served by the site itself, from MEDIA_ROOT at MEDIA_URL: for `make run` and a laptop
# (newsroom.views.uploaded_file; images only). Production leaves it off and has the web server or an object
# store serve MEDIA_ROOT (README: Uploaded images); `check --deploy` warns when it is on with DEBUG off.
SERVE_MEDIA = env.bool("SERVE_MEDIA") if env.str("SERVE_MEDIA", default="").strip() else DEBUG
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
# Uploads (lead images and their renditions) in S3-compatible object storage, shared by every app host, when a
# bucket is named; on the local disk (MEDIA_ROOT) otherwise. Objects are read by their public address (the bucket
# or S3_PUBLIC_URL, a CDN in front): the bucket's policy allows anonymous reads; nothing is signed.
S3_BUCKET = env.str("S3_BUCKET", default="")
if S3_BUCKET:
    _s3_endpoint = env.str("S3_ENDPOINT_URL", default="") or None
    _s3_public = env.str("S3_PUBLIC_URL", default="").rstrip("/")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": _s3_endpoint,
            "region_name": env.str("S3_REGION", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "querystring_auth": False,
            "file_overwrite": False,  # a second upload of the same name gets a name of its own, as on disk
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
            **({"custom_domain": _s3_public.split("://", 1)[-1]} if _s3_public else {}),
            **({"url_protocol": _s3_public.split("://", 1)[0] + ":"} if "://" in _s3_public else {}),
        },
    }
    # Where readers' browsers fetch the images from (the CSP's img-src below allows it).
    MEDIA_ORIGIN = _s3_public or (
        f"{_s3_endpoint.rstrip('/')}" if _s3_endpoint else f"https://{S3_BUCKET}.s3.amazonaws.com"
    )
else:
    MEDIA_ORIGIN = ""

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
            # filemail:////var/mail/newsroom (four slashes: an absolute path) writes each message to a file there
            else {"file_path": _email["EMAIL_FILE_PATH"]}
            if _email["EMAIL_BACKEND"].endswith("filebased.EmailBackend")
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="newsroom@localhost")

# --- Background tasks (stories/tasks.py) ------------------------------------
# "immediate": each task runs at once in the request that asks for it (make run, the tests; no worker).
# "database": queued in the database, run by `manage.py db_worker` on any host; failed ones retried later.
_TASK_BACKENDS = {
    "immediate": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"},
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
}
_tasks_backend = env.str("TASKS_BACKEND", default="immediate")
if _tasks_backend not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {sorted(_TASK_BACKENDS)}: {_tasks_backend!r}")
TASKS = {"default": _TASK_BACKENDS[_tasks_backend]}
TASK_ATTEMPTS = env.int("TASK_ATTEMPTS", default=4)
TASK_RETRY_SECONDS = env.float("TASK_RETRY_SECONDS", default=60.0)
# The desk's Import page imports this many documents in the request; a larger batch goes to the worker.
IMPORT_IN_REQUEST = env.int("IMPORT_IN_REQUEST", default=10)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security ---------------------------------------------------------------
# Scripts and styles come only from our own origin or carry the per-request nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:", *([MEDIA_ORIGIN] if MEDIA_ORIGIN else [])],
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
# How often (seconds) a reader's open page asks for new updates of a story's running live coverage.
LIVE_POLL_SECONDS = env.int("LIVE_POLL_SECONDS", default=15)
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
