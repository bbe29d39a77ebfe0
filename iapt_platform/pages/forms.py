from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from modeltranslation.utils import build_localized_fieldname

from .models import Page

LANGUAGE_LEGENDS = {"es": _("Spanish"), "en": _("English"), "pt-br": _("Portuguese")}
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
MARKDOWN_HINT = _("Markdown: **bold**, *italics*, [link](https://…), ## subheading, - lists.")


def _localized(*fields: str) -> list[str]:
    return [build_localized_fieldname(f, code) for code in LANGUAGE_CODES for f in fields]


class PageDraftForm(forms.ModelForm):
    """The draft of a page in the three languages, the fields of each language together."""

    TRANSLATED = ("title", "body")

    class Meta:
        model = Page
        fields = _localized("title", "body")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = {"title": _("Title in %(language)s"), "body": _("Text in %(language)s")}
        for field in self.TRANSLATED:
            for code in LANGUAGE_CODES:
                name = build_localized_fieldname(field, code)
                self.fields[name].label = labels[field] % {"language": LANGUAGE_LEGENDS[code]}
                self.fields[name].required = code == settings.LANGUAGE_CODE
                self.fields[name].help_text = ""
                if field == "body":
                    self.fields[name].widget = forms.Textarea(attrs={"rows": 24})
                    self.fields[name].help_text = MARKDOWN_HINT

    def language_groups(self) -> list[tuple[str, Any, list]]:
        """(code, legend, bound fields) for each language."""
        return [
            (
                code,
                LANGUAGE_LEGENDS[code],
                [self[build_localized_fieldname(f, code)] for f in self.TRANSLATED],
            )
            for code in LANGUAGE_CODES
        ]


class PublishForm(forms.Form):
    """What changed, in each language: shown to readers next to the version."""

    def __init__(self, *args: Any, first: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code in LANGUAGE_CODES:
            self.fields[build_localized_fieldname("change_note", code)] = forms.CharField(
                label=_("What changed, in %(language)s") % {"language": LANGUAGE_LEGENDS[code]},
                max_length=300,
                required=code == settings.LANGUAGE_CODE and not first,
                help_text=_("One sentence readers see next to the version.")
                if code == settings.LANGUAGE_CODE
                else "",
            )

    def change_note(self) -> dict[str, str]:
        return {
            code: self.cleaned_data.get(build_localized_fieldname("change_note", code), "")
            for code in LANGUAGE_CODES
        }
