"""The forms of opportunities: a member's proposal (one language), a moderator's (all three)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_countries import countries as all_countries

from iapt_platform.lib.regions import COUNTRIES
from iapt_platform.lib.uploads import CleanFile, clean_upload
from initiatives.models import Sector

from . import currencies
from .models import Opportunity, Topic

DOCUMENT_KINDS = {"pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp"}
DATETIME = {"type": "datetime-local"}


def region_country_choices() -> list[tuple[str, str]]:
    names = dict(all_countries)
    return sorted(((code, str(names.get(code, code))) for code in COUNTRIES), key=lambda c: c[1])


class MultipleDocumentInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class DocumentsField(forms.FileField):
    """Several documents in one input; each goes through the one upload validator."""

    def __init__(self, *args: Any, max_files: int = 5, **kwargs: Any) -> None:
        self.max_files = max_files
        kwargs.setdefault(
            "widget",
            MultipleDocumentInput(attrs={"accept": ".pdf,.docx,.xlsx,.pptx,.odt,.ods,.odp"}),
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[CleanFile]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > self.max_files:
            raise ValidationError(
                _("Attach at most %(n)s documents."), code="too_many", params={"n": self.max_files}
            )
        cleaned = []
        for upload in files:
            try:
                cleaned.append(clean_upload(upload, kinds=DOCUMENT_KINDS))
            except ValidationError as exc:
                raise ValidationError(
                    _("%(name)s: %(error)s"),
                    params={"name": getattr(upload, "name", ""), "error": " ".join(exc.messages)},
                ) from None
        return cleaned


class OpportunityFormBase(forms.Form):
    """What both forms ask after the texts: who, where, what, how much, when, where to apply."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Opportunity.Kind.choices)
    organiser = forms.CharField(
        label=_("Organiser"), max_length=200, help_text=_("Who runs it: CAF, IDB Lab, CORFO, ...")
    )
    whole_region = forms.BooleanField(
        label=_("Open to all of Latin America and the Caribbean"), required=False
    )
    countries = forms.MultipleChoiceField(
        label=_("Countries eligible"),
        choices=region_country_choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_(
            "Hold Ctrl (or ⌘) to choose several. Leave empty when open to the whole region."
        ),
    )
    sectors: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("Sectors"),
        queryset=Sector.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    topics: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=Topic.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=16,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("The most one applicant may receive, when the call says."),
    )
    currency = forms.ChoiceField(label=_("Currency"), required=False)
    opens_at = forms.DateTimeField(
        label=_("Opens"),
        widget=forms.DateTimeInput(attrs=DATETIME, format="%Y-%m-%dT%H:%M"),
        help_text=_("In your time zone."),
    )
    closes_at = forms.DateTimeField(
        label=_("Closes"),
        widget=forms.DateTimeInput(attrs=DATETIME, format="%Y-%m-%dT%H:%M"),
        help_text=_("The deadline, in your time zone: the hour matters."),
    )
    link = forms.URLField(label=_("Link to the call"), max_length=500, assume_scheme="https")
    documents = DocumentsField(
        label=_("Documents"),
        help_text=_("Terms of reference or forms: PDF or office files, up to 25 MB each."),
    )

    TEXT_FIELDS: tuple[str, ...] = ()
    OTHER_FIELDS = (
        "kind",
        "organiser",
        "whole_region",
        "countries",
        "sectors",
        "topics",
        "amount",
        "currency",
        "opens_at",
        "closes_at",
        "link",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        currency = self.fields["currency"]
        assert isinstance(currency, forms.ChoiceField)
        currency.choices = [("", "—"), *currencies.choices()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The closing date must come after the opening date."))
        if data.get("amount") is not None and not data.get("currency"):
            self.add_error("currency", _("Say in which currency the amount is."))
        if not data.get("whole_region") and not data.get("countries"):
            self.add_error(
                "countries", _("Choose the countries eligible, or open it to the whole region.")
            )
        return data

    def values(self) -> dict[str, Any]:
        """The model's values for the service (documents apart)."""
        data = self.cleaned_data
        values = {name: data[name] for name in self.OTHER_FIELDS}
        values["currency"] = values["currency"] or ""
        if values["whole_region"]:
            values["countries"] = []
        return values

    @staticmethod
    def initial_from(opportunity: Opportunity) -> dict[str, Any]:
        return {
            "kind": opportunity.kind,
            "organiser": opportunity.organiser,
            "whole_region": opportunity.whole_region,
            "countries": [str(c.code) for c in opportunity.countries],
            "sectors": list(opportunity.sectors.all()),
            "topics": list(opportunity.topics.all()),
            "amount": opportunity.amount,
            "currency": opportunity.currency,
            "opens_at": opportunity.opens_at,
            "closes_at": opportunity.closes_at,
            "link": opportunity.link,
        }


class ProposalForm(OpportunityFormBase):
    """A member writes in one language; moderators may add the others."""

    language = forms.ChoiceField(label=_("Language you write in"), choices=settings.LANGUAGES)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Who may apply, what it offers, how to apply. Markdown: **bold**, lists, links."
        ),
    )
    field_order = ["language", "title", "description", "kind", "organiser"]

    def values(self) -> dict[str, Any]:
        from modeltranslation.utils import build_localized_fieldname

        data = self.cleaned_data
        language = data["language"]
        values = super().values()
        values["language"] = language
        values[build_localized_fieldname("title", language)] = data["title"]
        values[build_localized_fieldname("description", language)] = data["description"]
        return values

    @classmethod
    def initial_for(cls, opportunity: Opportunity) -> dict[str, Any]:
        title, description, language = opportunity.reading(opportunity.language)
        return {
            **cls.initial_from(opportunity),
            "language": language,
            "title": title,
            "description": description,
        }


LANGUAGE_LABELS = {"es": _("Spanish"), "en": _("English"), "pt-br": _("Portuguese")}


class StaffForm(OpportunityFormBase):
    """A moderator's form: the texts in the three languages (Spanish required)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from modeltranslation.utils import build_localized_fieldname

        texts = {}
        for code, _name in settings.LANGUAGES:
            label = LANGUAGE_LABELS.get(code, code)
            texts[build_localized_fieldname("title", code)] = forms.CharField(
                label=_("Title in %(language)s") % {"language": label},
                max_length=200,
                required=code == settings.LANGUAGE_CODE,
            )
            texts[build_localized_fieldname("description", code)] = forms.CharField(
                label=_("Description in %(language)s") % {"language": label},
                max_length=10_000,
                required=code == settings.LANGUAGE_CODE,
                widget=forms.Textarea(attrs={"rows": 6}),
                help_text=_("Markdown."),
            )
        self.TEXT_FIELDS = tuple(texts)
        self.fields = {**texts, **self.fields}

    def values(self) -> dict[str, Any]:
        values = super().values()
        for name in self.TEXT_FIELDS:
            values[name] = self.cleaned_data[name]
        values["language"] = settings.LANGUAGE_CODE
        return values

    @classmethod
    def initial_for(cls, opportunity: Opportunity) -> dict[str, Any]:
        from modeltranslation.utils import build_localized_fieldname

        initial = cls.initial_from(opportunity)
        for code, _name in settings.LANGUAGES:
            for field in ("title", "description"):
                name = build_localized_fieldname(field, code)
                initial[name] = getattr(opportunity, name) or ""
        return initial
