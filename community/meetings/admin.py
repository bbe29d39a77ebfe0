from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from .models import Material, Meeting, NoticeDelivery, Registration


class RegistrationInline(admin.TabularInline):
    model = Registration
    extra = 0
    fields = ["name", "email", "organisation", "country", "status", "waitlist_position", "attended"]
    readonly_fields = ["name", "email", "organisation", "country", "status", "waitlist_position"]
    can_delete = False
    show_change_link = True


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 0
    fields = ["kind", "title", "file"]
    readonly_fields = ["file"]


@admin.register(Meeting)
class MeetingAdmin(TranslationAdmin):
    list_display = ["title", "kind", "format", "starts_at", "status", "published_at"]
    list_filter = ["kind", "format", "status"]
    search_fields = ["title_es", "title_en", "title_pt_br", "slug"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["initiatives"]
    raw_id_fields = ["project"]
    readonly_fields = ["sequence", "published_at", "created_by", "created_at", "updated_at"]
    inlines = [RegistrationInline, MaterialInline]
    fieldsets = [
        (None, {"fields": ["slug", "title", "description", "kind", "format", "status"]}),
        (
            _("When and where"),
            {
                "description": _(
                    "Changing the time or link here sends no notice: use the staff page "
                    "(/meetings/staff/) so that registered people hear of it."
                ),
                "fields": [
                    "starts_at",
                    "ends_at",
                    "organiser_time_zone",
                    "online_link",
                    "place",
                    "registration_deadline",
                    "capacity",
                ],
            },
        ),
        (
            _("Programme"),
            {"fields": ["agenda", "speakers", "initiatives", "project", "recording_url"]},
        ),
        (
            _("Record"),
            {
                "fields": [
                    "sequence",
                    "published_at",
                    "notify_subscribers",
                    "created_by",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "meeting", "status", "waitlist_position", "attended"]
    list_filter = ["status", "attended"]
    search_fields = ["name", "email", "organisation"]
    raw_id_fields = ["meeting", "user"]
    readonly_fields = [
        "gender_category",
        "gender_consent_at",
        "created_at",
        "promoted_at",
        "cancelled_at",
    ]


@admin.register(NoticeDelivery)
class NoticeDeliveryAdmin(admin.ModelAdmin):
    list_display = ["meeting", "kind", "sequence", "registration", "user", "sent_at"]
    list_filter = ["kind"]
    raw_id_fields = ["meeting", "registration", "user"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False
