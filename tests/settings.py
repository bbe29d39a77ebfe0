"""Test settings: the project's settings, with what a test run needs changed.

On PostgreSQL and Redis when DATABASE_URL and REDIS_URL are set (CI), on SQLite and local memory
otherwise. Tasks run eagerly (tests/test_embedded_run.py starts a real worker and beat); emails
land in django.core.mail.outbox.
"""

import os
import tempfile
import uuid

os.environ.setdefault("SECRET_KEY", "tests-only-" + uuid.uuid4().hex)
os.environ.setdefault("DEBUG", "false")

from iapt_platform.settings import *  # noqa: F403

ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# Browser journeys talk plain HTTP to the live server: cookies must travel without TLS.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
TIME_ZONE_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="iapt-test-media-"))  # noqa: F405
STORAGES = {
    **STORAGES,  # noqa: F405
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "iapt_platform.lib.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": tempfile.mkdtemp(prefix="iapt-test-private-")},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SITE_URL = "http://testserver"
# Production settings on the embedded services: no Redis on SQLite runs, emails to the outbox
# (tests/test_checks.py calls these checks directly).
SILENCED_SYSTEM_CHECKS = ["iapt.E001", "iapt.E002"]
# The provider webhooks are mounted only with a secret (newsletter/urls.py).
ANYMAIL = {**ANYMAIL, "WEBHOOK_SECRET": "tests-only:webhook-secret"}  # noqa: F405
if REDIS_URL:  # noqa: F405
    # A prefix of its own, so that parallel runs and a developer's server never share keys.
    CACHES["default"]["KEY_PREFIX"] = "iapt-test-" + uuid.uuid4().hex[:8]  # noqa: F405
else:  # not the embedded server's files in var/cache: each test process its own memory
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}  # noqa: F405
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="iapt-test-static-"))  # noqa: F405
