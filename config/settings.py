"""Entente settings, read from the environment (12-factor).

Every value has a safe development default so that `make run` works on a
fresh clone; production sets the variables listed in the README.
"""

import re
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DJANGO_DEBUG=(bool, False),
    DJANGO_ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "[::1]"]),
)

# Development default only: production must set DJANGO_SECRET_KEY.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env("DJANGO_DEBUG")
ALLOWED_HOSTS = env("DJANGO_ALLOWED_HOSTS")

INSTALLED_APPS = [
    # modeltranslation patches model fields and the admin, so it must load
    # before django.contrib.admin and before the history registrations in kb.
    "modeltranslation",
    # kb.apps discovers the admin once history is registered (see KbConfig.ready).
    "django.contrib.admin.apps.SimpleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "django_countries",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "reversion",
    "axes",  # admin login lockout (see Editorial below)
    "kb",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The app serves its own assets (no CDN), in development and production.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "kb.admin.security.AdminSecurityHeadersMiddleware",
    # django-axes wants to be last: it turns a locked-out login into its answer.
    "axes.middleware.AxesMiddleware",
]

# The benchmark (tests/perf/bench.py) serves its floor views beside the app's
# URLs through tests/perf/urls.py; the app itself never needs another value.
ROOT_URLCONF = env("DJANGO_ROOT_URLCONF", default="config.urls")

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# SQLite in the checkout is the embedded default; PostgreSQL is the
# production path (DATABASE_URL=postgres://user@host:5432/name).
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "kb" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Record names fall back to the other language when one is missing.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = {"default": ("en", "fr"), "fr": ("fr", "en")}

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Serve assets straight from the apps, so no collectstatic step is needed to
# run; production may still collect them into STATIC_ROOT.
WHITENOISE_USE_FINDERS = True

# --- Public site -------------------------------------------------------------
# Rows per list page; the CSV download and the API hold the whole result.
KB_PAGE_SIZE = 25
# Rows per type on the search page, which links to the full filtered list.
KB_SEARCH_LIMIT = 20
# Rows per section on the data-quality page, which gives each section's count.
KB_QUALITY_LIMIT = 200

# --- Caches -------------------------------------------------------------------
# Per process. "counts" holds list counts keyed by the data version, so they
# are exact as of the last change (kb/db/counts.py).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "counts": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "counts",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    },
}

# --- API -----------------------------------------------------------------------
# The read API is public and read-only: no authentication (so no CSRF or
# session surprises), JSON by default; kb/api/views.py adds CSV to lists.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": ["kb.api.throttling.AnonThrottle"],
    "UNAUTHENTICATED_USER": None,
    # How many reverse proxies stand in front of the app: throttling counts by
    # the address they report in X-Forwarded-For. 0 uses the socket address,
    # so a client cannot dodge the limit with a forged header.
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
}

# Requests per client address, e.g. "1000/minute" or "20/s"; empty or "none"
# turns throttling off. Counts live in the default cache, which is per process
# unless CACHES points at a shared cache.
API_ANON_THROTTLE_RATE = env("API_ANON_THROTTLE_RATE", default="1000/minute").strip()
if API_ANON_THROTTLE_RATE.lower() in ("", "none", "off"):
    API_ANON_THROTTLE_RATE = None
elif not re.fullmatch(r"[0-9]+/(s|m|h|d)[a-z]*", API_ANON_THROTTLE_RATE):
    raise ImproperlyConfigured(
        f"API_ANON_THROTTLE_RATE={API_ANON_THROTTLE_RATE!r}: expected a rate such as "
        "'1000/minute', '20/s', or 'none'."
    )

SPECTACULAR_SETTINGS = {
    "TITLE": "Entente API",
    "DESCRIPTION": (
        "Read-only API of Entente, an open knowledge base of international security "
        "cooperation. Published records only; every fact carries its sources' quotes."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Served by the app itself (drf-spectacular-sidecar): no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a `kind` or a `role`: name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "OrganisationKindEnum": "kb.models.Organisation.Kind",
        "EventKindEnum": "kb.models.Event.Kind",
        "AgreementKindEnum": "kb.models.Agreement.Kind",
        "SourceKindEnum": "kb.models.Source.Kind",
        "ParticipationRoleEnum": "kb.models.Participation.Role",
        "AgreementPartyRoleEnum": "kb.models.AgreementParty.Role",
    },
}

# The read API is open to every origin, for GET only.
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_URLS_REGEX = r"^/api/.*$"
# Let browser clients read the validators and the paging-free CSV name.
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Content-Disposition", "Retry-After"]

# --- Editorial -----------------------------------------------------------------
# Imports, exports, history and the admin's safety (README, "Editorial workflow").

# Uploads over this size are refused before they are read; an XLSX file may
# unpack to at most IMPORT_MAX_UNPACKED_BYTES (a zip bomb is refused unread).
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=200 * 1024 * 1024)
# The import runs in one transaction: a file with any invalid row imports nothing.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES = True

# Brute-force protection of the login (django-axes): after AXES_FAILURE_LIMIT
# failed attempts for one username from one address, that pair is locked out
# for AXES_COOLOFF_HOURS; a successful login resets the count.
AUTHENTICATION_BACKENDS = [
    "kb.admin.security.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

# Security headers. SecurityMiddleware and XFrameOptionsMiddleware send these
# on every page (the values are Django's defaults, stated so they stay);
# admin pages also get a Content-Security-Policy (kb/admin/security.py).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
ADMIN_URL_PREFIX = "/admin/"
ADMIN_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
