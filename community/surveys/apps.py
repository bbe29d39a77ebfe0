from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "community.surveys"
    label = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from community.meetings import hooks as meeting_hooks
        from iapt_platform.accounts import menu, personal_data, roles
        from iapt_platform.lib import demo as demo_registry

        from . import demo, email_samples, selectors, services

        email_samples.register()
        # A meeting's attendance recorded: its published survey goes out now, not at the next beat.
        meeting_hooks.on_attendance_recorded(services.on_attendance_recorded)
        menu.register_account_link(
            _("Surveys"),
            "surveys:list",
            order=62,
            description=_("Surveys open to you"),
        )
        menu.register_account_link(
            _("Build surveys"),
            "surveys:staff_list",
            order=92,
            description=_("Build surveys for meetings or members, and read their results"),
            visible=roles.is_moderator,
        )
        personal_data.register_export(
            "surveys",
            selectors.personal_data_of,
            order=55,
            description=_("Your answers to surveys."),
        )
        # Before meetings' closer (50), which forgets the registrations' addresses.
        personal_data.register_closing("surveys", services.respondent_depart, order=45)
        # After the meetings' seeder (60).
        demo_registry.register_seeder("surveys", demo.seed, order=62)
