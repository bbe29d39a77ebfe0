from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "iapt_platform.outbox"
    label = "outbox"
    verbose_name = _("Outgoing emails")

    def ready(self) -> None:
        from iapt_platform.accounts import menu, roles

        menu.register_account_link(
            _("Emails that did not leave"),
            "outbox:failed",
            order=91,
            description=_("Transactional emails the mail server refused, and retrying them"),
            visible=roles.is_moderator,
        )
        menu.register_account_link(
            _("Email previews"),
            "outbox:previews",
            order=92,
            description=_("Every email the platform sends, with sample data, in each language"),
            visible=roles.is_moderator,
        )
