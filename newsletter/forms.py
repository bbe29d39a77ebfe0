from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from iapt_platform.lib.uploads import clean_upload

from . import conf
from .models import Block, Contribution, Edition, Issue, Topic

LANGUAGE_NAMES = dict(settings.LANGUAGES)


def _topics_field(required: bool = False) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=Topic.objects.all(),
        required=required,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to receive every bulletin."),
    )


def _countries() -> list[tuple[str, str]]:
    # Called each time the choices are read: names in the reader's language.
    return list(countries)


def _country_choices() -> list[tuple[str, str]]:
    return [("", "—"), *countries]


def _country_field() -> forms.Field:
    return forms.ChoiceField(label=_("Country"), choices=_country_choices, required=False)


class SubscribeForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        error_messages={"invalid": _("Enter a valid email address, such as name@example.org.")},
    )
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    language = forms.ChoiceField(label=_("Language of the bulletin"), choices=settings.LANGUAGES)
    topics = _topics_field()
    country = _country_field()
    # The page the form was on: recorded with the consent ("from where").
    source = forms.CharField(widget=forms.HiddenInput, required=False, max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update({"autocomplete": "email"})
        self.fields["name"].widget.attrs.update({"autocomplete": "name"})


class RequestLinkForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)


class PreferencesForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    language = forms.ChoiceField(label=_("Language of the bulletin"), choices=settings.LANGUAGES)
    topics = _topics_field()
    country = _country_field()


class AccountSubscribeForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of the bulletin"), choices=settings.LANGUAGES)
    topics = _topics_field()


class ContributionForm(forms.ModelForm):
    class Meta:
        model = Contribution
        fields = ["kind", "title", "body", "language", "link_url", "initiative", "event_date"]
        widgets = {"event_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        from initiatives import selectors as initiative_selectors

        super().__init__(*args, **kwargs)
        field = self.fields["initiative"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = initiative_selectors.initiatives_managed_by(user=user)
        field.help_text = _("For news of an initiative you manage.")
        self.fields["link_url"].help_text = _("Where readers find more (https://…).")


class IssueCreateForm(forms.Form):
    languages = forms.MultipleChoiceField(
        label=_("Editions"),
        choices=settings.LANGUAGES,
        initial=[code for code, _name in settings.LANGUAGES],
        widget=forms.CheckboxSelectMultiple,
    )


class IssueSettingsForm(forms.Form):
    """Subjects and preheaders per language, and the segment."""

    segment_languages = forms.MultipleChoiceField(
        label=_("Send to readers of"),
        choices=settings.LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to send every edition to its readers."),
    )
    segment_countries = forms.MultipleChoiceField(
        label=_("Only readers in these countries"),
        choices=_countries,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Leave empty for every country."),
    )
    segment_topics: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("Only readers of these topics"),
        queryset=Topic.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Readers who chose no topic receive every issue."),
    )

    def __init__(self, *args: Any, issue: Issue, **kwargs: Any) -> None:
        editions = {e.language: e for e in issue.editions.all()}
        initial = {
            "segment_languages": issue.segment_languages,
            "segment_countries": issue.segment_countries,
            "segment_topics": list(issue.segment_topics.all()),
        }
        for code, _name in settings.LANGUAGES:
            edition = editions.get(code)
            key = code.replace("-", "_")
            initial[f"include_{key}"] = edition is not None
            initial[f"subject_{key}"] = edition.subject if edition else ""
            initial[f"preheader_{key}"] = edition.preheader if edition else ""
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        for code, name in settings.LANGUAGES:
            key = code.replace("-", "_")
            self.fields[f"include_{key}"] = forms.BooleanField(
                label=_("Edition in %(language)s") % {"language": name}, required=False
            )
            self.fields[f"subject_{key}"] = forms.CharField(
                label=_("Subject (%(language)s)") % {"language": name},
                max_length=200,
                required=False,
            )
            self.fields[f"preheader_{key}"] = forms.CharField(
                label=_("Preheader (%(language)s)") % {"language": name},
                max_length=200,
                required=False,
                help_text=Edition._meta.get_field("preheader").help_text,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = [
            code for code, _name in settings.LANGUAGES if data.get(self._key("include", code))
        ]
        if not chosen:
            raise ValidationError(_("Keep at least one edition."))
        for code in chosen:
            if not (data.get(self._key("subject", code)) or "").strip():
                self.add_error(
                    self._key("subject", code),
                    _("Write the subject of the edition in %(language)s.")
                    % {"language": LANGUAGE_NAMES[code]},
                )
        return data

    @staticmethod
    def _key(prefix: str, code: str) -> str:
        return f"{prefix}_{code.replace('-', '_')}"

    def editions(self) -> dict[str, dict[str, str]]:
        data = self.cleaned_data
        return {
            code: {
                "subject": data[self._key("subject", code)],
                "preheader": data[self._key("preheader", code)],
            }
            for code, _name in settings.LANGUAGES
            if data.get(self._key("include", code))
        }

    def language_groups(self) -> list[dict[str, Any]]:
        """The per-language fields grouped, for the template (one fieldset per language)."""
        groups = []
        for code, name in settings.LANGUAGES:
            key = code.replace("-", "_")
            groups.append(
                {
                    "language": name,
                    "code": code,
                    "fields": [
                        self[f"include_{key}"],
                        self[f"subject_{key}"],
                        self[f"preheader_{key}"],
                    ],
                }
            )
        return groups


class BlockForm(forms.Form):
    """A block's kind, link and image, and its text in each language of the issue."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Block.Kind.choices)
    link_url = forms.URLField(
        label=_("Link"), required=False, max_length=300, assume_scheme="https"
    )
    image_url = forms.CharField(
        label=_("Image address"),
        required=False,
        max_length=300,
        help_text=_(
            "An image on this site (/media/…); describe it below for people who cannot see it."
        ),
    )

    def __init__(self, *args: Any, languages: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.languages = languages
        for code in languages:
            key = code.replace("-", "_")
            name = LANGUAGE_NAMES[code]
            self.fields[f"title_{key}"] = forms.CharField(
                label=_("Title (%(language)s)") % {"language": name},
                max_length=200,
                required=False,
            )
            self.fields[f"body_{key}"] = forms.CharField(
                label=_("Text (%(language)s)") % {"language": name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 8}),
                help_text=_("Markdown: **bold**, *italic*, [link](https://…), lists with “- ”."),
            )
            self.fields[f"image_alt_{key}"] = forms.CharField(
                label=_("Image description (%(language)s)") % {"language": name},
                max_length=200,
                required=False,
            )

    @classmethod
    def initial_for(cls, block: Block, languages: list[str]) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "kind": block.kind,
            "link_url": block.link_url,
            "image_url": block.image_url,
        }
        for code in languages:
            key = code.replace("-", "_")
            text = (block.content or {}).get(code, {})
            initial[f"title_{key}"] = text.get("title", "")
            initial[f"body_{key}"] = text.get("body", "")
            initial[f"image_alt_{key}"] = text.get("image_alt", "")
        return initial

    def clean_image_url(self) -> str:
        value = self.cleaned_data["image_url"].strip()
        # Pages load nothing from other servers: images come from this site only.
        if value and not (value.startswith("/") and not value.startswith("//")):
            raise ValidationError(_("Use the address of an image on this site, starting with /."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("image_url"):
            for code in self.languages:
                key = f"image_alt_{code.replace('-', '_')}"
                if not (data.get(key) or "").strip():
                    self.add_error(key, _("Describe the image for people who cannot see it."))
        return data

    def content(self) -> dict[str, dict[str, str]]:
        data = self.cleaned_data
        result = {}
        for code in self.languages:
            key = code.replace("-", "_")
            result[code] = {
                "title": data[f"title_{key}"].strip(),
                "body": data[f"body_{key}"].strip(),
                "image_alt": data[f"image_alt_{key}"].strip(),
            }
        return result


class ScheduleForm(forms.Form):
    send_at = forms.DateTimeField(
        label=_("Send at"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("In your time zone."),
    )


class TestSendForm(forms.Form):
    languages = forms.MultipleChoiceField(
        label=_("Editions"), choices=settings.LANGUAGES, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, issue: Issue, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        codes = list(issue.editions.values_list("language", flat=True))
        field = self.fields["languages"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(c, n) for c, n in settings.LANGUAGES if c in codes]
        field.initial = codes


class ImportForm(forms.Form):
    file_name = ""
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: email (required), name, language (es, en, pt-br), country (two-letter "
            "code), topics (separated by “;”), consent_source (optional, line by line). The first "
            "line names the columns."
        ),
    )
    consent_source = forms.CharField(
        label=_("Consent source"),
        max_length=300,
        required=False,
        help_text=_(
            "Where and when these people agreed to receive the bulletin, for example “Sign-up "
            "sheet of the October 2024 workshop”. Required unless the file has a consent_source "
            "column."
        ),
    )
    consent_documented = forms.BooleanField(
        label=_("Their consent is documented: subscribe them without a confirmation email"),
        required=False,
        help_text=_(
            "Tick only if you hold a record of each person's consent. Otherwise each one receives "
            "a confirmation link and is subscribed only after following it."
        ),
    )

    def clean_file(self) -> str:
        """The text of the file; the sender's name for it goes to `file_name`."""
        cleaned = clean_upload(
            self.cleaned_data["file"], kinds={"csv"}, max_bytes=conf.import_max_bytes()
        )
        self.file_name = cleaned.original_name
        return cleaned.content.read().decode("utf-8")
