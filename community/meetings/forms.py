from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from iapt_platform.accounts.forms import time_zone_choices
from iapt_platform.lib.uploads import clean_upload
from initiatives.matchmaking.models import Project
from initiatives.models import Initiative
from library.models import Resource

from .models import Material, Meeting, Registration

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
MATERIAL_KINDS = {"pdf", "docx", "pptx", "odt", "odp"}


def _http_url(value: str) -> str:
    if value and not value.lower().startswith(("http://", "https://")):
        raise forms.ValidationError(_("Give a web address that starts with http:// or https://."))
    return value


class LocalDateTimeField(forms.DateTimeField):
    """A wall-clock date and time without a zone; the form places it in the organiser's zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_FORMAT)

    def to_python(self, value):
        # Parsed as if in UTC, which has no gaps or overlaps, then stripped of the zone.
        with timezone.override(UTC):
            result = super().to_python(value)
        return result.replace(tzinfo=None) if result else result


def _local(value: datetime | None, zone: str) -> str:
    if value is None:
        return ""
    return value.astimezone(zoneinfo.ZoneInfo(zone)).strftime(LOCAL_FORMAT)


_MEETING_FIELD_ORDER = [
    "title_es",
    "title_en",
    "title_pt_br",
    "description_es",
    "description_en",
    "description_pt_br",
    "kind",
    "is_training",
    "training_hours",
    "format",
    "organiser_time_zone",
    "starts_local",
    "ends_local",
    "deadline_local",
    "online_link",
    "place",
    "agenda_es",
    "agenda_en",
    "agenda_pt_br",
    "speakers",
    "capacity",
    "initiatives",
    "resources",
    "project",
]
# Not the model's own fields: the times are converted in `clean`, the links saved by the service.
_MEETING_FORM_ONLY = {"starts_local", "ends_local", "deadline_local", "initiatives", "resources"}


class MeetingForm(forms.ModelForm):
    """Staff create and edit meetings; times are typed in the organiser's time zone."""

    organiser_time_zone = forms.ChoiceField(
        label=_("Organiser's time zone"),
        choices=time_zone_choices,
        help_text=_(
            "The times below are in this zone. The page also shows them in each reader's zone."
        ),
    )
    starts_local = LocalDateTimeField(label=_("Starts"))
    ends_local = LocalDateTimeField(label=_("Ends"))
    deadline_local = LocalDateTimeField(
        label=_("Registration deadline"),
        required=False,
        help_text=_("Leave empty to accept registrations until the meeting starts."),
    )
    initiatives = forms.ModelMultipleChoiceField(
        label=_("Linked initiatives"),
        queryset=Initiative.objects.published().order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    resources = forms.ModelMultipleChoiceField(
        label=_("Linked library resources"),
        queryset=Resource.objects.published().order_by("title"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Slides, minutes or readings published in the library."),
    )
    project = forms.ModelChoiceField(
        label=_("Joint project"),
        queryset=Project.objects.none(),  # published projects, set in __init__
        required=False,
        empty_label="—",
        help_text=_(
            "Optional: a published joint project. The meeting then shows on the project's page."
        ),
        error_messages={
            "invalid_choice": _("Choose a published joint project from the list."),
        },
    )

    class Meta:
        model = Meeting
        fields = [name for name in _MEETING_FIELD_ORDER if name not in _MEETING_FORM_ONLY]
        labels = {
            "title_es": _("Title in Spanish"),
            "title_en": _("Title in English"),
            "title_pt_br": _("Title in Portuguese"),
            "description_es": _("Description in Spanish"),
            "description_en": _("Description in English"),
            "description_pt_br": _("Description in Portuguese"),
            "agenda_es": _("Agenda in Spanish"),
            "agenda_en": _("Agenda in English"),
            "agenda_pt_br": _("Agenda in Portuguese"),
        }
        help_texts = {
            "title_en": _("Leave empty to show the Spanish title."),
            "title_pt_br": _("Leave empty to show the Spanish title."),
            "description_es": _("Markdown."),
            "agenda_es": _("Markdown."),
            "agenda_en": _(
                "Leave empty to show another language's agenda, with a notice saying which."
            ),
            "agenda_pt_br": _(
                "Leave empty to show another language's agenda, with a notice saying which."
            ),
        }
        widgets = {
            "description_es": forms.Textarea(attrs={"rows": 5}),
            "description_en": forms.Textarea(attrs={"rows": 5}),
            "description_pt_br": forms.Textarea(attrs={"rows": 5}),
            "agenda_es": forms.Textarea(attrs={"rows": 6}),
            "agenda_en": forms.Textarea(attrs={"rows": 6}),
            "agenda_pt_br": forms.Textarea(attrs={"rows": 6}),
            "speakers": forms.Textarea(attrs={"rows": 3}),
            "capacity": forms.NumberInput(attrs={"min": 1}),
            "training_hours": forms.NumberInput(attrs={"min": "0.5", "step": "0.5"}),
        }

    field_order = _MEETING_FIELD_ORDER

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title_es"].required = True
        instance = self.instance
        # Moderators organise meetings for the whole community: any published project, and the
        # one already linked (still valid on this edit if it was since withdrawn; "—" unlinks it).
        allowed = Q(status=Project.Status.PUBLISHED)
        if instance.project_id:
            allowed |= Q(pk=instance.project_id)
        project = self.fields["project"]
        assert isinstance(project, forms.ModelChoiceField)
        project.queryset = Project.objects.filter(allowed).order_by("title", "pk")
        if instance.pk:
            zone = instance.organiser_time_zone
            self.initial.setdefault("starts_local", _local(instance.starts_at, zone))
            self.initial.setdefault("ends_local", _local(instance.ends_at, zone))
            self.initial.setdefault("deadline_local", _local(instance.registration_deadline, zone))
            self.initial.setdefault("initiatives", list(instance.initiatives.all()))
            self.initial.setdefault("resources", list(instance.resources.all()))
        else:
            self.initial.setdefault("organiser_time_zone", settings.DEFAULT_READER_TIME_ZONE)

    def clean_online_link(self):
        return _http_url(self.cleaned_data["online_link"])

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        if capacity is not None and capacity < 1:
            raise forms.ValidationError(
                _("Give at least one seat, or leave it empty for no limit.")
            )
        return capacity

    def clean(self):
        cleaned = super().clean()
        zone_name = cleaned.get("organiser_time_zone")
        if not zone_name:
            return cleaned
        zone = zoneinfo.ZoneInfo(zone_name)
        starts, ends = cleaned.get("starts_local"), cleaned.get("ends_local")
        deadline = cleaned.get("deadline_local")
        if starts and ends:
            self.instance.starts_at = starts.replace(tzinfo=zone).astimezone(UTC)
            self.instance.ends_at = ends.replace(tzinfo=zone).astimezone(UTC)
            if self.instance.ends_at <= self.instance.starts_at:
                self.add_error("ends_local", _("The meeting must end after it starts."))
            if deadline:
                self.instance.registration_deadline = deadline.replace(tzinfo=zone).astimezone(UTC)
                if self.instance.registration_deadline > self.instance.starts_at:
                    self.add_error(
                        "deadline_local", _("The deadline must be before the meeting starts.")
                    )
            else:
                self.instance.registration_deadline = None
        if (
            cleaned.get("format") in (Meeting.Format.IN_PERSON, Meeting.Format.HYBRID)
            and not (cleaned.get("place") or "").strip()
        ):
            self.add_error("place", _("Say where people meet in person."))
        if cleaned.get("is_training") and cleaned.get("training_hours") is None:
            self.add_error(
                "training_hours", _("Give the hours of training written on the certificates.")
            )
        return cleaned


class PublishForm(forms.Form):
    notify_subscribers = forms.BooleanField(
        label=_("Also announce it to bulletin subscribers"),
        required=False,
        help_text=_("Members always get the announcement."),
    )


class CancelForm(forms.Form):
    """Cancelling a meeting, with an optional note that goes into every cancellation email."""

    note = forms.CharField(
        label=_("Note to the attendees (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Plain text, shown as you write it under “Note from the organisers”. The rest of "
            "each email is in the attendee's language; the note stays in yours."
        ),
    )
    note_language = forms.ChoiceField(
        label=_("Language of the note"), choices=settings.LANGUAGES, required=False
    )


class GenderFields(forms.Form):
    """Optional, self-described, and kept only with explicit consent (used only in aggregate)."""

    gender = forms.CharField(
        label=_("Gender (optional)"),
        max_length=60,
        required=False,
        help_text=_("In your own words. Used only in anonymous participation statistics."),
    )
    gender_prefer_not = forms.BooleanField(label=_("I prefer not to say"), required=False)
    gender_consent = forms.BooleanField(
        label=_(
            "I agree that my gender is used only in aggregate participation statistics, never "
            "shown next to my name."
        ),
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("gender_prefer_not"):
            cleaned["gender"] = ""
            cleaned["gender_consent"] = False
        elif (cleaned.get("gender") or "").strip() and not cleaned.get("gender_consent"):
            self.add_error(
                "gender_consent",
                _("Tick this box to share your gender, or leave the gender empty."),
            )
        return cleaned


class MemberRegistrationForm(GenderFields):
    """A member registers with one click; the gender fields may stay empty."""


class VisitorRegistrationForm(GenderFields):
    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("Email"))
    organisation = forms.CharField(label=_("Organisation"), max_length=200)
    country = forms.ChoiceField(label=_("Country"))
    language = forms.ChoiceField(label=_("Language of the emails"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(
        label=_("Your time zone"),
        choices=time_zone_choices,
        help_text=_("Reminders give the time in this zone."),
    )

    field_order = ["name", "email", "organisation", "country", "language", "time_zone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = [("", "—"), *countries]


class AttendanceForm(forms.Form):
    attended = forms.MultipleChoiceField(
        label=_("Who attended"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, registrations: list[Registration], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["attended"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [
            (
                str(r.pk),
                f"{r.name} · {r.email}" + (f" · {r.organisation}" if r.organisation else ""),
            )
            for r in registrations
        ]
        self.initial.setdefault("attended", [str(r.pk) for r in registrations if r.attended])

    def attended_ids(self) -> set[int]:
        return {int(pk) for pk in self.cleaned_data["attended"]}


class AttendanceImportForm(forms.Form):
    file = forms.FileField(
        label=_("Attendance list (CSV)"),
        help_text=_(
            "A CSV export from the video platform with a column named “Email”. People are matched "
            "by email; unknown emails and broken rows are listed and change nothing."
        ),
    )

    def clean_file(self) -> str:
        clean = clean_upload(self.cleaned_data["file"], kinds={"csv"}, max_bytes=2 * 1024 * 1024)
        return clean.content.read().decode("utf-8")


class MaterialForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Material.Kind.choices)
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to use the file name."),
    )
    file = forms.FileField(
        label=_("File"), help_text=_("PDF, Word, PowerPoint or OpenDocument; up to 25 MB.")
    )

    def clean_file(self):
        return clean_upload(self.cleaned_data["file"], kinds=MATERIAL_KINDS)


class RecordingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["recording_url"]

    def clean_recording_url(self):
        return _http_url(self.cleaned_data["recording_url"])
