from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "iapt_platform.moderation"
    label = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        from . import email_samples

        email_samples.register()
        from iapt_platform.accounts import menu, roles
        from iapt_platform.lib import demo as demo_registry

        from . import demo

        demo_registry.register_seeder("moderation", demo.seed, order=90)

        menu.register_account_link(
            _("Moderation queue"),
            "moderation:queue",
            order=5,
            description=_("Registrations, edits and requests waiting for a decision"),
            visible=roles.is_moderator,
        )
