from django.apps import AppConfig


class PlatformConfig(AppConfig):
    """The project package as an app, only so that its system checks are registered."""

    name = "iapt_platform"
    label = "platform"
    verbose_name = "IAPT Platform"

    def ready(self) -> None:
        from . import checks  # noqa: F401 (registers the checks)
