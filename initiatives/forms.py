from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from iapt_platform.lib import subdivisions
from iapt_platform.lib.uploads import clean_upload

from .filters import country_choices
from .models import Initiative, ManagementRequest, Programme, Sector


class StartForm(forms.Form):
    """Before the first step: enough to look for duplicates."""

    name = forms.CharField(label=_("Name of the initiative"), max_length=200)
    country = forms.ChoiceField(label=_("Country"), choices=[("", "—"), *country_choices()])
    kind = forms.ChoiceField(label=_("Type"), choices=Initiative.Kind.choices)
    website = forms.URLField(
        label=_("Website"), required=False, assume_scheme="https", max_length=300
    )

    def clean_website(self):
        return _http_url(self.cleaned_data["website"])


def _http_url(value: str) -> str:
    if value and not value.lower().startswith(("http://", "https://")):
        raise forms.ValidationError(_("Give a web address that starts with http:// or https://."))
    return value


class StepForm(forms.ModelForm):
    """One step of the guided registration. A step saves what it can: whatever was valid is kept
    in the draft even when another field needs fixing."""

    step_title: Any = ""
    url_fields: tuple[str, ...] = ()
    # Fields checked together (a place and its coordinates), kept or dropped together.
    linked_fields: tuple[frozenset[str], ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in Initiative.REQUIRED_TO_SUBMIT:
            if name in self.fields:
                self.fields[name].required = True

    def clean(self):
        cleaned = super().clean()
        for name in self.url_fields:
            if cleaned.get(name):
                try:
                    cleaned[name] = _http_url(cleaned[name])
                except forms.ValidationError as error:
                    self.add_error(name, error)
        return cleaned

    def savable_data(self) -> dict[str, Any]:
        """The cleaned values that may be kept in the draft: every valid field, except the
        companions of a rejected one. Call after is_valid()."""
        rejected = set(self.errors)
        for group in self.linked_fields:
            if rejected & group:
                rejected |= group
        return {k: v for k, v in self.cleaned_data.items() if k not in rejected}

    def add_model_errors(self, error: ValidationError) -> None:
        """The model's refusal of the saved step, on the fields it names (or the whole form)."""
        for field, field_errors in error.message_dict.items():
            self.add_error(field if field in self.fields else None, field_errors)


class IdentityForm(StepForm):
    step_title = _("Identity")
    url_fields = ("website",)

    class Meta:
        model = Initiative
        fields = ["name", "acronym", "kind", "website", "year_founded", "stage"]
        widgets = {
            "year_founded": forms.NumberInput(attrs={"min": 1900, "max": timezone.now().year})
        }


class PlaceForm(StepForm):
    step_title = _("Place")
    linked_fields = (frozenset({"country", "subdivision", "latitude", "longitude"}),)
    # A plain select with an <optgroup> per country (the draft's own country first), so that it
    # works without JavaScript; the model's clean() refuses a code of another country.
    subdivision = forms.ChoiceField(
        label=_("State, province or department"),
        required=False,
        help_text=_(
            "The first-level division of the country. Give a municipality or district below."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        country = self.instance.country.code if self.instance.country else ""
        self.fields["subdivision"].choices = [
            ("", "—"),
            *subdivisions.grouped_choices(first=country),
        ]

    class Meta:
        model = Initiative
        fields = ["country", "subdivision", "territory", "city", "latitude", "longitude"]
        help_texts = {
            "latitude": _("Decimal degrees; south of the equator is negative (Quito: -0.18)."),
            "longitude": _("Decimal degrees; the Americas are negative (Quito: -78.47)."),
        }


class FocusForm(StepForm):
    step_title = _("Sectors and focus")
    sectors: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("Sectors"), queryset=Sector.objects.all(), widget=forms.CheckboxSelectMultiple
    )
    digital_topics = forms.MultipleChoiceField(
        label=_("Digital-economy topics"),
        choices=Initiative.DIGITAL_TOPICS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    programme = forms.ModelChoiceField(
        label=_("Supporting programme"), queryset=Programme.objects.all(), required=False
    )

    class Meta:
        model = Initiative
        fields = ["sectors", "value_chain", "programme", "digital_focus", "digital_topics"]


class OrganisationForm(StepForm):
    step_title = _("Organisation")
    funding_sources = forms.MultipleChoiceField(
        label=_("Funding sources"),
        choices=Initiative.FUNDING_SOURCES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Initiative
        fields = [
            "managing_organisation",
            "legal_form",
            "members_micro_small_firms",
            "members_medium_firms",
            "members_large_firms",
            "members_universities",
            "members_public_bodies",
            "members_civil_society",
            "staff_fte",
            "funding_sources",
            "services_offered",
            "strategic_lines",
        ]
        widgets = {
            "services_offered": forms.Textarea(attrs={"rows": 4}),
            "strategic_lines": forms.Textarea(attrs={"rows": 4}),
        }


class PresentationForm(StepForm):
    step_title = _("Presentation and contact")
    # A plain file field: the platform's upload validator (clean_logo) decides what is an image.
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}
        ),
        help_text=_("PNG, JPEG, WebP or GIF, up to 5 MB."),
    )
    url_fields = ("linkedin_url", "x_url", "facebook_url", "instagram_url", "youtube_url")

    class Meta:
        model = Initiative
        fields = [
            "description",
            "description_language",
            "logo",
            "contact_name",
            "contact_email",
            "contact_email_visibility",
            "contact_phone",
            "contact_phone_visibility",
            "linkedin_url",
            "x_url",
            "facebook_url",
            "instagram_url",
            "youtube_url",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 8})}
        help_texts = {
            "logo": _("PNG, JPEG, WebP or GIF, up to 5 MB."),
            "description": _("Write in your own language and say which one below."),
        }

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and hasattr(logo, "content_type"):  # a new upload, not the stored file
            return clean_upload(logo, kinds={"image"}).content
        return logo


STEPS: list[type[StepForm]] = [
    IdentityForm,
    PlaceForm,
    FocusForm,
    OrganisationForm,
    PresentationForm,
]
REVIEW_STEP = len(STEPS) + 1


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Colleague's email"))


class ManagementRequestForm(forms.ModelForm):
    class Meta:
        model = ManagementRequest
        fields = ["message"]
        widgets = {"message": forms.Textarea(attrs={"rows": 4})}
