from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PagesConfig(AppConfig):
    name = "iapt_platform.pages"
    label = "pages"
    verbose_name = _("Pages: privacy, terms, accessibility, about, contact")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from iapt_platform.accounts import menu, personal_data, roles
        from iapt_platform.lib.cache import bump_on_change

        from . import selectors, services
        from .models import Page, PageVersion

        # Cache invalidation: the pages' cached copies carry their version.
        bump_on_change(selectors.PAGES_VERSION, Page, PageVersion)

        # Every installation has the pages, demo data or not: seeded once their tables exist.
        post_migrate.connect(services.seed_after_migrate, sender=self, dispatch_uid="pages_seed")
        personal_data.register_export("consents", selectors.personal_data_of, order=90)
        menu.register_account_link(
            _("Privacy, terms and other pages (editors)"),
            "pages:staff_list",
            order=87,
            description=_("Edit them in three languages and publish each change as a new version"),
            visible=roles.is_moderator,
        )
