"""Settings for Chợ Phiên, read from the environment (12-factor).

DJANGO_ENV picks the profile: ``development`` (the default, what ``make run`` uses),
``test`` (the pytest suite) or ``production``. Every variable is documented in README.md.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.storage_settings import disk_storages, s3_storages

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV must be development, test or production")
PRODUCTION = DJANGO_ENV == "production"
TESTING = DJANGO_ENV == "test"

DEBUG = env.bool("DEBUG", default=DJANGO_ENV == "development")

if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")  # required: no default in production
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    # Keys the scan log's network hashes, apart from SECRET_KEY: rotating SECRET_KEY must not
    # make every network that scanned a label before look new.
    SCAN_HASH_KEY = env.str("SCAN_HASH_KEY")  # required
else:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
    SCAN_HASH_KEY = env.str("SCAN_HASH_KEY", default="dev-only-scan-hash-key")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Public address of the site, used in links sent by SMS or e-mail and on printed labels.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAIL_SITE_NAME = "Chợ Phiên"

INSTALLED_APPS = [
    # project apps, in import order: a row may import only from rows above it
    "config.apps.ProjectConfig",  # system checks on these settings (config/checks.py)
    "accounts",
    "places",
    "growing_areas",
    "marketplace",
    "traceability",
    "postal_pickup",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "accounts.apps.UsersAppConfig",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # Django and third parties
    "axes",
    "csp",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.refuse_nul_bytes",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # below WhiteNoise (which answers static files itself, precompressed), above everything
    # that writes the body, so pages and JSON leave compressed when the client accepts gzip
    "config.middleware.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.LanguageMiddleware",
    "config.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # anonymous visitors' catalogue pages from the cache (CATALOGUE_CACHE_SECONDS), with the
    # headers of the middleware above
    "marketplace.catalogue_cache.middleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # last, so it sees the outcome of authentication in every view
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker share the file: WAL lets readers work during a write,
    # IMMEDIATE transactions queue writers instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://chophien")}

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.PhoneBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Failed-login throttling (django-axes): a phone number or a network address is locked out
# after AXES_FAILURE_LIMIT failures, for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_USERNAME_CALLABLE = "accounts.backends.axes_username"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# One client-address rule for axes, the sign-up limit and label scans (accounts.network), so
# axes needs no django-ipware: behind proxies, every visitor is not the proxy.
AXES_CLIENT_IP_CALLABLE = "accounts.network.client_ip"

# Proxies (load balancer, nginx, CDN) in front of the web machines: the client's address is the
# X-Forwarded-For entry the outermost of them added. AXES_PROXY_COUNT is its old name.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=env.int("AXES_PROXY_COUNT", default=0))
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more")

# Messages to people (SMS, e-mail) go through accounts.notifications.
NOTIFICATION_BACKEND = env.str("NOTIFICATION_BACKEND", default="accounts.notifications.LogBackend")
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))  # e.g. smtp+tls://user:password@host:587
else:
    EMAIL_BACKEND = env.str(
        "EMAIL_BACKEND",
        default="django.core.mail.backends.locmem.EmailBackend"
        if TESTING
        else "django.core.mail.backends.console.EmailBackend",
    )
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Chợ Phiên <no-reply@chophien.vn>")

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
# Pages have an English translation (same address): Wagtail serves the one in the person's
# language, the Vietnamese page when there is none.
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
WAGTAILADMIN_PERMITTED_LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date format everywhere, 30/11/2026 23:04 (config/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
# Paths whose language follows the browser's Accept-Language (the GS1 label pages); everywhere
# else the site is Vietnamese until the person switches.
ACCEPT_LANGUAGE_PATH_PREFIXES = ["/01/"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise looks here even before collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# Private files (label PDFs, trace documents, import uploads, pickup lists) live apart from
# public media and are handed out only by config.private.serve_private after an access check.
PRIVATE_ROOT = env.path("PRIVATE_ROOT", default=BASE_DIR / "var" / "private")
PRIVATE_FILE_URL_SECONDS = env.int("PRIVATE_FILE_URL_SECONDS", default=300)
# A finished growing-area import's uploaded file is removed this many days after the upload.
IMPORT_UPLOAD_KEEP_DAYS = env.int("IMPORT_UPLOAD_KEEP_DAYS", default=30)
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
AWS_PRIVATE_BUCKET_NAME = env.str("AWS_PRIVATE_BUCKET_NAME", default="")
AWS_PRIVATE_LOCATION = env.str("AWS_PRIVATE_LOCATION", default="private")
if AWS_STORAGE_BUCKET_NAME:
    # S3-compatible buckets: credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY,
    # read by boto3 itself. Objects get a safe Content-Type and Content-Disposition
    # (config/media.py's allowlist); private ones the private ACL and presigned URLs only.
    file_storages = s3_storages(
        bucket=AWS_STORAGE_BUCKET_NAME,
        private_bucket=AWS_PRIVATE_BUCKET_NAME,
        private_location=AWS_PRIVATE_LOCATION,
        endpoint_url=env.str("AWS_S3_ENDPOINT_URL", default=None),
        region=env.str("AWS_S3_REGION_NAME", default=None),
        custom_domain=env.str("AWS_S3_CUSTOM_DOMAIN", default=None),
        url_seconds=PRIVATE_FILE_URL_SECONDS,
    )
else:
    file_storages = disk_storages()
# Without a bucket, Django serves MEDIA_ROOT itself (config/media.py), in production too,
# unless MEDIA_URL names another origin; a proxy or CDN in front should take /media/ at scale.
SERVE_MEDIA = not AWS_STORAGE_BUCKET_NAME and MEDIA_URL.startswith("/")
STORAGES = {
    **file_storages,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Wagtail --------------------------------------------------------------------------------
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAILDOCS_EXTENSIONS = ["pdf", "csv", "xlsx", "jpg", "png"]
WAGTAILADMIN_LOGIN_URL = "wagtailadmin_login"
WAGTAILADMIN_USER_LOGIN_FORM = "config.admin_login.AdminLoginForm"  # a Vietnamese "Password"

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str(
    "CELERY_BROKER_URL", default=f"sqla+sqlite:///{VAR_DIR / 'celery.sqlite3'}"
)
CELERY_RESULT_BACKEND = env.str(
    "CELERY_RESULT_BACKEND", default=f"db+sqlite:///{VAR_DIR / 'celery-results.sqlite3'}"
)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=TESTING)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the message for another
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Redis hands an unacknowledged message (its worker died) to another worker after this
    # long; it must outlast the longest task, or a running task would be delivered twice.
    # The sweeps below notice a dead worker's print runs and imports much sooner.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_TASK_TIME_LIMIT + 5 * 60,
    }
# The SQLAlchemy broker (sqla+…) has no visibility timeout: a message taken by a worker that
# dies is not delivered again (the sweeps re-queue the work), and delivered messages stay in
# its table until config.purge_delivered_broker_messages deletes those older than this.
CELERY_BROKER_KEEP_DELIVERED = timedelta(hours=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {
    "accounts-resend-undelivered-notifications": {
        "task": "accounts.tasks.resend_undelivered_notifications",
        "schedule": timedelta(minutes=2),
    },
    "growing-areas-expiry-notice": {
        "task": "growing_areas.tasks.notify_expiring_growing_areas",
        "schedule": crontab(hour=7, minute=0),  # every morning, Vietnam time
    },
    "growing-areas-requeue-stale-imports": {
        "task": "growing_areas.tasks.requeue_stale_imports",
        "schedule": timedelta(minutes=2),
    },
    "marketplace-expire-unpaid-orders": {
        "task": "marketplace.tasks.expire_unpaid_orders",
        "schedule": timedelta(minutes=1),
    },
    "marketplace-retry-webhooks": {
        "task": "marketplace.tasks.retry_webhooks",
        "schedule": timedelta(minutes=2),
    },
    "traceability-requeue-stale-print-runs": {
        "task": "traceability.tasks.requeue_stale_print_runs",
        "schedule": timedelta(minutes=1),
    },
}
# Files nothing names any more, voided print runs' PDFs, old import uploads (config/file_cleanup.py)
CELERY_BEAT_SCHEDULE["config-clean-up-files"] = {
    "task": "config.clean_up_files",
    "schedule": crontab(hour=3, minute=30),  # every night, Vietnam time
}
if CELERY_BROKER_URL.startswith("sqla+"):
    CELERY_BEAT_SCHEDULE["config-purge-delivered-broker-messages"] = {
        "task": "config.purge_delivered_broker_messages",
        "schedule": timedelta(minutes=30),
    }

# --- Security -------------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"  # Wagtail's preview panel sets its own SAMEORIGIN override
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer probes over plain HTTP

# Content security policy for the public site; the Wagtail and Django admins keep their own
# inline scripts and styles, so they are left out of the strict policy.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/", "/django-admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", *env.list("CSP_IMG_SRC", default=[])],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# --- Logging: structured JSON lines on stdout in production ---------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": env.str("LOG_FORMAT", default="json" if PRODUCTION else "plain"),
        },
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
    },
}

# --- Domain settings (see DESIGN.md) --------------------------------------------------------
# The province the platform serves first: used for defaults in forms and demo data.
DEFAULT_PROVINCE_CODE = env.str("DEFAULT_PROVINCE_CODE", default="15")  # Lào Cai

# Buying (docs/payments.md). A prepaid order (bank transfer, card) holds its stock this long
# while it waits for the money, then expires by itself.
ORDER_PAYMENT_MINUTES = env.int("ORDER_PAYMENT_MINUTES", default=60)

# Traceability (docs/traceability.md). GTINs the platform allocates are numbered under this GS1
# company prefix. The default, in Vietnam's 893 range, is a placeholder for development only:
# production refuses to start with it (config/checks.py); set the prefix licensed from GS1
# Vietnam, or allocated GTINs will collide.
GS1_COMPANY_PREFIX = env.str("GS1_COMPANY_PREFIX", default="8939999")
# A label scanned more often than this, or from more distinct networks (/24 or /48), is shown
# with a warning that it may be copied and flagged to moderators.
TRACEABILITY_MAX_SCANS_PER_LABEL = env.int("TRACEABILITY_MAX_SCANS_PER_LABEL", default=50)
TRACEABILITY_MAX_NETWORKS_PER_LABEL = env.int("TRACEABILITY_MAX_NETWORKS_PER_LABEL", default=5)
# What one network can add: at most this many scans per label per day count toward the scans
# threshold, and that threshold flags a label only once this many distinct networks scanned it.
TRACEABILITY_SCANS_PER_NETWORK_PER_DAY = env.int(
    "TRACEABILITY_SCANS_PER_NETWORK_PER_DAY", default=3
)
TRACEABILITY_MIN_NETWORKS_TO_FLAG = env.int("TRACEABILITY_MIN_NETWORKS_TO_FLAG", default=3)
# The scan drain: counters, "scanned N times" and counterfeit warnings lag scans by at most
# this minute (README, "Label scans").
CELERY_BEAT_SCHEDULE["traceability-drain-scans"] = {
    "task": "traceability.tasks.drain_scans",
    "schedule": timedelta(minutes=1),
}

# Postal pickup (README, "Postal pickup"). An order confirmed before this hour (local time) is
# collected on the next working day, after it on the working day after that. Working days are
# weekday numbers, Monday = 0.
POSTAL_PICKUP_CUTOFF_HOUR = env.int("POSTAL_PICKUP_CUTOFF_HOUR", default=14)
POSTAL_WORKING_DAYS = [
    int(day) for day in env.list("POSTAL_WORKING_DAYS", default=["0", "1", "2", "3", "4", "5"])
]
# The carrier's fee for collecting cash on delivery, per delivered parcel: this percentage of
# the cash collected, rounded half up to whole dong, at least POSTAL_COD_FEE_MIN dong, never
# more than the cash itself. The COD remittance pays the farmer the cash less these fees. Set
# both to the rates of the province's contract with the post office.
POSTAL_COD_FEE_PERCENT = Decimal(env.str("POSTAL_COD_FEE_PERCENT", default="1"))
POSTAL_COD_FEE_MIN = env.int("POSTAL_COD_FEE_MIN", default=5000)
CELERY_BEAT_SCHEDULE["postal-pickup-create-missing-jobs"] = {
    "task": "postal_pickup.tasks.create_missing_jobs",
    "schedule": timedelta(minutes=5),
}
# Each office's pickup list for the day is drawn up at this hour (local time), and its staff
# and the farmers on it are told.
POSTAL_LIST_HOUR = env.int("POSTAL_LIST_HOUR", default=6)
CELERY_BEAT_SCHEDULE["postal-pickup-draw-up-lists"] = {
    "task": "postal_pickup.tasks.draw_up_todays_lists",
    "schedule": crontab(hour=POSTAL_LIST_HOUR, minute=0),
}
CELERY_BEAT_SCHEDULE["postal-pickup-requeue-stale-list-pdfs"] = {
    "task": "postal_pickup.tasks.requeue_stale_list_pdfs",
    "schedule": timedelta(minutes=1),
}

# Growing areas (docs/growing_areas.md). No official format of the growing-area code could be
# confirmed, so the check is a regular expression the whole (upper-cased, space-free) code must
# match; the default accepts letters, digits and hyphens.
GROWING_AREA_CODE_PATTERN = env.str("GROWING_AREA_CODE_PATTERN", default=r"[A-Z0-9][A-Z0-9-]*")
# Limits of one import file: data rows, and size in bytes.
GROWING_AREA_IMPORT_MAX_ROWS = env.int("GROWING_AREA_IMPORT_MAX_ROWS", default=50_000)
GROWING_AREA_IMPORT_MAX_BYTES = env.int("GROWING_AREA_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
# What an XLSX may unpack to (all its parts; its shared strings, which openpyxl keeps in
# memory), and the longest cell of any file: a zip bomb is refused before it is read.
GROWING_AREA_IMPORT_MAX_UNPACKED_BYTES = env.int(
    "GROWING_AREA_IMPORT_MAX_UNPACKED_BYTES", default=200 * 1024 * 1024
)
GROWING_AREA_IMPORT_MAX_SHARED_STRINGS_BYTES = env.int(
    "GROWING_AREA_IMPORT_MAX_SHARED_STRINGS_BYTES", default=50 * 1024 * 1024
)
GROWING_AREA_IMPORT_MAX_CELL_CHARS = env.int("GROWING_AREA_IMPORT_MAX_CELL_CHARS", default=300_000)
# Most features in one response of /vung-trong.geojson (the rest: ?page=2, …).
GROWING_AREA_GEOJSON_PAGE_SIZE = env.int("GROWING_AREA_GEOJSON_PAGE_SIZE", default=500)

# Marketplace (docs/marketplace.md). Limits of one uploaded product photo; photos are stored
# re-encoded, at most 1600 px on the long side, without EXIF or GPS data.
MARKETPLACE_PHOTO_MAX_BYTES = env.int("MARKETPLACE_PHOTO_MAX_BYTES", default=10 * 1024 * 1024)
MARKETPLACE_PHOTO_MAX_PIXELS = env.int("MARKETPLACE_PHOTO_MAX_PIXELS", default=40_000_000)
CELERY_BEAT_SCHEDULE["marketplace-ocop-expiry-warnings"] = {
    "task": "marketplace.tasks.warn_expiring_ocop_certificates",
    "schedule": crontab(hour=7, minute=15),
}

# Farmer sign-ups (/ban-hang/dang-ky/) accepted from one network address per hour, successful
# or not, counted in the cache (CACHE_URL, shared by the web machines); beyond it: HTTP 429.
# Many phones can share one carrier address, so keep it well above one household's needs.
SIGNUP_RATE_LIMIT = env.int("SIGNUP_RATE_LIMIT", default=10)

# Seconds an anonymous visitor's catalogue page (/san-pham/ with its search and filters, per
# full address and language) is kept in the cache (CACHE_URL) and served to the next anonymous
# visitor; logged-in users, visitors with a session (a cart) and pages with a message are never
# cached. A new listing shows up in the cached pages within this time. 0 turns it off.
CATALOGUE_CACHE_SECONDS = env.int("CATALOGUE_CACHE_SECONDS", default=60)
# Seconds the catalogue keeps the number of matches of a search and filters (for everyone,
# signed in or not): the listed page is always read afresh, only "N sản phẩm" may lag a new
# listing by this long. Counting a common word's matches is most of a search's database time
# at 1,000,000 listings. 0 counts on every page.
CATALOGUE_COUNT_SECONDS = env.int("CATALOGUE_COUNT_SECONDS", default=300)

# Card payments through the Stripe API (docs/payments.md, "Card (Stripe API)"). The card
# method is offered only while STRIPE_SECRET_KEY is set. STRIPE_API_BASE is Stripe's API or a
# Stripe-compatible server (`make run` starts localstripe on 127.0.0.1:8420 and gives it
# development keys); the browser loads Stripe.js from STRIPE_JS_URL: localstripe's mock of it
# next to its API by default, https://js.stripe.com/v3/ for the real Stripe. The card page adds
# both origins to its content security policy (marketplace.payments.stripe_api.csp_update).
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="http://127.0.0.1:8420").rstrip("/")
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_JS_URL = env.str(
    "STRIPE_JS_URL",
    default="https://js.stripe.com/v3/"
    if STRIPE_API_BASE == "https://api.stripe.com"
    else f"{STRIPE_API_BASE}/js.stripe.com/v3/",
)

# Bank transfer by VietQR (docs/payments.md, "Bank transfer (VietQR)"). The platform's receiving
# account: the bank's NAPAS BIN (6 digits), the account number and the holder's name as the
# bank shows it. Outside production the defaults are a demo account no bank holds, so
# `make run` shows the whole path (pay it with `manage.py simulate_bank_transfer`); production
# offers VietQR only once the account and a webhook key below are set.
VIETQR_BANK_BIN = env.str("VIETQR_BANK_BIN", default="" if PRODUCTION else "970422")
VIETQR_ACCOUNT_NUMBER = env.str("VIETQR_ACCOUNT_NUMBER", default="" if PRODUCTION else "0000000000")
VIETQR_ACCOUNT_NAME = env.str("VIETQR_ACCOUNT_NAME", default="" if PRODUCTION else "CHO PHIEN DEMO")
# Minutes a buyer has to transfer before the unpaid order expires (stock goes back): opening
# a banking app takes longer than typing a card, so it may differ from ORDER_PAYMENT_MINUTES.
VIETQR_PAYMENT_MINUTES = env.int("VIETQR_PAYMENT_MINUTES", default=ORDER_PAYMENT_MINUTES)
if VIETQR_BANK_BIN and not (
    VIETQR_BANK_BIN.isascii() and VIETQR_BANK_BIN.isdigit() and len(VIETQR_BANK_BIN) == 6
):
    raise ImproperlyConfigured("VIETQR_BANK_BIN must be the bank's 6-digit NAPAS BIN")
if VIETQR_ACCOUNT_NUMBER and not (
    VIETQR_ACCOUNT_NUMBER.isascii()
    and VIETQR_ACCOUNT_NUMBER.isalnum()
    and len(VIETQR_ACCOUNT_NUMBER) <= 19
):
    raise ImproperlyConfigured("VIETQR_ACCOUNT_NUMBER must be 1 to 19 letters or digits")
if VIETQR_PAYMENT_MINUTES < 5:
    raise ImproperlyConfigured("VIETQR_PAYMENT_MINUTES must be at least 5")
# The bank-notification webhook (/webhooks/ngan-hang/, SePay-style JSON) is accepted when it is
# signed with BANK_WEBHOOK_SECRET (HMAC-SHA256 over "<timestamp>.<body>", 5-minute window) or
# carries "Authorization: Apikey <BANK_WEBHOOK_API_KEY>". Unset ones accept nothing.
BANK_WEBHOOK_SECRET = env.str(
    "BANK_WEBHOOK_SECRET", default="" if PRODUCTION else "dev-only-bank-webhook-secret"
)
BANK_WEBHOOK_API_KEY = env.str("BANK_WEBHOOK_API_KEY", default="")
# The carrier's status webhook (/webhooks/buu-dien/) is accepted only when it is signed with
# CARRIER_WEBHOOK_SECRET (HMAC-SHA256 over "<timestamp>.<body>", 5-minute window); unset, it
# accepts nothing.
CARRIER_WEBHOOK_SECRET = env.str(
    "CARRIER_WEBHOOK_SECRET", default="" if PRODUCTION else "dev-only-carrier-webhook-secret"
)
