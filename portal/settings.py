"""Settings for the Pacific Alliance portal, read from the environment.

There is one settings module. ``PORTAL_ENV`` picks a profile:

- ``production`` (the default): DEBUG off, refuses to start without SECRET_KEY and
  ALLOWED_HOSTS, secure cookies and HSTS; ``manage.py check --deploy`` is clean.
- ``development``: the demo that ``make run`` serves (DEBUG on, SQLite under var/,
  emails written to var/mail/).
- ``test``: what ``make test`` uses (fast hasher, local-memory cache, tasks run at once).

Every variable is documented in README.md ("Configuration").
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _
from js_asset import Script

BASE_DIR = Path(__file__).resolve().parent.parent

_MISSING = object()

#: What ``make run`` remembers in var/demo.env, and the only keys that file may set.
DEMO_ENV_FILE = "demo.env"
DEMO_ENV_KEYS = ("PORTAL_ENV", "SITE_URL")


def _remembered_demo_profile() -> dict[str, str]:
    """The demo's profile as ``make run`` wrote it in ``<VAR_DIR>/demo.env``, when PORTAL_ENV is not set.

    So that in a checkout set up by ``make run`` the commands README names work as written
    (``.venv/bin/python manage.py send_event_reminders``). The file may only choose the
    development profile and its address; anything set in the environment wins, and with
    PORTAL_ENV set (production sets it: deploy/portal.env.example) the file is not read at all.
    """
    if os.environ.get("PORTAL_ENV"):
        return {}
    path = Path(os.environ.get("VAR_DIR") or BASE_DIR / "var") / DEMO_ENV_FILE
    if not path.is_file():
        return {}
    values = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, separator, value = (part.strip() for part in line.partition("="))
        if not separator or key not in DEMO_ENV_KEYS:
            raise ImproperlyConfigured(f"{path}, line {number}: only {', '.join(DEMO_ENV_KEYS)} may be set there.")
        values[key] = value
    if values.get("PORTAL_ENV") != "development":
        raise ImproperlyConfigured(f"{path} remembers the demo only: it must say PORTAL_ENV=development.")
    return values


_REMEMBERED = _remembered_demo_profile()


def env(name, default=_MISSING, *, cast=str):
    """Read one setting from the environment (or the demo's var/demo.env, see above); the only
    place settings touch os.environ."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        raw = _REMEMBERED.get(name)
    if raw is None or raw == "":
        if default is _MISSING:
            raise ImproperlyConfigured(f"The environment variable {name} is required in this profile.")
        return default
    if cast is bool:
        if raw.lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.lower() in {"0", "false", "no", "off"}:
            return False
        raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")
    if cast is list:
        return [item.strip() for item in raw.split(",") if item.strip()]
    try:
        return cast(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} has an invalid value {raw!r}: {exc}") from exc


PORTAL_ENV = env("PORTAL_ENV", "production")
if PORTAL_ENV not in {"production", "development", "test"}:
    raise ImproperlyConfigured("PORTAL_ENV must be production, development or test.")
IS_PRODUCTION = PORTAL_ENV == "production"
IS_TEST = PORTAL_ENV == "test"

DEBUG = env("DEBUG", PORTAL_ENV == "development", cast=bool)
if IS_PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG cannot be on in the production profile.")

# The site's address in every link it writes (emails, feeds, canonical and hreflang links). The
# demo's follows `make run HOST=… PORT=…` (the Makefile remembers it in var/demo.env).
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

if IS_PRODUCTION:
    SECRET_KEY = env("SECRET_KEY")
    ALLOWED_HOSTS = env("ALLOWED_HOSTS", cast=list)
else:
    # Not a secret: only the demo and the tests run with it.
    SECRET_KEY = env("SECRET_KEY", "insecure-demo-key-never-used-in-production-0123456789abcdef")
    # The demo answers on the host of its SITE_URL too (make run HOST=my-laptop.local).
    _demo_hosts = ["127.0.0.1", "localhost", "testserver", urlsplit(SITE_URL).hostname or "127.0.0.1"]
    ALLOWED_HOSTS = env("ALLOWED_HOSTS", list(dict.fromkeys(_demo_hosts)), cast=list)

CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS", [], cast=list)
# How many proxies of ours every request passes (TLS proxy, load balancer…): the client's
# address is read from X-Forwarded-For accordingly (portal.http.client_address), for every
# rate limit. 0: no proxy, X-Forwarded-For is ignored. Never more than really sit in front.
TRUSTED_PROXY_COUNT = env("TRUSTED_PROXY_COUNT", 0, cast=int)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT cannot be negative.")
SITE_NAME = _("Pacific Alliance")
# The secretariat's contact in the footer. The website is the one the seed documents cite; the
# rest is not in them: until configured, the footer shows placeholders and says they are.
SECRETARIAT_WEBSITE = env("SECRETARIAT_WEBSITE", "https://alianzapacifico.net/")
SECRETARIAT_EMAIL = env("SECRETARIAT_EMAIL", "")
SECRETARIAT_ADDRESS = env("SECRETARIAT_ADDRESS", "")
# "Label|https://address" pairs separated by commas, e.g. "LinkedIn|https://www.linkedin.com/company/…".
SOCIAL_LINKS = [
    dict(zip(("label", "url"), pair.split("|", 1), strict=True))
    for pair in env("SOCIAL_LINKS", "").split(",")
    if "|" in pair
]

INSTALLED_APPS = [
    "modeltranslation",  # before the admin, so translated fields show side by side there
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_filters",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "reversion",
    "reversion_compare",
    "django_prose_editor",
    "imagekit",
    "django_tasks_db",
    "django_guid",
    "health_check",
    "accounts",
    "portal",
    "observatory",
    "procurement",
    "events",
    "django_countries",
    "organisations",
    "integrity",
    "following",
    "consultations",
]

MIDDLEWARE = [
    # First: every response, a redirect or a cached page included, carries the request id.
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    # A view that cannot reach the database answers 503 + Retry-After (portal.errors).
    "portal.errors.DatabaseUnavailableMiddleware",
    # An address with a null character is a 400 (portal.errors), before anything reads it.
    "portal.errors.NullCharacterMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions, locale, CSRF and auth: a hit for an anonymous visitor skips them all.
    "portal.middleware.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.SignedInAnswersArePrivateMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.EditorsNeedTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.site",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise (postgresql://… in production).
VAR_DIR = Path(env("VAR_DIR", str(BASE_DIR / "var")))
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
        conn_max_age=env("DATABASE_CONN_MAX_AGE", 60 if IS_PRODUCTION else 0, cast=int),
        conn_health_checks=True,
    )
}
if IS_PRODUCTION and DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("The production profile needs DATABASE_URL=postgresql://…")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL and a busy timeout let the web process and the task worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
else:
    # Form choices and exports iterate with .iterator(): plain cursors spare each a DECLARE, FETCH
    # and CLOSE round trip (and work behind PgBouncer in transaction mode).
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    # The site runs short queries, many at a time: a parallel plan would take every core of a
    # small server for one request. DATABASE_PARALLEL_WORKERS raises it (docs/performance.md).
    options = DATABASES["default"].setdefault("OPTIONS", {})
    parallel = f"-c max_parallel_workers_per_gather={env('DATABASE_PARALLEL_WORKERS', 0, cast=int)}"
    options["options"] = f"{options.get('options', '')} {parallel}".strip()  # keeps the URL's own ?options=

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:my_account"

# Accounts (django-allauth): email is the login; it must be verified before any participation.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# allauth's rate limits read the client's address through the adapter's get_client_ip, which
# is portal.http.client_address; its own setting says the same, for any part that reads it.
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
# Subjects start with the site's name in the recipient's language (accounts.adapter.format_email_subject).
ACCOUNT_RATE_LIMITS = {
    # allauth's own limits, stated here so they are visible and reviewed.
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Pacific Alliance portal"
if PORTAL_ENV == "development":
    # The demo only (allauth refuses it without DEBUG): 000000 passes as an authenticator code,
    # so the demo editor can sign in without an authenticator app. See README.
    MFA_TOTP_INSECURE_BYPASS_CODE = "000000"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2 (Django's recommendation) for new and changed passwords; existing PBKDF2 hashes still
# work and are upgraded to Argon2 at the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
if IS_TEST:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Internationalisation: English and Spanish, interface and content.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
# Content in both languages (django-modeltranslation): a missing translation falls back to the
# other language, and the page says so (portal.templatetags.portal_i18n).
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = ("en", "es")
MODELTRANSLATION_FALLBACK_LANGUAGES = {"default": ("en", "es"), "en": ("es",), "es": ("en",)}
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "America/Bogota"
USE_TZ = True

# Static files are served by the app itself (whitenoise); nothing comes from a CDN.
STATIC_URL = "/static/"
# Where collectstatic writes: in production one folder kept across releases, so that pages of the
# old release still find their hashed files while a new one rolls out (README, "Upgrades").
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    # Uploads are named by the portal, never by the visitor (portal.uploads.stored_name).
    "default": {"BACKEND": "portal.uploads.UploadStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if IS_TEST or DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
WHITENOISE_USE_FINDERS = DEBUG or IS_TEST
WHITENOISE_AUTOREFRESH = DEBUG or IS_TEST
IMAGE_UPLOAD_MAX_BYTES = env("IMAGE_UPLOAD_MAX_BYTES", 5 * 1024 * 1024, cast=int)
# Responsive variants of uploaded images (portal.images, django-imagekit): stored beside the
# uploads, in this folder of the default storage, made when the item is saved.
IMAGEKIT_CACHEFILE_DIR = "variants"
IMAGEKIT_DEFAULT_CACHEFILE_STRATEGY = "imagekit.cachefiles.strategies.Optimistic"
IMAGEKIT_SPEC_CACHEFILE_NAMER = "imagekit.cachefiles.namers.source_name_as_path"

# Cache: shared Redis when REDIS_URL is set (several app servers), else per-process memory.
# Django's Redis backend, reusing its Redis client per pool (portal.cache_backend: ~80 µs less
# per cache operation).
REDIS_URL = env("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "portal.cache_backend.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Anonymous visitors get public pages from the cache; a change of what public pages show (each
# app's portal.cache.watch) invalidates the pages that show it (portal.cache's tags). On by
# default only where every process sees the same cache (Redis, or the single-process demo):
# with per-process memory a publish would clear one process only. Off in tests, which change
# data behind the signals' back.
SHARED_CACHE = bool(REDIS_URL) or PORTAL_ENV == "development"
ANONYMOUS_PAGE_CACHE = env("ANONYMOUS_PAGE_CACHE", SHARED_CACHE, cast=bool)
# Data and template fragments that only published content decides, under the same tags or
# content version (portal.cache.remember, {% cache … using="content" %}): what a page-cache miss, a
# signed-in visitor and the API reuse. Same rule as the page cache; a no-op cache when off.
CONTENT_CACHE = env("CONTENT_CACHE", SHARED_CACHE, cast=bool)
# Each process reuses its last read of the content version (and the tag versions read under
# it) this long (a cache round trip per request saved): a change made elsewhere shows within
# it. 0 in tests, which change data at once.
CONTENT_VERSION_REUSE_SECONDS = env("CONTENT_VERSION_REUSE_SECONDS", 0 if IS_TEST else 1.0, cast=float)
# The taxonomy (countries, bodies, topics: every filter form and card names them) read once per
# process and language, and kept until a change of it turns every page (portal.taxonomy). Same
# rule as the page cache: with per-process memory a rename would reach one process only.
TAXONOMY_IN_MEMORY = env("TAXONOMY_IN_MEMORY", SHARED_CACHE, cast=bool)
CACHES["content"] = (
    {**CACHES["default"], "KEY_PREFIX": "content"}
    if CONTENT_CACHE and REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "content"}
    if CONTENT_CACHE
    else {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
)

# Background tasks: Django's tasks framework. The database backend is worked by
# `manage.py run_worker` (portal.workers); tests run tasks immediately so mailoutbox sees them.
# TASKS_BACKEND=database in the test profile is for tests that start real worker processes.
TASKS_BACKEND = env("TASKS_BACKEND", "immediate" if IS_TEST else "database")
if TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
elif TASKS_BACKEND == "database":
    # django_tasks_db's backend, enqueueing in one transaction with the task's request id.
    TASKS = {"default": {"BACKEND": "portal.request_ids.DatabaseBackend", "QUEUES": ["default"]}}
else:
    raise ImproperlyConfigured("TASKS_BACKEND must be database or immediate.")

# Task workers (`manage.py run_worker`, portal.workers): heartbeats, take-over of the tasks of a
# lost worker, and the sweeps of what is still owed (emails), with no cron job.
WORKER_HEARTBEAT_SECONDS = env("WORKER_HEARTBEAT_SECONDS", 5.0, cast=float)
WORKER_LEASE_SECONDS = env("WORKER_LEASE_SECONDS", 30.0, cast=float)
WORKER_MAX_ATTEMPTS = env("WORKER_MAX_ATTEMPTS", 5, cast=int)
WORKER_SWEEP_SECONDS = env("WORKER_SWEEP_SECONDS", 60.0, cast=float)
WORKER_SWEEP_GRACE_SECONDS = env("WORKER_SWEEP_GRACE_SECONDS", 120.0, cast=float)

# The outbox (portal.outbox): every email is queued with the change it tells of and delivered
# after commit, with retries while the mail server is unreachable.
OUTBOX_BATCH_SIZE = env("OUTBOX_BATCH_SIZE", 200, cast=int)
OUTBOX_CLAIM_SECONDS = env("OUTBOX_CLAIM_SECONDS", 600.0, cast=float)
# Sent emails are stamped every N emails or S seconds: with N > 1, a sender killed mid-batch sends
# up to N again. 1 (the default): each email stamped at once, with an asynchronous commit.
OUTBOX_STAMP_EVERY = env("OUTBOX_STAMP_EVERY", 1, cast=int)
OUTBOX_STAMP_SECONDS = env("OUTBOX_STAMP_SECONDS", 2.0, cast=float)
OUTBOX_RETRY_SECONDS = env("OUTBOX_RETRY_SECONDS", 30.0, cast=float)
OUTBOX_RETRY_MAX_SECONDS = env("OUTBOX_RETRY_MAX_SECONDS", 1800.0, cast=float)
OUTBOX_GIVE_UP_HOURS = env("OUTBOX_GIVE_UP_HOURS", 72.0, cast=float)
OUTBOX_KEEP_DAYS = env("OUTBOX_KEEP_DAYS", 30, cast=int)

# Email: SMTP in production; files under var/mail/ for the demo (one .log file per sending batch).
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Pacific Alliance portal <no-reply@alianzapacifico.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_BACKEND_NAME = env("EMAIL_BACKEND", "smtp" if IS_PRODUCTION else "file")
if EMAIL_BACKEND_NAME == "smtp":
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env("EMAIL_HOST", "localhost"),
                "port": env("EMAIL_PORT", 25, cast=int),
                "username": env("EMAIL_HOST_USER", ""),
                "password": env("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env("EMAIL_USE_TLS", False, cast=bool),
                "timeout": 20,
            },
        }
    }
elif EMAIL_BACKEND_NAME == "file":
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }
elif EMAIL_BACKEND_NAME == "console":
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    raise ImproperlyConfigured("EMAIL_BACKEND must be smtp, file or console.")

# Security. The Content Security Policy allows this origin only and no inline script;
# the few inline blocks a library needs (the rich-text editor's import map) carry a nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
if IS_PRODUCTION:
    SECURE_SSL_REDIRECT = env("SECURE_SSL_REDIRECT", True, cast=bool)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Probes may ask an app node directly over plain HTTP (the proxy, monitoring).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365, cast=int)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# The rich-text editor's preset: the package's editor without injected <style> (CSP) and
# with an accessible name (static/js/prose-editor.js).
DJANGO_PROSE_EDITOR_PRESETS = {"portal": [Script("js/prose-editor.js", type="module")]}

# Logs: one JSON object a line in production (for the journal and a log shipper), readable text
# elsewhere; every line carries the request id (below) of the request or task it belongs to.
LOG_FORMAT = env("LOG_FORMAT", "json" if IS_PRODUCTION else "text")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("LOG_FORMAT must be json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "django_guid.log_filters.CorrelationId", "correlation_id_field": "request_id"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s %(process)d",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": True,
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING" if IS_TEST else "INFO")},
    # django-guid says at INFO, for every request, whether the id came from the proxy. Django's own
    # loggers (django.tasks: the worker's lines; django.request…) go to the root's handler only:
    # Django's default console handler beside it printed each line twice in the demo.
    "loggers": {
        "django_guid": {"level": "WARNING"},
        "django": {"handlers": [], "level": "INFO", "propagate": True},
    },
}

# Request ids (django-guid): taken from the proxy's X-Request-ID (nginx sets it, deploy/nginx/)
# when it is a valid UUID (32 hex digits, as nginx's $request_id), else made here; returned in
# the response's X-Request-ID. Tasks carry the id of the request that enqueued them
# (portal.request_ids), so the worker's lines for them carry it too.
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": False,
    "UUID_FORMAT": "hex",
}

# Error tracking: the Sentry SDK, only when SENTRY_DSN is set (nothing is sent otherwise). No
# personal data is sent (send_default_pii off); each event is tagged with its request id.
SENTRY_DSN = env("SENTRY_DSN", "")
if SENTRY_DSN:
    # Imported only when Sentry is configured (no cycle): sentry_sdk and its hook cost nothing otherwise.
    import sentry_sdk

    from portal.logs import tag_sentry_event

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", PORTAL_ENV),
        release=env("SENTRY_RELEASE", "") or None,
        traces_sample_rate=env("SENTRY_TRACES_SAMPLE_RATE", 0.0, cast=float),
        send_default_pii=False,
        before_send=tag_sentry_event,
    )

# Readiness (/readyz, portal.health): the oldest task that should have run may have waited this
# long (s) before the node reports the task queue as not worked.
READYZ_TASK_BACKLOG_MAX_AGE = env("READYZ_TASK_BACKLOG_MAX_AGE", 300, cast=int)

# Public API (/api/v1/): read-only content for everyone, "me" endpoints for participants.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: a request without valid credentials then gets 401 with WWW-Authenticate.
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "portal.api_base.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "portal.api_base.Pagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # REST framework's three: the JSON one refuses absurdly nested bodies, the form ones the null
    # character (a 400, not a 500).
    "DEFAULT_PARSER_CLASSES": [
        "portal.api_base.JSONParser",
        "portal.api_base.FormParser",
        "portal.api_base.MultiPartParser",
    ],
    # The throttles' client address is portal.http.client_address (NUM_PROXIES says the same
    # to any other part of REST framework that reads it).
    "DEFAULT_THROTTLE_CLASSES": ["portal.api_base.AnonRateThrottle", "portal.api_base.UserRateThrottle"],
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_ANON_RATE", "10000/minute" if IS_TEST else "120/minute"),
        "user": env("API_USER_RATE", "10000/minute" if IS_TEST else "600/minute"),
    },
    "EXCEPTION_HANDLER": "portal.api_base.exception_handler",
    # Every error an operation answers, and every filter as it is checked (portal.api_schema).
    "DEFAULT_SCHEMA_CLASS": "portal.api_schema.AutoSchema",
}
REST_KNOX = {
    "TOKEN_TTL": None,  # tokens live until their owner revokes them on "My account"
    "AUTO_REFRESH": False,
    "TOKEN_PREFIX": "pa_",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Pacific Alliance portal API",
    "DESCRIPTION": "News, publications, observatories and events of the Pacific Alliance, and participants' "
    "own registrations. Read endpoints are public; /me/ endpoints need a session or a token "
    "(`Authorization: Token <token>`, created on “My account”).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "AssessmentStatusEnum": "integrity.models.Assessment.Status",
        # A registration's attendance and a hybrid registration's mode share one choice set.
        "AttendanceEnum": "events.models.Registration.Attendance",
    },
}

NEWS_PAGE_SIZE = 12

# --- Observatories and publications (observatory app) ---
OBSERVATORY_PAGE_SIZE = 12
# Publication files leave only through the download view (it counts downloads and refuses
# unpublished publications), so they live outside MEDIA_ROOT, which the web server serves.
# A STORAGES["publication_files"] entry, when present, replaces this local folder.
OBSERVATORY_FILES_ROOT = Path(env("OBSERVATORY_FILES_ROOT", str(VAR_DIR / "publication-files")))
OBSERVATORY_FILE_MAX_BYTES = env("OBSERVATORY_FILE_MAX_BYTES", 25 * 1024 * 1024, cast=int)
OBSERVATORY_COMMENT_MAX_LENGTH = env("OBSERVATORY_COMMENT_MAX_LENGTH", 3000, cast=int)
# "<number>/<period>" with a period of s, m, h or d: comments one participant may post.
OBSERVATORY_COMMENT_RATE = env("OBSERVATORY_COMMENT_RATE", "5/h")
# Reports one visitor (IP address) may send, and reports that hide a comment until reviewed.
OBSERVATORY_REPORT_RATE = env("OBSERVATORY_REPORT_RATE", "20/h")
OBSERVATORY_REPORTS_TO_HIDE = env("OBSERVATORY_REPORTS_TO_HIDE", 3, cast=int)
# Indicator data imports (observatory.imports): the largest file read, and the largest SDMX
# file (sdmx1 reads a whole message into memory); uploads wait between dry run and confirmation here.
OBSERVATORY_DATA_MAX_BYTES = env("OBSERVATORY_DATA_MAX_BYTES", 100 * 1024 * 1024, cast=int)
OBSERVATORY_SDMX_MAX_BYTES = env("OBSERVATORY_SDMX_MAX_BYTES", 20 * 1024 * 1024, cast=int)
OBSERVATORY_IMPORTS_ROOT = Path(env("OBSERVATORY_IMPORTS_ROOT", str(VAR_DIR / "imports")))
# OCDS imports (procurement.imports): the largest file the command reads (the admin takes up to
# OBSERVATORY_DATA_MAX_BYTES), and where its releases are staged on disk (empty: the system's temp folder).
PROCUREMENT_OCDS_MAX_BYTES = env("PROCUREMENT_OCDS_MAX_BYTES", 4 * 1024 * 1024 * 1024, cast=int)
PROCUREMENT_STAGING_DIR = env("PROCUREMENT_STAGING_DIR", "")
# How many contracting processes seed_procurement generates (about 2 releases each; 200000 is the issue's size).
PROCUREMENT_DEMO_PROCESSES = env("PROCUREMENT_DEMO_PROCESSES", 2_000 if IS_TEST else 50_000, cast=int)

# --- Events and registration (events app) ---
EVENTS_PAGE_SIZE = 12
# Personal links in registration emails: how long each stays valid (seconds). Cancelling a
# registration revokes its links at once, whatever their age.
EVENTS_CONFIRM_LINK_MAX_AGE = env("EVENTS_CONFIRM_LINK_MAX_AGE", 7 * 24 * 3600, cast=int)
EVENTS_PERSONAL_LINK_MAX_AGE = env("EVENTS_PERSONAL_LINK_MAX_AGE", 400 * 24 * 3600, cast=int)
EVENTS_DOCUMENT_MAX_BYTES = env("EVENTS_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024, cast=int)
# Queued confirmations (events.services.registration.decide_confirmations) are decided once this
# many seconds old: a confirmation timed just before another may commit just after it, and must not
# lose its place. Longer than any commit takes; it adds as much to the wait for the outcome. The
# unit tests decide at once (0); the race test sets its own.
EVENTS_CONFIRMATION_SETTLE_SECONDS = env("EVENTS_CONFIRMATION_SETTLE_SECONDS", 0.0 if IS_TEST else 0.5, cast=float)

# --- Organisations and the integrity self-assessment (organisations, integrity apps) ---
ORGANISATIONS_INVITATION_MAX_AGE = env("ORGANISATIONS_INVITATION_MAX_AGE", 14 * 24 * 3600, cast=int)

# --- Consultations on draft documents (consultations app) ---
CONSULTATIONS_PAGE_SIZE = 12
CONSULTATIONS_COMMENT_MAX_LENGTH = env("CONSULTATIONS_COMMENT_MAX_LENGTH", 3000, cast=int)
# "<number>/<period>" (as OBSERVATORY_COMMENT_RATE): comments one participant may post on consultations.
CONSULTATIONS_COMMENT_RATE = env("CONSULTATIONS_COMMENT_RATE", "20/h")

# --- Following and digests (following app) ---
# Digests go from this hour (site's TIME_ZONE) the morning after their period ends, in batches
# of DIGEST_BATCH_SIZE people per task.
DIGEST_SEND_HOUR = env("DIGEST_SEND_HOUR", 7, cast=int)
DIGEST_BATCH_SIZE = env("DIGEST_BATCH_SIZE", 500, cast=int)
# How long a newsletter confirmation link works (s); requests to subscribe per client address.
DIGEST_CONFIRM_MAX_AGE = env("DIGEST_CONFIRM_MAX_AGE", 3 * 24 * 3600, cast=int)
DIGEST_SUBSCRIBE_RATE = env("DIGEST_SUBSCRIBE_RATE", "10/h")
# The digest's List-Id header (RFC 2919): its name, and an identifier under a domain of yours.
DIGEST_LIST_NAME = env("DIGEST_LIST_NAME", "Pacific Alliance digest")
DIGEST_LIST_ID = env("DIGEST_LIST_ID", "digest.alianzapacifico.example")
