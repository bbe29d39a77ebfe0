from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from iapt_platform.lib.uploads import DOCUMENT_MAX_BYTES, clean_upload, display_name
from initiatives.matchmaking.models import Project
from initiatives.matchmaking.selectors import projects_linkable_by
from initiatives.models import Initiative, Sector

from .filters import country_choices
from .models import LANGUAGES, Evidence, Resource, Topic
from .services import ResourceData

FILE_KINDS = {"pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp", "csv", "image"}
FILE_MAX_BYTES = DOCUMENT_MAX_BYTES
MAX_AUTHORS = 50


class AuthorsField(forms.CharField):
    """One name per line in the form, an ordered list in the model."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        names = [" ".join(line.split()) for line in text.splitlines()]
        return [name[:200] for name in names if name]


def _refuse_tricky_name(upload: Any) -> None:
    """Django strips folders from names it parses; a name that still has them (or control
    characters) came by another way and is refused rather than quietly repaired."""
    name = getattr(upload, "name", "") or ""
    if "/" in name or "\\" in name or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise forms.ValidationError(
            _(
                "The file name “%(name)s” contains folders or control characters. Rename the "
                "file and choose it again."
            ),
            code="bad_name",
            params={"name": display_name(name)},
        )


class ResourceForm(forms.ModelForm):
    authors = AuthorsField(
        label=_("Authors"),
        required=False,
        help_text=_(
            "One per line, in order. A person as “Family name, Given names”; an organisation "
            "by its name alone."
        ),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages available"),
        choices=LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty if it exists only in the language of the title."),
    )
    countries = forms.MultipleChoiceField(
        label=_("Countries covered"),
        choices=country_choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (or Cmd) to choose several."),
    )
    external_url = forms.URLField(
        label=_("External link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("A web page or a video (https://…). Give a file, a link, or both."),
    )
    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_(
            "PDF, Word (DOCX), Excel (XLSX), PowerPoint (PPTX), OpenDocument, CSV or an image; "
            "25 MB at most. If the form comes back with an error, choose the file again: "
            "browsers do not keep it."
        ),
    )
    cover = forms.FileField(
        label=_("Cover image"),
        required=False,
        help_text=_("Optional. PNG, JPEG or WebP. PDFs get a picture of their first page."),
    )
    projects = forms.ModelMultipleChoiceField(
        label=_("Joint projects"),
        queryset=Project.objects.none(),  # narrowed to the contributor's projects in __init__
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Optional: joint projects in which you manage a partner initiative. Once published, "
            "the resource shows on their pages."
        ),
        error_messages={
            "invalid_choice": _(
                "You can link a resource only to joint projects in which you manage a partner "
                "initiative."
            )
        },
    )
    # The evidence of an impact evaluation.
    method = forms.ChoiceField(
        label=_("Evaluation method"),
        choices=[("", "—"), *Evidence.Method.choices],
        required=False,
    )
    outcomes = forms.MultipleChoiceField(
        label=_("Outcomes measured"),
        choices=Evidence.Outcome.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    direction = forms.ChoiceField(
        label=_("Direction of the effect"),
        choices=[("", "—"), *Evidence.Direction.choices],
        required=False,
    )
    sector: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Sector studied"),
        queryset=Sector.objects.order_by("order", "pk"),
        to_field_name="slug",
        required=False,
    )
    period_start = forms.IntegerField(
        label=_("Period studied, from"), required=False, min_value=1900, max_value=2100
    )
    period_end = forms.IntegerField(
        label=_("Period studied, to"), required=False, min_value=1900, max_value=2100
    )

    GROUPS = (
        (
            _("The resource"),
            (
                "title",
                "title_language",
                "summary",
                "summary_language",
                "type",
                "topics",
                "languages",
                "countries",
                "year",
                "authors",
                "publisher",
                "licence",
                "initiatives",
                "projects",
            ),
        ),
        (_("File or link"), ("file", "external_url", "cover")),
        (
            _("Impact evaluation (only for that type)"),
            ("method", "outcomes", "direction", "sector", "period_start", "period_end"),
        ),
    )

    class Meta:
        model = Resource
        fields = [
            "title",
            "title_language",
            "summary",
            "summary_language",
            "type",
            "topics",
            "year",
            "authors",
            "publisher",
            "licence",
            "external_url",
            "initiatives",
            "projects",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 6}),
            "topics": forms.CheckboxSelectMultiple,
            "initiatives": forms.SelectMultiple(attrs={"size": 6}),
        }
        help_texts = {
            "initiatives": _("Optional: initiatives of the registry this resource is about."),
        }

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["type"]).choices = [("", "—"), *Resource.Type.choices]
        cast(forms.ModelChoiceField, self.fields["topics"]).queryset = Topic.objects.order_by(
            "order", "pk"
        )
        cast(
            forms.ModelChoiceField, self.fields["initiatives"]
        ).queryset = Initiative.objects.published().order_by("name")
        self.fields["initiatives"].required = False
        # The contributor's own projects, and those the resource is already part of.
        allowed = Q(pk__in=projects_linkable_by(user=user).values("pk"))
        if self.instance.pk:
            allowed |= Q(pk__in=self.instance.projects.values("pk"))
        projects = Project.objects.filter(allowed).order_by("title", "pk")
        cast(forms.ModelChoiceField, self.fields["projects"]).queryset = projects
        # Most contributors manage no partner of a joint project: no empty group of boxes.
        self.offers_projects = projects.exists()
        self.fields["year"].widget.attrs.update({"min": 1900, "max": timezone.now().year + 1})
        self.fields["external_url"].widget.attrs["inputmode"] = "url"
        instance = self.instance
        if instance.pk and not self.is_bound:
            self.initial["languages"] = instance.languages
            self.initial["countries"] = [str(c) for c in instance.countries]
            evidence = getattr(instance, "evidence", None)
            if evidence is not None:
                self.initial.update(
                    method=evidence.method,
                    outcomes=evidence.outcomes,
                    direction=evidence.direction,
                    sector=evidence.sector,
                    period_start=evidence.period_start,
                    period_end=evidence.period_end,
                )

    def groups(self) -> list[tuple[Any, list[forms.BoundField]]]:
        hidden = set()
        if not self.offers_projects and not (self.is_bound and self.errors.get("projects")):
            hidden.add("projects")
        return [
            (legend, [self[name] for name in names if name not in hidden])
            for legend, names in self.GROUPS
        ]

    def clean_authors(self) -> list[str]:
        names = self.cleaned_data["authors"]
        if len(names) > MAX_AUTHORS:
            raise forms.ValidationError(
                _("List at most %(n)s authors; add “et al.” as the last line if needed."),
                params={"n": MAX_AUTHORS},
            )
        return names

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if not upload:
            return None
        _refuse_tricky_name(upload)
        try:
            return clean_upload(upload, kinds=FILE_KINDS, max_bytes=FILE_MAX_BYTES)
        except forms.ValidationError as error:
            # With CSV and images allowed, the validator's last word on an unknown file is about
            # CSV or pictures; say plainly what we accept instead.
            if error.code in ("bad_csv", "not_image", "kind"):
                raise forms.ValidationError(
                    _(
                        "The content of “%(name)s” is not a PDF, an office document, a CSV "
                        "file or a picture, whatever its name says. This kind of file is not "
                        "accepted here."
                    ),
                    code="kind",
                    params={"name": display_name(upload.name or "")},
                ) from None
            raise

    def clean_cover(self) -> Any:
        upload = self.cleaned_data.get("cover")
        if not upload:
            return None
        _refuse_tricky_name(upload)
        return clean_upload(upload, kinds={"image"})

    def clean_external_url(self) -> str:
        url = self.cleaned_data.get("external_url", "")
        if url and not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(
                _("Give a web address that starts with http:// or https://.")
            )
        return url

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        has_file = bool(cleaned.get("file")) or bool(self.instance.pk and self.instance.file)
        if not has_file and not cleaned.get("external_url") and "file" not in self.errors:
            self.add_error("file", _("Upload a file or give a link to the resource (or both)."))
        if cleaned.get("type") == Resource.Type.IMPACT_EVALUATION:
            for name, message in (
                ("method", _("Say which method the evaluation used.")),
                ("outcomes", _("Tick at least one outcome the evaluation measured.")),
                ("direction", _("Say in which direction the effect went.")),
            ):
                if not cleaned.get(name):
                    self.add_error(name, message)
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and start > end:
            self.add_error("period_end", _("The period ends before it starts."))
        return cleaned

    def to_data(self) -> ResourceData:
        cleaned = self.cleaned_data
        evidence = None
        if cleaned.get("type") == Resource.Type.IMPACT_EVALUATION:
            evidence = {
                "method": cleaned["method"],
                "direction": cleaned["direction"],
                "outcomes": cleaned["outcomes"],
                "sector": cleaned.get("sector"),
                "period_start": cleaned.get("period_start"),
                "period_end": cleaned.get("period_end"),
            }
        return ResourceData(
            fields={name: cleaned[name] for name in self.Meta.fields if name in cleaned},
            topics=list(cleaned.get("topics") or []),
            languages=cleaned.get("languages") or [],
            countries=cleaned.get("countries") or [],
            initiatives=list(cleaned.get("initiatives") or []),
            projects=list(cleaned.get("projects") or []),
            evidence=evidence,
            file=cleaned.get("file"),
            cover=cleaned.get("cover"),
        )
