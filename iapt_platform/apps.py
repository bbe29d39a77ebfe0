from django.apps import AppConfig


class PlatformConfig(AppConfig):
    """The project package as an app: its system checks, and Django's CSRF strings drawn faster
    (lib/csrf_tokens.py)."""

    name = "iapt_platform"
    label = "platform"
    verbose_name = "IAPT Platform"

    def ready(self) -> None:
        from . import checks  # noqa: F401 (registers the checks)
        from .lib import csrf_tokens

        csrf_tokens.install()
