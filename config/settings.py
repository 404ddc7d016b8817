"""Seller Hub settings: one module, everything read from the environment.

Every variable is documented in `.env.example`. With no environment at all the
project runs as a quick start: SQLite in `var/`, the django-q2 ORM broker,
console e-mail, and secret keys generated once into `var/`. Production switches
by environment alone (`DATABASE_URL`, `REDIS_URL`, `EMAIL_URL`, ...);
`manage.py check --deploy` warns while any production setting is missing.
"""

import secrets
from pathlib import Path

import environ
import plotly
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    # An explicit environment wins over the file (django-environ's behaviour).
    environ.Env.read_env(env_file)

# An empty variable (as copied from .env.example) means "use the default".
VAR_DIR = BASE_DIR / (env.str("VAR_DIR", default="") or "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)  # quick-start database, keys, static


def _local_secret(name: str) -> str:
    """Return a random secret generated once into var/ for the quick start.

    Production sets the variable instead; `check --deploy` reports when it does
    not (see config.checks).
    """
    path = VAR_DIR / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="") or _local_secret("secret_key")
# Encrypted model fields use their own key, never SECRET_KEY, so that rotating
# one does not make the other unreadable.
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default="") or _local_secret(
    "field_encryption_key"
)
SECRETS_FROM_ENV = {
    "SECRET_KEY": bool(env.str("SECRET_KEY", default="")),
    "FIELD_ENCRYPTION_KEY": bool(env.str("FIELD_ENCRYPTION_KEY", default="")),
}
CRYPTOGRAPHY_KEY = FIELD_ENCRYPTION_KEY

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Number of reverse proxies (e.g. Caddy) in front of the app whose
# X-Forwarded-For / X-Forwarded-Proto headers are trusted. 0 = none.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

INSTALLED_APPS = [
    "config.apps.SellerHubAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "import_export",
    "django_q",
    "axes",
    "config.apps.ConfigConfig",
    "accounts",
    "catalog",
    "orders",
    "ads",
    "forecasting",
    "alerts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires.
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
                "config.context_processors.shell",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {
    "default": environ.Env.db_url_config(
        env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Tests use a file, not Django's shared in-memory database: browser tests'
    # live server would otherwise share one connection across request threads,
    # which can deadlock. pytest-django suffixes the name per xdist worker.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    # WAL + IMMEDIATE transactions let the web server and the django-q2
    # cluster share the quick-start file without "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL's JIT compiles any query its planner thinks costly; for the dashboard's
    # aggregates (a few tens of thousands of rows) compiling took longer than running
    # (80 ms of a 230 ms query on the large dataset). Off for this app's connections.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and background jobs --------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    # A database cache is shared by the web server and the django-q2 cluster
    # (a local-memory cache would not be); the table is created on migrate.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "seller_hub_cache",
        }
    }

Q_CLUSTER = {
    "name": "seller-hub",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": env.int("Q_TIMEOUT", default=1800),
    # retry must exceed timeout, or a long task would be started twice.
    "retry": env.int("Q_TIMEOUT", default=1800) + 300,
    "max_attempts": 1,
    "catch_up": False,
    "save_limit": 500,
    "label": "Background jobs",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
# Tests run tasks synchronously (tests/conftest.py) and assert on the database.
Q_CLUSTER["sync"] = env.bool("Q_SYNC", default=False)

# --- Auth ------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 24 * 3600)

# Lockout after repeated failed logins (django-axes): the account is locked for
# the address it was attacked from, so an attacker elsewhere cannot lock the
# owner out of their own office.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("LOGIN_LOCKOUT_MINUTES", default=15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "accounts.network.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# --- REST API --------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first, so an anonymous API call answers 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.IsSignedIn"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Seller Hub API",
    "DESCRIPTION": "JSON endpoints behind the Seller Hub pages. Authenticate with a "
    "session or `Authorization: Token <key>` from POST /api/auth/token.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["accounts.permissions.IsSignedIn"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Amazon ---------------------------------------------------------------------
# Base URLs of the Selling Partner API and the Login with Amazon token endpoint;
# empty = Amazon's own (regional hosts). Tests and the demo use the local sandbox.
SPAPI_ENDPOINT = env.str("SPAPI_ENDPOINT", default="")
LWA_TOKEN_URL = env.str("LWA_TOKEN_URL", default="")
# Longest a single SP-API call may spend waiting on retries before it fails.
SPAPI_MAX_WAIT_SECONDS = env.float("SPAPI_MAX_WAIT_SECONDS", default=900)
# Reports: seconds between getReport polls, and how long one run waits for a report
# before leaving it to the next run (which resumes polling the same report id).
SPAPI_REPORT_POLL_SECONDS = env.float("SPAPI_REPORT_POLL_SECONDS", default=30)
SPAPI_REPORT_MAX_WAIT_SECONDS = env.float("SPAPI_REPORT_MAX_WAIT_SECONDS", default=1800)

# Amazon Ads API: base URL and token endpoint (empty = Amazon's regional hosts).
ADS_API_ENDPOINT = env.str("ADS_API_ENDPOINT", default="")
ADS_TOKEN_URL = env.str("ADS_TOKEN_URL", default="")
# Longest a single Ads API call may spend waiting on retries before it fails.
ADS_MAX_WAIT_SECONDS = env.float("ADS_MAX_WAIT_SECONDS", default=300)
# Days before today whose reports are asked for every day: late attribution restates
# them. Amazon keeps 95 days.
ADS_LOOKBACK_DAYS = env.list("ADS_LOOKBACK_DAYS", cast=int, default=[1, 2, 3, 7, 14, 30])
# Requests of one report (profile, type, day) before the sync gives up on it.
ADS_MAX_REPORT_ATTEMPTS = env.int("ADS_MAX_REPORT_ATTEMPTS", default=3)
# Seconds between report status polls when a sync or backfill waits for reports, and
# the pause between a backfill's batches (Amazon throttles hasty report creation).
ADS_REPORT_POLL_SECONDS = env.float("ADS_REPORT_POLL_SECONDS", default=15)
ADS_BACKFILL_PAUSE_SECONDS = env.float("ADS_BACKFILL_PAUSE_SECONDS", default=5)
# A report not completed this long after it was asked for is asked again.
ADS_REPORT_STALE_HOURS = env.float("ADS_REPORT_STALE_HOURS", default=24)
# Attribution window for ad sales in every figure: 7 days (what Seller Central shows
# for Sponsored Products) or 14.
ADS_ATTRIBUTION_DAYS = env.int("ADS_ATTRIBUTION_DAYS", default=7)
if ADS_ATTRIBUTION_DAYS not in (7, 14):
    raise ImproperlyConfigured("ADS_ATTRIBUTION_DAYS must be 7 or 14.")

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
# Money is reported in this currency (FX-converted per day).
REPORTING_CURRENCY = env.str("REPORTING_CURRENCY", default="USD").upper()
# Inventory older than this is shown as stale and counted in data health.
INVENTORY_STALE_HOURS = env.int("INVENTORY_STALE_HOURS", default=24)
# Seconds a dashboard answer stays cached (each finished sync starts a new generation
# anyway); 0 turns the cache off.
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=6 * 3600)
# After the rollup changes (a sync, a cost edit), a background task computes the views
# readers open most (every period of the filter for all marketplaces, the last 30 days
# of each, the dashboard tiles), so the first reader after a sync is not the one who
# waits. Off: each view is computed by its first reader.
DASHBOARD_WARM = env.bool("DASHBOARD_WARM", default=True)

# --- Forecasts and restock ---------------------------------------------------------
# Days of daily history each forecast sees, and how far it looks ahead (30/60/90 shown).
FORECAST_HISTORY_DAYS = env.int("FORECAST_HISTORY_DAYS", default=3 * 365)
FORECAST_HORIZON = 90
# Processes for a forecast run; 0: one per core.
FORECAST_WORKERS = env.int("FORECAST_WORKERS", default=0)
# Runs whose daily forecasts are kept (older runs keep their summary and timings).
FORECAST_KEEP_RUNS = env.int("FORECAST_KEEP_RUNS", default=14)
# Chance of not running out before the next delivery arrives (safety stock).
RESTOCK_SERVICE_LEVEL = env.float("RESTOCK_SERVICE_LEVEL", default=0.95)
if not 0.5 <= RESTOCK_SERVICE_LEVEL < 1:
    raise ImproperlyConfigured("RESTOCK_SERVICE_LEVEL must be at least 0.5 and below 1.")
# Lead time = the product's production days + transit + Amazon receiving. Transit is the
# product's own where set, else this.
RESTOCK_TRANSIT_DAYS = env.int("RESTOCK_TRANSIT_DAYS", default=30)
RESTOCK_RECEIVING_DAYS = env.int("RESTOCK_RECEIVING_DAYS", default=10)
# Days until units already inbound to Amazon (working, shipped, receiving) are sellable.
RESTOCK_INBOUND_DAYS = env.int("RESTOCK_INBOUND_DAYS", default=14)
# How often the seller places orders: an order covers lead time plus this.
RESTOCK_REVIEW_DAYS = env.int("RESTOCK_REVIEW_DAYS", default=14)
# Stock (on hand, inbound and ordered) covering more days of forecast demand than this
# is flagged overstocked (storage fees, aged inventory surcharges).
RESTOCK_OVERSTOCK_DAYS = env.int("RESTOCK_OVERSTOCK_DAYS", default=180)

# --- Alerts ------------------------------------------------------------------------------
# Evaluate the alert rules after every sync (besides the hourly schedule).
ALERTS_AFTER_SYNC = env.bool("ALERTS_AFTER_SYNC", default=True)
# Where the app is reached: links in alert e-mails and webhooks.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# --- Static files -----------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / (env.str("STATIC_ROOT", default="") or VAR_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "config.finders.PlotlyFinder",
]
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
# Production serves hashed, compressed files collected by `collectstatic`;
# with STATIC_MANIFEST=false (DEBUG, tests) files come straight from the finders.
STATIC_MANIFEST = (
    env.bool("STATIC_MANIFEST") if env.str("STATIC_MANIFEST", default="") else not DEBUG
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST

# --- E-mail -----------------------------------------------------------------
EMAIL_CONFIG = environ.Env.email_url_config(env.str("EMAIL_URL", default="") or "consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Seller Hub <hub@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security (production values switch on with HTTPS=true) -----------------
HTTPS = env.bool("HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env.bool("HSTS_PRELOAD", default=HTTPS)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Health probes from the load balancer come over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^api/health$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
