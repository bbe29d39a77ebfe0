"""Settings for the IAPT Platform: one module, configured by environment variables.

With no variables set it runs on embedded defaults (SQLite, a file cache and a file broker under
`var/` for the Celery worker and beat, email to the console and to files). `DATABASE_URL`,
`REDIS_URL` and `EMAIL_URL` switch to PostgreSQL, Redis, and SMTP. `DEBUG` is off unless asked for; with it off a `SECRET_KEY` and `ALLOWED_HOSTS` are
required, and cookies, HSTS and HTTPS redirects are secure. The README lists every variable.
"""

import datetime as dt
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)  # optional, for operators who like one

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-DEBUG-mode"  # noqa: S105 (DEBUG only)
# Earlier keys, still accepted when checking signatures after a rotation (bulletin links, sessions).
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The public address, used in links inside emails sent by background tasks (no request there).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Where the running version's source is offered (AGPL-3.0 section 13): linked from every page's footer.
SOURCE_URL = env.str("SOURCE_URL", default="")
# The address people write to about the platform, their data or its accessibility: shown on the
# contact, privacy and accessibility pages (iapt_platform/pages). Empty: those pages say nothing.
CONTACT_EMAIL = env.str("CONTACT_EMAIL", default="")

INSTALLED_APPS = [
    "modeltranslation",  # before django.contrib.admin, so that the admin shows translated fields
    "iapt_platform.admin_site.PlatformAdminConfig",  # django.contrib.admin, open to moderators
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_countries",
    "django_filters",
    "django_htmx",
    "django_celery_beat",
    "simple_history",
    "import_export",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI files served from here, not from a CDN
    "csp",
    "iapt_platform.apps.PlatformConfig",  # the system checks of the settings (iapt_platform/checks.py)
    "iapt_platform.accounts",
    "iapt_platform.moderation",
    "iapt_platform.outbox",
    "iapt_platform.dashboard",
    "iapt_platform.ops",
    "iapt_platform.pages",
    "initiatives",
    "initiatives.stories",
    "initiatives.matchmaking",
    "initiatives.opportunities",
    "library",
    "community",
    "community.meetings",
    "community.following",
    "community.surveys",
    "community.agenda",
    "newsletter",
    # Last, as its documentation asks: deletes replaced and orphaned files after the commit.
    "iapt_platform.lib.storage.FileCleanupConfig",
]

MIDDLEWARE = [
    # First, so that every response (a redirect, a 400, a 503 too) and its log lines carry the id.
    "iapt_platform.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # NUL or invalid UTF-8 in the address: a 400 before anything reads it (or a database).
    "iapt_platform.middleware.MalformedAddressMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "iapt_platform.middleware.PublicMediaMiddleware",
    "iapt_platform.middleware.ConcurrencyLimitMiddleware",
    # A visitor's kept page, with what the ones below would add, before the session and the user.
    "iapt_platform.middleware.KeptPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After the user is known (their profile language); in place of Django's LocaleMiddleware.
    "iapt_platform.middleware.LanguageMiddleware",
    "iapt_platform.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-csp's, building the site's policy once per process.
    "iapt_platform.middleware.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "iapt_platform.middleware.StaffMFAMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]
# Requests one server process works on at once; past it, a request waits up to
# REQUEST_QUEUE_TIMEOUT milliseconds for a slot (at most as many waiting as there are slots), then
# gets a quick 503 with Retry-After (load shedding, see ConcurrencyLimitMiddleware). Keep twice the
# limit below gunicorn's threads: the spare threads answer the refusals. 0: no limit.
MAX_CONCURRENT_REQUESTS = env.int("MAX_CONCURRENT_REQUESTS", default=5)
REQUEST_QUEUE_TIMEOUT = env.int("REQUEST_QUEUE_TIMEOUT", default=100)
# Seconds each server process keeps the answer of /healthz (and /healthz/ready) before asking the
# database, Redis and the broker again: a failure shows within that time.
HEALTH_CHECK_KEEP = env.float("HEALTH_CHECK_KEEP", default=2.0)

ROOT_URLCONF = "iapt_platform.urls"
WSGI_APPLICATION = "iapt_platform.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "iapt_platform.context_processors.platform",
                "community.context_processors.notifications",
                # Last, so that a page rendered for the visitors' cache carries a placeholder token.
                "iapt_platform.lib.pagecache.csrf_placeholder",
            ],
            # {{ text|markdown }} everywhere: the one Markdown-then-sanitise path.
            "builtins": ["iapt_platform.templatetags.platform"],
        },
    },
]

# --- Data ----------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded default has three processes writing (web, worker, beat): readers do not block
    # the writer (WAL), a writer waits for the lock instead of failing at once (timeout), and a
    # transaction takes the write lock when it starts (IMMEDIATE), since SQLite cannot wait for a
    # lock a reading transaction upgrades to and answers "database is locked" instead.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        **DATABASES["default"].get("OPTIONS", {}),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
# Without REDIS_URL, the embedded mode keeps its cache and its Celery broker's messages here.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis being away makes pages slower, not broken: every call is then a miss
            # (iapt_platform/lib/cache.py, which also says what that means for rate limits).
            "BACKEND": "iapt_platform.lib.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="iapt"),
            "TIMEOUT": 300,
            # Passed to redis-py's connection pool: a Redis that does not answer costs a call
            # half a second at most, instead of the system's TCP timeouts.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    # Embedded: files under var/cache, shared by the web server, the worker and beat (a per-process
    # memory cache would hide the worker's cache-version bumps from the pages and split every
    # counter in three). Its `add` and `incr` are not atomic across processes: on a laptop a rate
    # limit may let a message or two more through, nothing a single developer notices.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "TIMEOUT": 300,
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

# --- Accounts ------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "iapt_platform.accounts.permissions.ModeratorPermissionsBackend",  # admin rights of the role
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:home"

ACCOUNT_ADAPTER = "iapt_platform.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# Sign-up asks to accept the terms of use and the privacy notice, and records their versions.
ACCOUNT_FORMS = {"signup": "iapt_platform.accounts.forms.SignupForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False  # link scanners fetch GETs: confirming takes a POST
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[IAPT] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = SITE_URL.split("://")[0]  # links in emails use the public scheme
# allauth keeps its counters in the shared cache (Redis in production), so limits hold across
# processes. Figures are per key (IP, user or email) and period.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    # Wrong passwords: the key is the account AND the address (AccountAdapter), so that a stranger
    # failing on purpose shuts only themselves out, never the owner on their own network; the
    # per-address limit, looser, slows someone trying many accounts from one place.
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "change_phone": "1/m/user",
    "reauthenticate": "10/m/user",
    "request_login_code": "20/m/ip,3/m/key",
}
# Behind NUM_PROXIES trusted proxies, allauth reads the client's address from X-Forwarded-For (as
# the API's throttling does); without it every client would share the proxy's address.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("NUM_PROXIES", default=0)
# Wrong authenticator codes (iapt_platform/accounts/forms.py): per account and address, a short
# window (a typing mistake costs half a minute at most); per account, an hour's budget that bounds
# guessing from many addresses by someone who already has the password.
MFA_RATE_LIMITS = {
    "code_failed": "10/m/ip,5/30s/key",
    "code_failed_account": "20/h/key",
}
MFA_FORMS = {
    "authenticate": "iapt_platform.accounts.forms.AuthenticateForm",
    "reauthenticate": "iapt_platform.accounts.forms.ReauthenticateForm",
    "activate_totp": "iapt_platform.accounts.forms.ActivateTOTPForm",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "IAPT Platform"
# The moderator's power needs an authenticator app (iapt_platform/accounts/roles.py); the admin
# asks staff for it too (StaffMFAMiddleware).

# --- Languages and time --------------------------------------------------------------------------
LANGUAGE_CODE = "es"
LANGUAGES = [("es", "Español"), ("en", "English"), ("pt-br", "Português (Brasil)")]
MODELTRANSLATION_DEFAULT_LANGUAGE = "es"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("es", "en", "pt-br")
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"  # storage and server time; each reader sees their own zone
DEFAULT_READER_TIME_ZONE = env.str("DEFAULT_READER_TIME_ZONE", default="America/Santiago")
LANGUAGE_COOKIE_NAME = "iapt_language"
LANGUAGE_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
LANGUAGE_COOKIE_SAMESITE = "Lax"
# The reader's time zone, written by static/js/tz.js (read by middleware.reader_time_zone): the
# same flags as the other cookies, which the page hands to the script (base.html).
TIME_ZONE_COOKIE_NAME = "tz"
TIME_ZONE_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE
TIME_ZONE_COOKIE_SAMESITE = "Lax"
COUNTRIES_FIRST_REPEAT = False
# Names that django-countries' own catalogues get wrong for the region (its es catalogue says
# "Trinidad yTobago", its pt_BR one calls Dominica "Dominicana", the Dominican Republic's name):
# named here, they are translated by our catalogues, which Django reads before the package's.
COUNTRIES_OVERRIDE = {
    "TT": gettext_lazy("Trinidad and Tobago"),
    "DM": gettext_lazy("Dominica"),
}

# --- Static and media ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files browsers ask for at the site's root (/favicon.ico, /apple-touch-icon.png), served by
# whitenoise before the sessions and the database, like the static files.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_STORAGE = env.str("MEDIA_STORAGE", default="local")  # "local" or "s3"
if MEDIA_STORAGE == "s3":
    _media = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("S3_BUCKET"),
            "endpoint_url": env.str("S3_ENDPOINT_URL", default=None),
            "region_name": env.str("S3_REGION", default=None),
            "access_key": env.str("S3_ACCESS_KEY_ID", default=None),
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default=None),
            "custom_domain": env.str("S3_CUSTOM_DOMAIN", default=None),
            "default_acl": None,
            "querystring_auth": True,
            "signature_version": "s3v4",  # what every region and MinIO accept in signed addresses
            "file_overwrite": False,
        },
    }
else:
    _media = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
# The public pictures in MEDIA_ROOT are served as files by iapt_platform.middleware.
# PublicMediaMiddleware (DEBUG or not); turn it off when a proxy serves /media/ itself.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=MEDIA_STORAGE == "local")
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private-media")))
if MEDIA_STORAGE == "s3":
    # Same bucket, its own prefix; objects stay private. After the permission check a download is
    # sent to a short-lived signed address of the bucket itself (lib/downloads.py), never to the
    # custom domain, which serves public pictures.
    _private = {
        "BACKEND": _media["BACKEND"],
        "OPTIONS": {**_media["OPTIONS"], "location": "private", "custom_domain": None},  # type: ignore[dict-item]
    }
else:
    _private = {
        "BACKEND": "iapt_platform.lib.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT)},
    }
STORAGES = {
    "default": _media,
    "private": _private,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 5_242_880

# --- Email ---------------------------------------------------------------------------------------
EMAIL_FILE_PATH = Path(env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail")))
# Only whether it was given (the address may hold a password): iapt_platform/checks.py reads it.
EMAIL_URL_GIVEN = bool(env.str("EMAIL_URL", default=""))
if EMAIL_URL_GIVEN:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "iapt_platform.lib.mail_backends.ConsoleAndFileBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="IAPT Platform <noreply@localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
ADMINS = [("Operators", a) for a in env.list("ADMINS", default=[])]
EMAIL_TIMEOUT = 30
# Bounce and complaint webhooks of the mail provider, at /bulletin/anymail/<provider>/tracking/
# (newsletter/signals.py); the provider sends this secret as HTTP basic auth "user:password".
ANYMAIL = {"WEBHOOK_SECRET": env.str("ANYMAIL_WEBHOOK_SECRET", default="")}
# The bulletin's sending rate, in messages per second across all workers (0: no limit).
NEWSLETTER_RATE_LIMIT = env.float("NEWSLETTER_RATE_LIMIT", default=20)
# The mailbox of the List-Unsubscribe mailto address (its token goes after a "+"); empty: the
# "unsubscribe" mailbox of DEFAULT_FROM_EMAIL's domain. The provider's inbound webhook for it
# posts to /bulletin/anymail/<provider>/inbound/.
NEWSLETTER_UNSUBSCRIBE_MAILBOX = env.str("NEWSLETTER_UNSUBSCRIBE_MAILBOX", default="")
# Visitors' meeting registrations: (requests per IP address per hour, per email address per day).
MEETINGS_REGISTRATION_LIMITS = (10, 5)
# Checks of certificates of attendance per IP address and hour (the public verification page).
MEETINGS_CERTIFICATE_CHECKS_PER_HOUR = env.int("MEETINGS_CERTIFICATE_CHECKS_PER_HOUR", default=60)
# Opportunities: "closing soon" on the list means within this many days (the reader may choose
# another number), and followers hear of one closing this many days before it closes (once).
OPPORTUNITIES_CLOSING_SOON_DAYS = env.int("OPPORTUNITIES_CLOSING_SOON_DAYS", default=14)
OPPORTUNITIES_CLOSING_REMINDER_DAYS = env.int("OPPORTUNITIES_CLOSING_REMINDER_DAYS", default=7)
# "Download my data": how long an archive and its emailed link last, and how many archives one
# person may ask for per day (building one reads everything they hold and writes their files).
DATA_EXPORT_HOURS = env.int("DATA_EXPORT_HOURS", default=24)
DATA_EXPORT_DAILY_LIMIT = env.int("DATA_EXPORT_DAILY_LIMIT", default=3)
# Surveys open to everyone: answers a visitor's IP address may send to one survey in an hour (one
# answer per browser is kept by a cookie, which a visitor can clear; this brakes scripts).
SURVEY_VISITOR_ANSWERS_PER_HOUR = env.int("SURVEY_VISITOR_ANSWERS_PER_HOUR", default=20)
# Searches a minute per member or address in the one search (/search/), as the API allows.
SITE_SEARCH_RATE = env.int("SITE_SEARCH_RATE", default=120)

# --- Celery --------------------------------------------------------------------------------------
# The outbox (iapt_platform/outbox): a row per transactional email. A failed attempt is retried
# after OUTBOX_RETRY_SECONDS, doubling up to an hour, OUTBOX_MAX_ATTEMPTS times in all; the sweeper
# takes over a row its task has not sent after OUTBOX_SWEEP_AFTER_SECONDS.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
OUTBOX_RETRY_SECONDS = env.int("OUTBOX_RETRY_SECONDS", default=60)
OUTBOX_SWEEP_AFTER_SECONDS = env.int("OUTBOX_SWEEP_AFTER_SECONDS", default=60)
OUTBOX_KEEP_SENT_DAYS = env.int("OUTBOX_KEEP_SENT_DAYS", default=30)

# The moderation queue marks a submission pending for longer than this; each moderator gets a
# reminder of the waiting queue once a day, after MODERATION_REMINDER_HOUR in their own time zone,
# and only when something waits.
MODERATION_ANSWER_WITHIN = dt.timedelta(days=env.int("MODERATION_ANSWER_WITHIN_DAYS", default=3))
MODERATION_REMINDER_HOUR = env.int("MODERATION_REMINDER_HOUR", default=8)

# A real worker and beat in every mode (`make run` starts them). Without REDIS_URL the broker is
# kombu's filesystem transport: a message is a file in var/celery/queue, which needs no server and
# no package, and never touches SQLite (the web server, worker and beat already share its one
# writer's lock). It acknowledges a message when the worker takes it, so a worker killed mid-task
# loses that task: beat's every-minute sweeps (outbox, stuck deliveries, due issues) pick the work
# up again from the database, as they do when Redis restarts empty.
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CELERY_RESULT_BACKEND = None  # results are written to the database by the tasks themselves
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_TASKS_PER_CHILD = 500
CELERY_TASK_DEFAULT_QUEUE = "default"
# A bulletin send runs on a queue of its own, so that it never delays account emails.
CELERY_TASK_ROUTES = {
    "newsletter.tasks.prepare_issue": {"queue": "bulk"},
    "newsletter.tasks.send_chunk": {"queue": "bulk"},
    "newsletter.tasks.check_subscriber_import": {"queue": "bulk"},
    "newsletter.tasks.run_subscriber_import": {"queue": "bulk"},
}
# Messages a killed worker had reserved come back after this many seconds (no long countdowns are
# used: send times live in the database and beat dispatches what is due).
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 900}
if not REDIS_URL:
    _queue = VAR_DIR / "celery" / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "control_folder": str(VAR_DIR / "celery" / "control"),  # bindings, for broadcasts
    }
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The beat schedule lives here, in code; django-celery-beat copies it into its tables at start-up,
# where staff may pause an entry from the admin.
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {
        "task": "iapt_platform.lib.tasks.sweep_outbox",
        "schedule": crontab(),  # every minute: emails whose task was lost, or whose backoff ended
    },
    "counters-flush": {
        "task": "iapt_platform.lib.tasks.flush_counters",
        "schedule": crontab(),  # every minute: page readings counted in Redis, to their rows
    },
    "outbox-purge": {
        "task": "iapt_platform.lib.tasks.purge_outbox",
        "schedule": crontab(hour=3, minute=27),
    },
    "moderation-remind-moderators": {
        "task": "iapt_platform.moderation.tasks.remind_moderators",
        "schedule": crontab(minute=25),  # hourly: each reminder leaves in its reader's morning
    },
    "accounts-data-exports": {
        "task": "iapt_platform.accounts.tasks.sweep_data_exports",
        "schedule": crontab(minute="*/15"),  # deletes expired archives, resends lost builds
    },
    "accounts-clear-expired-sessions": {
        "task": "iapt_platform.accounts.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=17),
    },
    "initiatives-request-freshness": {
        "task": "initiatives.tasks.request_freshness_confirmations",
        "schedule": crontab(hour=13, minute=5),  # mid-morning across the region
    },
    "initiatives-flag-stale": {
        "task": "initiatives.tasks.flag_stale_initiatives",
        "schedule": crontab(hour=4, minute=40),
    },
    "initiatives-rebuild-sector-listings": {
        "task": "initiatives.tasks.rebuild_sector_listings",
        "schedule": crontab(hour=4, minute=50),
    },
    "initiatives-rebuild-search-listings": {
        "task": "initiatives.tasks.rebuild_search_listings",
        "schedule": crontab(hour=4, minute=55),
    },
    "library-rebuild-search-listings": {
        "task": "library.tasks.rebuild_search_listings",
        "schedule": crontab(hour=5, minute=0),
    },
    "newsletter-dispatch-due-issues": {
        "task": "newsletter.tasks.dispatch_due_issues",
        "schedule": crontab(),  # every minute: starts scheduled issues whose time has come
    },
    "newsletter-resume-subscriber-imports": {
        "task": "newsletter.tasks.resume_subscriber_imports",
        "schedule": crontab(),  # every minute; acts on imports idle over their lease
    },
    "newsletter-requeue-stuck-deliveries": {
        "task": "newsletter.tasks.requeue_stuck_deliveries",
        "schedule": crontab(),  # every minute; acts on rows stuck over NEWSLETTER_STUCK_MINUTES
    },
    "library-process-unprocessed-files": {
        "task": "library.tasks.process_unprocessed_files",
        "schedule": crontab(minute="*/10"),
    },
    "library-check-external-links": {
        "task": "library.tasks.check_external_links",
        "schedule": crontab(day_of_week="sun", hour=5, minute=20),
    },
    "community-email-notification-stragglers": {
        "task": "community.tasks.email_notification_stragglers",
        "schedule": crontab(minute="*/10"),
    },
    "community-send-due-digests": {
        "task": "community.tasks.send_due_digests",
        "schedule": crontab(
            minute=10
        ),  # hourly: each digest leaves after 06:00 in its reader's zone
    },
    "stories-notify-published-proposers": {
        "task": "initiatives.stories.tasks.notify_published_proposers",
        "schedule": crontab(minute="*/15"),
    },
    "stories-announce-due": {
        "task": "initiatives.stories.tasks.announce_due_stories",
        "schedule": crontab(minute="*/15"),
    },
    "meetings-dispatch-due-reminders": {
        "task": "community.meetings.tasks.dispatch_due_reminders",
        "schedule": crontab(minute="*/5"),
    },
    "meetings-issue-certificates": {
        "task": "community.meetings.tasks.issue_due_certificates",
        "schedule": crontab(minute="*/10"),  # training meetings that ended: certificates, emails
    },
    "surveys-send-due-invitations": {
        "task": "community.surveys.tasks.send_due_invitations",
        "schedule": crontab(minute="*/10"),  # surveys of meetings that ended, to their attendees
    },
    "meetings-forget-unconfirmed-registrations": {
        "task": "community.meetings.tasks.forget_unconfirmed_registrations",
        "schedule": crontab(hour=3, minute=47),
    },
    "matchmaking-suggestions": {
        "task": "initiatives.matchmaking.tasks.suggestions_refresh",
        "schedule": crontab(
            minute="*/10"
        ),  # incremental: posts changed or expired since the last run
    },
    "opportunities-announce-closing": {
        "task": "initiatives.opportunities.tasks.announce_closing",
        "schedule": crontab(hour=11, minute=35),  # daily, morning across the region
    },
    "matchmaking-suggestions-full": {
        "task": "initiatives.matchmaking.tasks.suggestions_refresh",
        "schedule": crontab(hour=2, minute=35),
        "kwargs": {"full": True},
    },
}

# --- Security ------------------------------------------------------------------------------------
# Secure cookies unless DEBUG; a plain-HTTP deployment (compose on localhost) sets SECURE_COOKIES=false.
SECURE_COOKIES = env.bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
# With Redis, sessions are read from the cache and written through to the database (an outage
# reads the database: nobody is signed out), saving a query on every signed-in request; each copy
# in the cache lives ten minutes at most (accounts/sessions.py). Whatever deletes sessions other
# than through their SessionStore (accounts.services.sessions_end) drops the cached copies too.
# The embedded mode's file cache would save nothing: the database alone.
SESSION_ENGINE = (
    "iapt_platform.accounts.sessions" if REDIS_URL else "django.contrib.sessions.backends.db"
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz(/live|/ready)?$"]  # load balancers probe over plain HTTP
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}

# --- API -----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # The API is public and read-only: it accepts no credentials, so it cannot be used to try
    # passwords around allauth's rate limits and two-factor check.
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    # Behind N trusted proxies, throttling reads the client address from X-Forwarded-For.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env.str("API_ANON_RATE", default="120/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "IAPT Platform API",
    "DESCRIPTION": "Read-only open data of the IAPT Platform: the published registry and library.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI would otherwise load a badge from validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "iapt_platform.api_schema.add_error_responses",
        "initiatives.api.document_filter_values",
    ],
    "ENUM_NAME_OVERRIDES": {
        "LibraryLanguageEnum": "library.models.LANGUAGES",
        "InitiativeKindEnum": "initiatives.models.Initiative.Kind",
        "ProgrammeKindEnum": "initiatives.models.Programme.Kind",
    },
}

# --- Logging -------------------------------------------------------------------------------------
# Plain text by default; LOG_FORMAT=json for a log collector (one object a line). Either way each
# line carries the request id, the user id and the Celery task id (iapt_platform/lib/logs.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("LOG_FORMAT is plain or json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "iapt_platform.lib.logs.ContextFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "plain": {
            "()": "iapt_platform.lib.logs.PlainFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(context)s%(message)s",
        },
        "json": {"()": "iapt_platform.lib.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context"],
        },
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's own handlers replaced, so that its lines (runserver's too) reach the one format.
    "loggers": {
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        "django.request": {"level": "WARNING"},
    },
}

# --- Sentry (optional) ---------------------------------------------------------------------------
# Errors of the web processes and of Celery tasks, with no personal data (see lib/logs.py).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from iapt_platform.lib.logs import sentry_init

    sentry_init(SENTRY_DSN, environment=env.str("SENTRY_ENVIRONMENT", default="production"))
