from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InitiativesConfig(AppConfig):
    name = "initiatives"
    verbose_name = _("Registry of initiatives")

    def ready(self) -> None:
        from iapt_platform.lib import demo as demo_registry

        from . import demo

        demo_registry.register_seeder("initiatives", demo.seed, order=20)
