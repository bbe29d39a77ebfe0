from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowingConfig(AppConfig):
    name = "community.following"
    label = "following"
    verbose_name = _("Following")

    def ready(self) -> None:
        from iapt_platform.accounts import menu, personal_data
        from iapt_platform.lib import demo as demo_registry
        from iapt_platform.lib import news, pagecache

        from . import demo, email_samples, selectors, services
        from .models import Follow
        from .templatetags.following import fill_follow_hole

        email_samples.register()
        # The follow button in a page kept for all members: each reader's own state, kept with
        # their reading of the page until one of their follows changes (or their roles, or the
        # managers of an initiative: their apps say so).
        pagecache.hole_filler("follow", fill_follow_hole, kept=True)
        pagecache.members_change_with(Follow)
        news.listen(services.announcement_receive)
        # Promoters follow their own initiatives without asking (they may mute one).
        news.register_audience(news.INITIATIVE, selectors.initiative_promoters)
        personal_data.register_export(
            "following",
            selectors.personal_data_of,
            order=45,
            description=_("What you follow, and the notifications of what was new there."),
        )
        personal_data.register_closing("following", services.member_depart, order=45)
        demo_registry.register_seeder("following", demo.seed, order=97)
        menu.register_account_link(
            _("What you follow"),
            "following:list",
            order=62,
            description=_("Initiatives, countries, sectors, topics and members you follow"),
            visible=selectors.can_follow,
        )
