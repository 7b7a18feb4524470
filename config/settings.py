"""Entente settings, read from the environment (12-factor).

Every value has a safe development default so that `make run` works on a
fresh clone; production sets the variables listed in the README.
"""

import re
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from config import services

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DJANGO_DEBUG=(bool, False),
    DJANGO_ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "[::1]"]),
)

DEBUG = env("DJANGO_DEBUG")
ALLOWED_HOSTS = env("DJANGO_ALLOWED_HOSTS")

# DEVELOPMENT DEFAULT ONLY, used with DJANGO_DEBUG=true and nowhere else: with
# DEBUG off the app refuses to start without DJANGO_SECRET_KEY rather than
# sign sessions with a key anyone can read here.
_DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-change-me"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = _DEVELOPMENT_SECRET_KEY
elif not SECRET_KEY or (not DEBUG and SECRET_KEY == _DEVELOPMENT_SECRET_KEY):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a long random value when DJANGO_DEBUG is off "
        "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'); "
        "for local development, set DJANGO_DEBUG=true instead."
    )

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
    "csp",  # its system checks (the policy itself: Security headers below)
    # Background jobs (Django's tasks API, backported), their database queue.
    "django_tasks",
    "django_tasks_db",
    "kb",
]

MIDDLEWARE = [
    # First, so that it times and names everything the others do, and logs
    # every response, a 500 included (kb/ops/middleware.py).
    "kb.ops.middleware.RequestIdMiddleware",
    # Before the session is read: the public pages' and the API's reads go to
    # the replica, unless this client wrote a moment ago (kb/ops/replica.py).
    "kb.ops.replica.ReplicaMiddleware",
    # After the replica's choice (it reads the data version there), before all
    # whose headers a stored response keeps: a hit skips them (kb/ops/responses.py).
    "kb.ops.responses.ResponseCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so that static files carry the policy too.
    # django-csp's, with a policy that needs no nonce built once (kb/ops/policy.py).
    "kb.ops.policy.CSPMiddleware",
    # The app serves its own assets (no CDN), in development and production.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Sessions, locale, users and messages: Django's, skipped for the data API's
    # paths, which need none of them (kb/ops/site_only.py).
    "kb.ops.site_only.SessionMiddleware",
    "kb.ops.site_only.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "kb.ops.site_only.AuthenticationMiddleware",
    "kb.ops.site_only.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-axes wants to be last: it turns a locked-out login into its answer.
    "axes.middleware.AxesMiddleware",
]

# The benchmark (tests/perf/bench.py) serves its floor views beside the app's
# URLs through tests/perf/urls.py; the app itself never needs another value.
ROOT_URLCONF = env("DJANGO_ROOT_URLCONF", default="config.urls")

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Ahead of the apps' own: the API docs pages, fitted to the
        # Content-Security-Policy (a nonce on Swagger UI's inline script, no
        # web fonts for ReDoc), in place of drf-spectacular's.
        # And the admin's base_site.html (its stylesheet, which fits every
        # page to the window), in place of django.contrib.admin's.
        "DIRS": [BASE_DIR / "kb" / "ops" / "templates", BASE_DIR / "kb" / "admin" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # CSP_NONCE; a page that never renders it adds no nonce to its policy.
                "csp.context_processors.nonce",
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
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    import os
    import tempfile

    # SQLite has one writer at a time. By default a transaction takes the write
    # lock at its first write, and one that has read first cannot wait for it
    # ("database is locked" at once, mid-import or mid-action). IMMEDIATE takes
    # it at BEGIN, where a writer can wait its turn, for up to `timeout`
    # seconds (longer than the largest import's write); in WAL mode readers
    # never wait for a writer, nor a writer for them.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 60,
            # NORMAL is WAL's usual pairing: a commit is durable once the WAL
            # is synced at checkpoint, and never corrupts the database. A 64 MB
            # page cache per connection (SQLite's default is 2 MB): the map's
            # counts look up an organisation per participation, and at scale 100
            # the default cache thrashed on them (192 -> 173 ms in process).
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536"
            ),
        }
    )
    # Tests get a file of their own, named by process: an in-memory database
    # is shared through SQLite's shared cache, whose locks fail at once rather
    # than wait, so tests of concurrent writers need a real file (and test runs
    # side by side in one checkout must not share one).
    DATABASES["default"].setdefault("TEST", {}).setdefault(
        "NAME", str(Path(tempfile.gettempdir()) / f"entente-test-{os.getpid()}.sqlite3")
    )

# --- Jobs database ---------------------------------------------------------------
# The job queue, each job's progress and the workers' heartbeats (kb/models/jobs.py)
# live under their own alias, so that they are written on a connection of their
# own, outside a job's long write transaction: the editor sees progress while an
# import writes, and a cancel reaches it. On PostgreSQL it is the same database
# over a second connection; on SQLite, whose one writer would hold them back,
# a file of its own beside the main one (kb/db/routing.py routes them).
# JOBS_DATABASE_URL names it outright (a test's worker process is handed its
# test databases that way).
_default_db = DATABASES["default"]
if env.str("JOBS_DATABASE_URL", default=""):
    DATABASES["jobs"] = env.db("JOBS_DATABASE_URL")
    if DATABASES["jobs"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["jobs"]["OPTIONS"] = dict(_default_db.get("OPTIONS", {}))
elif _default_db["ENGINE"] == "django.db.backends.sqlite3":
    _jobs_name = Path(str(_default_db["NAME"]))
    DATABASES["jobs"] = {
        **_default_db,
        "NAME": str(_jobs_name.with_name(_jobs_name.stem + ".jobs.sqlite3")),
        "TEST": {
            "NAME": str(Path(tempfile.gettempdir()) / f"entente-test-{os.getpid()}.jobs.sqlite3")
        },
    }
else:
    DATABASES["jobs"] = {**_default_db, "TEST": dict(_default_db.get("TEST", {}))}
JOBS_DATABASE_SEPARATE = DATABASES["jobs"]["NAME"] != _default_db["NAME"]

# --- Read replica (DATABASE_REPLICA_URL) --------------------------------------------
# REPLICA-SECTION: see kb/db/routing.py.
# A PostgreSQL hot standby of DATABASE_URL's server (README, "Read replica"):
# the public pages' and the API's reads go to it (kb/ops/replica.py decides
# which requests), everything else to the primary. Without it every query
# goes to the primary.
_replica = services.replica_database(env, _default_db)
if _replica:
    DATABASES["replica"] = _replica

# For this many seconds after a client's POST, PUT, PATCH or DELETE (an
# admin save, an import), its reads go to the primary, so that an editor
# never sees the page they just changed as it was (a signed cookie; 0 turns
# it off). A standby on the same network shows a commit within milliseconds
# (tests/ops/replica.sh measured a median of 0.3-6 ms, at most 25 ms, and up
# to 0.14 s for a 1000-row commit on a loaded machine: README, "Read
# replica"), so 5 s covers a standby slowed down many times over.
try:
    REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=5)
except ValueError:
    REPLICA_PIN_SECONDS = -1
if REPLICA_PIN_SECONDS < 0:
    raise ImproperlyConfigured(
        f"REPLICA_PIN_SECONDS={env.str('REPLICA_PIN_SECONDS', default='')!r}: "
        "expected a whole number of seconds, 0 or more."
    )

DATABASE_ROUTERS = ["kb.db.routing.Router"]
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

# --- Bulk downloads ------------------------------------------------------------
# The files of the downloads page (README, "Bulk downloads"), built by a worker
# (kb/jobs/downloads.py) into the "downloads" storage, which every web process
# serves from. DOWNLOADS_STORAGE=file (the default) keeps them under
# MEDIA_ROOT/downloads/, a folder every process on the machine shares (several
# machines: mount one shared volume there); DOWNLOADS_STORAGE=s3 keeps them in
# an S3-compatible bucket through django-storages (`pip install
# "django-storages[s3]"`, not a dependency), its credentials read by boto3 from
# AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the instance's role).
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"
DOWNLOADS_STORAGE = env.str("DOWNLOADS_STORAGE", default="file").strip().lower()
if DOWNLOADS_STORAGE == "file":
    _downloads_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # Served by a view (ETag, ranges: kb/site/downloads.py), never under MEDIA_URL.
        "OPTIONS": {"location": Path(MEDIA_ROOT) / "downloads"},
    }
elif DOWNLOADS_STORAGE == "s3":
    _bucket = env.str("DOWNLOADS_S3_BUCKET", default="").strip()
    if not _bucket:
        raise ImproperlyConfigured("DOWNLOADS_STORAGE=s3 needs DOWNLOADS_S3_BUCKET.")
    _downloads_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _bucket,
            "location": env.str("DOWNLOADS_S3_PREFIX", default="downloads"),
            "endpoint_url": env.str("DOWNLOADS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("DOWNLOADS_S3_REGION", default="") or None,
            # Each copy's name carries its digest: the same name is the same bytes.
            "file_overwrite": True,
            "default_acl": None,
        },
    }
else:
    raise ImproperlyConfigured(
        f"DOWNLOADS_STORAGE={DOWNLOADS_STORAGE!r}: expected 'file' (the default) or 's3'."
    )
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "downloads": _downloads_storage,
}
# After a change to the data, the files are rebuilt at most once per this many
# seconds (the first change after a quiet spell at once). DOWNLOADS_AUTO_REBUILD=off
# stops the worker from queueing rebuilds by itself (the test suite's setting);
# `manage.py downloads` still builds them.
try:
    DOWNLOADS_REBUILD_SECONDS = env.int("DOWNLOADS_REBUILD_SECONDS", default=300)
except ValueError:
    DOWNLOADS_REBUILD_SECONDS = -1
if DOWNLOADS_REBUILD_SECONDS < 0:
    raise ImproperlyConfigured(
        f"DOWNLOADS_REBUILD_SECONDS={env.str('DOWNLOADS_REBUILD_SECONDS', default='')!r}: "
        "expected a whole number of seconds, 0 or more (default 300)."
    )
DOWNLOADS_AUTO_REBUILD = env.bool("DOWNLOADS_AUTO_REBUILD", default=True)
# The site's public address (scheme and host), for what is written outside a
# request: the links inside the bulk files (the API's `url` and `html_url`) and
# how to cite them.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").strip().rstrip("/")
if not re.fullmatch(r"https?://[^/\s?#]+", SITE_URL):
    raise ImproperlyConfigured(
        f"SITE_URL={SITE_URL!r}: expected the site's scheme and host, such as "
        "https://entente.example.org."
    )

# --- Public site -------------------------------------------------------------
# Rows per list page; the CSV download and the API hold the whole result.
KB_PAGE_SIZE = 25
# Rows per type on the search page, which links to the full filtered list.
KB_SEARCH_LIMIT = 20
# Rows per section on the data-quality page, which gives each section's count.
KB_QUALITY_LIMIT = 200
# The cooperation views (kb/domain/cooperation.py): past these, the network keeps
# its best-connected nodes and the timeline its most recent records, and both say
# how many they left out.
GRAPH_MAX_NODES = env.int("GRAPH_MAX_NODES", default=2000)
# The network is drawn from the scope's most recent events and agreements, this many of each:
# all 50,000 events of the benchmark's data took 25 s to pair (kb/domain/cooperation/graphs.py).
GRAPH_MAX_RECORDS = env.int("GRAPH_MAX_RECORDS", default=500)
TIMELINE_MAX_ITEMS = env.int("TIMELINE_MAX_ITEMS", default=2000)

# --- Caches -------------------------------------------------------------------
# Per process. "counts" holds list counts keyed by the data version, so they
# are exact as of the last change (kb/db/counts.py).
# The response cache (kb/ops/responses.py): rendered public pages and API
# responses, keyed by the data version, so a write makes them all unreachable.
# RESPONSE_CACHE=off turns it off (the benchmark's cold runs).
RESPONSE_CACHE = env.bool("RESPONSE_CACHE", default=True)
RESPONSE_CACHE_SECONDS = env.int("RESPONSE_CACHE_SECONDS", default=300)
RESPONSE_CACHE_MAX_ENTRIES = env.int("RESPONSE_CACHE_MAX_ENTRIES", default=2000)
RESPONSE_CACHE_MAX_BYTES = env.int("RESPONSE_CACHE_MAX_BYTES", default=512 * 1024)
# A hit under each prefix counts against this throttle, as the view would.
RESPONSE_CACHE_THROTTLES = {"/api/": "kb.api.throttling.AnonThrottle"}

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "counts": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "counts",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    },
    # Per process without Redis: a bound on entries (each at most
    # RESPONSE_CACHE_MAX_BYTES), so at most about 1 GB per process by default.
    "responses": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "responses",
        "TIMEOUT": RESPONSE_CACHE_SECONDS,
        "OPTIONS": {"MAX_ENTRIES": RESPONSE_CACHE_MAX_ENTRIES},
    },
}

# Redis (redis://host:6379/0), shared by every web and worker process.
REDIS_URL = env.str("REDIS_URL", default="").strip()
# With it, both aliases are Redis (django-redis) under CACHE_KEY_PREFIX, with
# short timeouts, errors ignored and logged, and sessions in cached_db: every
# choice and its reason is in config/services.py (README, "Redis").
CACHE_KEY_PREFIX = services.cache_key_prefix(env)
CACHE_CONNECT_TIMEOUT = services.cache_timeout(env, "CACHE_CONNECT_TIMEOUT", "0.1")
CACHE_SOCKET_TIMEOUT = services.cache_timeout(env, "CACHE_SOCKET_TIMEOUT", "0.2")
if REDIS_URL:
    CACHES = services.redis_caches(
        REDIS_URL,
        CACHE_KEY_PREFIX,
        CACHE_CONNECT_TIMEOUT,
        CACHE_SOCKET_TIMEOUT,
        RESPONSE_CACHE_SECONDS,
    )
    # An ignored error is still logged (logger django_redis.cache, level ERROR,
    # with its traceback): a Redis that is down shows in the logs too.
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    # Sessions are written to the database and read through the cache; only
    # with a cache every process shares (a per-process one would keep serving a
    # session that another process has ended).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Background jobs ---------------------------------------------------------------
# Imports and whole-table exports run as jobs (kb/jobs/), through Django's tasks
# API: the backport (django-tasks) on Django 5.2. TASKS_BACKEND=database (the
# default) queues them in the jobs database, run by `manage.py worker`;
# TASKS_BACKEND=rq queues them in Redis (REDIS_URL), run by the same command,
# which then runs RQ's worker. Either way a job's state and progress are rows of
# the jobs database (kb/models/jobs.py), which every process reads.
TASKS_BACKEND = env.str("TASKS_BACKEND", default="database").strip().lower()
if TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
elif TASKS_BACKEND == "rq":
    if not REDIS_URL:
        raise ImproperlyConfigured("TASKS_BACKEND=rq needs REDIS_URL (redis://host:6379/0).")
    INSTALLED_APPS.append("django_rq")
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    # A job runs for as long as its import does: RQ's default of 180 s is too short.
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
else:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND={TASKS_BACKEND!r}: expected 'database' (the default) or 'rq'."
    )

# --- Health checks -----------------------------------------------------------------
# HEALTH-SECTION
# /healthz/ (liveness: the process answers) and /readyz/ (readiness: databases,
# cache, migrations, a live worker), kb/ops/health.py. Readiness wants a worker
# seen within this many seconds; a worker beats every 5 (kb/jobs/workers.py),
# and a job whose worker has been silent this long counts as orphaned.
try:
    WORKER_HEARTBEAT_MAX_AGE = env.int("WORKER_HEARTBEAT_MAX_AGE", default=60)
except ValueError:
    WORKER_HEARTBEAT_MAX_AGE = 0
if WORKER_HEARTBEAT_MAX_AGE < 1:
    raise ImproperlyConfigured(
        f"WORKER_HEARTBEAT_MAX_AGE={env.str('WORKER_HEARTBEAT_MAX_AGE', default='')!r}: "
        "expected a whole number of seconds, 1 or more (default 60)."
    )
# A load balancer or orchestrator probes each instance over plain HTTP, at its
# own address: SECURE_SSL_REDIRECT would answer its probe with a 301 to HTTPS,
# which some count as up without running a check (Kubernetes takes any 3xx) and
# others as down. The two paths answer over HTTP instead; they set no cookie and
# their bodies hold no secret (each check's name and a short reason). The
# regexes match the path without its leading slash (SecurityMiddleware's rule).
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$", r"^readyz/?$"]

# --- Logging -----------------------------------------------------------------------
# One JSON object a line on stderr, for whatever collects the process's output:
# an access line per request and every log line, each naming the request's id
# (X-Request-ID, kept from the proxy when valid) and a 5xx its traceback
# (kb/ops/logs.py). DJANGO_LOG_LEVEL=WARNING keeps only failed requests.
LOG_LEVEL = env.str("DJANGO_LOG_LEVEL", default="INFO").upper()
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ImproperlyConfigured(
        f"DJANGO_LOG_LEVEL={LOG_LEVEL!r}: expected DEBUG, INFO, WARNING, ERROR or CRITICAL."
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "kb.ops.logs.JsonFormatter"}},
    "handlers": {"stderr": {"class": "kb.ops.logs.StderrHandler", "formatter": "json"}},
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own handlers print plain text (with DEBUG) or mail ADMINS;
        # its lines go to the JSON handler above instead.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        # runserver's request lines repeat the access line, in another format.
        "django.server": {"handlers": [], "propagate": False},
        # django-axes's start-up banner, on every command and test worker.
        "axes.apps": {"level": "WARNING"},
    },
}

# --- Reverse proxies -------------------------------------------------------------
# How many reverse proxies stand in front of the app. Each appends the address
# it saw to X-Forwarded-For, so the client is the entry that many places from
# the right: the API's throttling and the login lockout both count by it
# (kb/ops/clients.py). 0 uses the socket address, so that a client cannot pick
# its own address with a forged header. API_NUM_PROXIES is its former name.
NUM_PROXIES = env.int("DJANGO_NUM_PROXIES", default=env.int("API_NUM_PROXIES", default=0))
if NUM_PROXIES < 0:
    raise ImproperlyConfigured(f"DJANGO_NUM_PROXIES={NUM_PROXIES}: expected 0 or more.")

# --- API -----------------------------------------------------------------------
# The read API is public and read-only: no authentication (so no CSRF or
# session surprises), JSON by default; kb/api/views.py adds CSV to lists.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["kb.api.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": ["kb.api.throttling.AnonThrottle"],
    "UNAUTHENTICATED_USER": None,
    # Throttling counts by the client's address (Reverse proxies above).
    "NUM_PROXIES": NUM_PROXIES,
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
        # Events', agreements' and the cooperation endpoints' `date_precision` / `precision`.
        "DatePrecisionEnum": "kb.models.DatePrecision",
        # Each record's `identifiers[].scheme` (kb/lib/identifiers.py).
        "IdentifierSchemeEnum": "kb.lib.identifiers.CHOICES",
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
# A file is refused, as soon as reading it goes past them, if it has more rows
# after the header (a spreadsheet's empty ones up to its last included) or more
# columns: a small XLSX can claim, or hold one cell at, row 1,048,576, and the
# work of reading it follows its rows and columns, not its bytes.
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=200_000)
IMPORT_MAX_COLUMNS = env.int("IMPORT_MAX_COLUMNS", default=100)
# The import runs in one transaction: a file with any invalid row imports nothing.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES = True

# Possible duplicates (kb/domain/duplicates.py, README "Possible duplicates"): two
# records of one type whose folded names have at least this trigram similarity
# (pg_trgm's measure, 0 to 1) are listed for a reviewer. Lower finds more, and more
# that are not duplicates; the change shows at the next computation.
try:
    DUPLICATE_SIMILARITY = env.float("DUPLICATE_SIMILARITY", default=0.6)
except ValueError:
    DUPLICATE_SIMILARITY = -1.0
if not 0 < DUPLICATE_SIMILARITY <= 1:
    raise ImproperlyConfigured(
        f"DUPLICATE_SIMILARITY={env.str('DUPLICATE_SIMILARITY', default='')!r}: "
        "expected a number above 0 and at most 1 (default 0.6)."
    )

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

# The client's address behind the proxies, read as the API's throttling reads it
# (DJANGO_NUM_PROXIES), so that a lockout falls on one client, not on the proxy
# every client comes through.
AXES_CLIENT_IP_CALLABLE = "kb.ops.clients.client_address"

# --- Security --------------------------------------------------------------------
# Headers on every response. SecurityMiddleware and XFrameOptionsMiddleware send
# these (the values are Django's defaults, stated so they stay).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# HTTPS. With DEBUG off every default is production's (`check --deploy` passes
# with nothing set): HTTP is redirected to HTTPS, browsers are told to use
# HTTPS for a year (HSTS, subdomains included, preload-ready: the header alone
# enrols nothing, a submission to hstspreload.org does), and cookies travel
# over HTTPS only. With DEBUG on (`make run`, the tests) they default off.
# A plain-HTTP run of the production stack (a benchmark, a local check) turns
# DJANGO_SECURE_SSL_REDIRECT and the two cookie variables off.
_PRODUCTION = not DEBUG
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=_PRODUCTION)
SECURE_HSTS_SECONDS = env.int(
    "DJANGO_SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if _PRODUCTION else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=_PRODUCTION
)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=_PRODUCTION)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=_PRODUCTION)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=_PRODUCTION)

# Behind a proxy that ends TLS, the app sees plain HTTP: name the header the
# proxy sets on HTTPS requests (`X-Forwarded-Proto`, meaning `https`; or
# `Name=value`), or SECURE_SSL_REDIRECT redirects forever. Off by default:
# trusted only when set, because a client reaching the app directly could send
# it. Only a proxy that overwrites the header makes it safe.
_proxy_ssl_header = env.str("DJANGO_SECURE_PROXY_SSL_HEADER", default="").strip()
if _proxy_ssl_header:
    _name, _, _value = _proxy_ssl_header.partition("=")
    _name, _value = _name.strip(), _value.strip() or "https"
    if not re.fullmatch(r"[A-Za-z0-9_-]+", _name):
        raise ImproperlyConfigured(
            f"DJANGO_SECURE_PROXY_SSL_HEADER={_proxy_ssl_header!r}: expected a header "
            "name such as 'X-Forwarded-Proto', optionally with '=value' (default https)."
        )
    _meta = _name.upper().replace("-", "_")
    SECURE_PROXY_SSL_HEADER = (_meta if _meta.startswith("HTTP_") else f"HTTP_{_meta}", _value)

# Origins (scheme and host, e.g. https://entente.example.org) from which a form
# may be posted when the Origin differs from the Host the app sees, as behind a
# proxy that rewrites it.
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Content-Security-Policy (django-csp), one policy on every response: pages,
# static files, the API and its docs, the admin. Scripts come only from the
# app's own files, or carry the response's nonce: Swagger UI's one inline
# script (kb/ops/templates/). Styles may be inline: the admin's widgets
# (Select2), Swagger UI and ReDoc write them. ReDoc runs its search in a worker
# built from a blob (its one request elsewhere, Redocly's logo, is stopped in
# the page before it is made). No other origin, no frames, no plugins; forms
# post to the app only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
