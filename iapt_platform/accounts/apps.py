from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "iapt_platform.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from allauth.mfa.models import Authenticator

        from iapt_platform.lib import pagecache

        from .models import User

        # What a member's reading of a page kept for all members keeps of them (pagecache: may
        # they propose a story, follow) depends on their roles, their account and their
        # authenticator app: any change to those reads it again at their next request.
        pagecache.members_change_with(User, "pk")
        pagecache.members_change_with_link(User.groups.through, User)
        pagecache.members_change_with(Authenticator, "user_id")
        from . import email_samples

        email_samples.register()
        from iapt_platform.lib import demo as demo_registry

        from . import demo, menu

        demo_registry.register_seeder("accounts", demo.seed, order=10)

        menu.register_account_link(
            _("Your profile"),
            "accounts:profile",
            order=10,
            description=_("Name, organisation, language and time zone"),
        )
        menu.register_account_link(
            _("Email addresses"),
            "account_email",
            order=20,
            description=_("Add, verify or change your email"),
        )
        menu.register_account_link(
            _("Password"),
            "account_change_password",
            order=30,
            description=_("Change your password"),
        )
        menu.register_account_link(
            _("Two-factor authentication"),
            "mfa_index",
            order=40,
            description=_("Protect your account with an authenticator app"),
        )

        from . import personal_data, selectors

        menu.register_account_link(
            _("Download your data"),
            "accounts:data",
            order=95,
            description=_("An archive of everything the platform holds about you"),
        )
        personal_data.register_export(
            "account",
            selectors.personal_data_of,
            order=10,
            description=_("Your account: email addresses, language, time zone, roles."),
        )
        menu.register_account_link(
            _("Close your account"),
            "accounts:close",
            order=200,
            description=_("Delete your account; see first what goes and what stays"),
        )
