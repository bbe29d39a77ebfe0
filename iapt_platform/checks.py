"""System checks of the settings: a production server that is half configured refuses to start.

With DEBUG off, `manage.py check`, `migrate` and `runserver` stop at these errors, and so does
every gunicorn worker (wsgi.py runs them before serving). With DEBUG on (a laptop, `make run`)
the embedded defaults are the point, and nothing here applies.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

TAG = "iapt_settings"
# Keys that were ever written down somewhere public: the settings' DEBUG fallback, the compose
# file's old default, the throw-away keys of the image build and `make lint`, Django's template.
KNOWN_SECRET_KEYS = frozenset(
    {
        "insecure-development-key-only-for-DEBUG-mode",
        "change-me-this-default-is-public-and-fit-only-for-a-local-trial",
        "build",
        "static-check",
        "ci",
        "change-me",
        "changeme",
        "secret",
    }
)
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0"})  # noqa: S104


@checks.register(TAG)
def settings_for_production(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.DEBUG:
        return []
    errors: list[checks.CheckMessage] = []
    if not settings.REDIS_URL:
        errors.append(
            checks.Error(
                "REDIS_URL is not set: without it tasks run inside the web request, the cache is "
                "per process and nothing scheduled ever runs.",
                hint="Set REDIS_URL=redis://host:6379/0 (or DEBUG=true on a laptop).",
                id="iapt.E001",
            )
        )
    if not settings.EMAIL_URL_GIVEN:
        errors.append(
            checks.Error(
                "EMAIL_URL is not set: emails would go to the console and to files, not to people.",
                hint="Set EMAIL_URL=smtp+tls://user:password@smtp.example.org:587.",
                id="iapt.E002",
            )
        )
    if _site_url_is_the_development_default():
        errors.append(
            checks.Error(
                f"SITE_URL is {settings.SITE_URL}, the development default, while the site answers "
                f"{', '.join(settings.ALLOWED_HOSTS)}: links in emails would point at a laptop.",
                hint="Set SITE_URL to the public address, for example https://iapt.example.org.",
                id="iapt.E003",
            )
        )
    key = settings.SECRET_KEY
    if key in KNOWN_SECRET_KEYS or key.startswith("django-insecure"):
        errors.append(
            checks.Error(
                "SECRET_KEY is a known default: anyone could sign sessions and password resets.",
                hint='Set SECRET_KEY to a long random string: python -c "import secrets; '
                'print(secrets.token_urlsafe(50))"',
                id="iapt.E004",
            )
        )
    if not settings.SOURCE_URL:
        errors.append(
            checks.Warning(
                "SOURCE_URL is not set: the footer cannot offer the source of the running version, "
                "which the AGPL-3.0 (section 13) asks of a modified version served to the public.",
                hint="Set SOURCE_URL to the repository or archive of the version you run.",
                id="iapt.W001",
            )
        )
    if not settings.CONTACT_EMAIL:
        errors.append(
            checks.Warning(
                "CONTACT_EMAIL is not set: the contact, privacy and accessibility pages give no "
                "address to write to about personal data or barriers.",
                hint="Set CONTACT_EMAIL to the platform team's address.",
                id="iapt.W002",
            )
        )
    return errors


def _site_url_is_the_development_default() -> bool:
    """A loopback SITE_URL is right only for a server that answers nothing but loopback names
    (compose tried on a laptop); behind a public name it is the forgotten default."""
    if (urlsplit(settings.SITE_URL).hostname or "") not in LOOPBACK_HOSTS:
        return False
    return any(host.lstrip(".") not in LOOPBACK_HOSTS for host in settings.ALLOWED_HOSTS)


def refuse_to_serve_when_misconfigured() -> None:
    """For the WSGI entry point: gunicorn runs no system checks of its own."""
    from django.core.exceptions import ImproperlyConfigured

    errors = [e for e in checks.run_checks(tags=[TAG]) if e.is_serious() and not e.is_silenced()]
    if errors:
        raise ImproperlyConfigured("\n".join(f"{e.id}: {e.msg} {e.hint}" for e in errors))
