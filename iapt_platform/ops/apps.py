from django.apps import AppConfig


class OpsConfig(AppConfig):
    """The operator's tools: backup and restore (`manage.py backup`, `manage.py restore`)."""

    name = "iapt_platform.ops"
    label = "ops"
    verbose_name = "Operations"
