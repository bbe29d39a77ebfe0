from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from modeltranslation.utils import build_localized_fieldname

from iapt_platform.lib.regions import COUNTRIES
from iapt_platform.lib.uploads import clean_upload
from initiatives.models import Initiative, Sector

from . import video
from .models import InterviewBlock, Story, Topic

LANGUAGE_LEGENDS = {"es": _("Spanish"), "en": _("English"), "pt-br": _("Portuguese")}
MAX_LINKS = 5


def region_country_choices() -> list[tuple[str, str]]:
    return sorted(((code, str(countries.name(code))) for code in COUNTRIES), key=lambda c: c[1])


class StoryFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)
    sector: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Sector"), queryset=Sector.objects.all(), required=False, to_field_name="slug"
    )
    topic: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Topic"), queryset=Topic.objects.all(), required=False, to_field_name="slug"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything: list[tuple[str, Any]] = [("", _("All"))]
        kind, country = self.fields["kind"], self.fields["country"]
        assert isinstance(kind, forms.ChoiceField) and isinstance(country, forms.ChoiceField)
        kind.choices = everything + list(Story.Kind.choices)
        country.choices = everything + region_country_choices()
        for name in ("sector", "topic"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.empty_label = str(_("All"))


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several images in one input; each goes through the one upload validator."""

    def __init__(self, *args: Any, max_files: int, **kwargs: Any) -> None:
        self.max_files = max_files
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": "image/*"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > self.max_files:
            raise ValidationError(
                _("Send at most %(n)s images."), code="too_many", params={"n": self.max_files}
            )
        cleaned = []
        for upload in files:
            try:
                cleaned.append(clean_upload(upload, kinds={"image"}).content)
            except ValidationError as exc:
                name = getattr(upload, "name", "")
                raise ValidationError(
                    _("%(name)s: %(error)s"),
                    params={"name": name, "error": " ".join(exc.messages)},
                ) from None
        return cleaned


class StoryProposalForm(forms.Form):
    initiative = forms.ModelChoiceField(
        label=_("Initiative the story is about"),
        queryset=Initiative.objects.published().only("id", "slug", "name").order_by("name"),
        to_field_name="slug",
    )
    title = forms.CharField(label=_("Working title"), max_length=200)
    text = forms.CharField(
        label=_("The story"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "What did the initiative achieve, how, with whom? Staff will write it up with you."
        ),
    )
    links = forms.CharField(
        label=_("Links"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Up to five web addresses (news, videos, reports), one per line."),
    )
    images = MultipleImageField(
        label=_("Images"),
        max_files=3,
        help_text=_("Up to three pictures (PNG, JPEG, WebP or GIF, 5 MB each)."),
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["initiative"]

    def clean_links(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]
        if len(lines) > MAX_LINKS:
            raise ValidationError(_("Give at most five links."))
        check = URLValidator(schemes=["http", "https"])
        for line in lines:
            try:
                check(line)
            except ValidationError:
                raise ValidationError(
                    _("“%(link)s” is not a web address (it must start with https://)."),
                    params={"link": line[:100]},
                ) from None
        return lines


def translated_names(field: str) -> list[str]:
    return [build_localized_fieldname(field, code) for code, _n in settings.LANGUAGES]


class _VideoAndImageRules(forms.ModelForm):
    """The rules the staff page and the admin share: a checked image, a video link that becomes
    the model's provider and id (its errors shown on the link)."""

    def clean_hero_image(self) -> Any:
        upload = self.cleaned_data.get("hero_image")
        if isinstance(upload, UploadedFile):
            return clean_upload(upload, kinds={"image"}).content
        return upload

    def clean_video_url(self) -> tuple[str, str]:
        url = self.cleaned_data["video_url"].strip()
        return video.parse_video_url(url) if url else ("", "")

    def _post_clean(self) -> None:
        provider, video_id = self.cleaned_data.get("video_url") or ("", "")
        self.instance.video_provider, self.instance.video_id = provider, video_id
        super()._post_clean()  # type: ignore[misc]  # Django's hook, missing from the stubs

    def _update_errors(self, errors: ValidationError) -> None:
        _move_video_errors(errors)
        super()._update_errors(errors)  # type: ignore[misc]


class StoryForm(_VideoAndImageRules):
    """Staff write a story in the three languages: the fields of each language come together."""

    TRANSLATED = ("title", "summary", "body", "hero_alt")

    video_url = forms.CharField(
        label=_("Video link"),
        required=False,
        max_length=300,
        help_text=_("A YouTube or Vimeo address. Readers load it only when they press play."),
    )
    countries = forms.MultipleChoiceField(
        label=_("Countries"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    class Meta:
        model = Story
        fields = [
            "kind",
            *translated_names("title"),
            *translated_names("summary"),
            *translated_names("body"),
            "hero_image",
            *translated_names("hero_alt"),
            "initiatives",
            "countries",
            "sectors",
            "topics",
            "author_credits",
        ]
        widgets = {
            "initiatives": forms.SelectMultiple(attrs={"size": 8}),
            "sectors": forms.CheckboxSelectMultiple,
            "topics": forms.CheckboxSelectMultiple,
            "hero_image": forms.ClearableFileInput(attrs={"accept": "image/*"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        countries_field = self.fields["countries"]
        assert isinstance(countries_field, forms.ChoiceField)
        countries_field.choices = region_country_choices()
        initiatives = self.fields["initiatives"]
        assert isinstance(initiatives, forms.ModelMultipleChoiceField)
        initiatives.queryset = Initiative.objects.published().only("id", "name").order_by("name")
        sectors = self.fields["sectors"]
        assert isinstance(sectors, forms.ModelMultipleChoiceField)
        sectors.queryset = Sector.objects.all()
        labels = {
            "title": _("Title in %(language)s"),
            "summary": _("Summary in %(language)s"),
            "body": _("Text in %(language)s"),
            "hero_alt": _("Description of the main image in %(language)s"),
        }
        for field in self.TRANSLATED:
            for code, _name in settings.LANGUAGES:
                name = build_localized_fieldname(field, code)
                self.fields[name].label = labels[field] % {"language": LANGUAGE_LEGENDS[code]}
                self.fields[name].required = False
                self.fields[name].help_text = ""
                if field in ("summary",):
                    self.fields[name].widget = forms.Textarea(attrs={"rows": 3})
                if field == "body":
                    self.fields[name].widget = forms.Textarea(attrs={"rows": 14})
                    self.fields[name].help_text = _(
                        "Markdown: **bold**, *italics*, [link](https://…), ## subheading, - lists."
                    )
        self.fields["title_es"].required = True
        self.fields["title_es"].help_text = _(
            "A language appears to readers once its title is written."
        )
        if self.instance.pk:
            self.initial["countries"] = [c.code for c in self.instance.countries]
            self.initial["video_url"] = self.instance.video_watch_url

    def language_groups(self) -> list[tuple[str, Any, list]]:
        """(code, legend, bound fields) for each language, for the page to show side by side."""
        groups = []
        for code, _name in settings.LANGUAGES:
            names = [build_localized_fieldname(f, code) for f in self.TRANSLATED]
            groups.append((code, LANGUAGE_LEGENDS[code], [self[name] for name in names]))
        return groups

    def other_fields(self) -> list:
        translated = {
            build_localized_fieldname(f, code)
            for f in self.TRANSLATED
            for code, _name in settings.LANGUAGES
        }
        return [self[name] for name in self.fields if name not in translated]

    @property
    def hero_changed(self) -> bool:
        return "hero_image" in self.changed_data


class InterviewBlockForm(forms.ModelForm):
    class Meta:
        model = InterviewBlock
        fields = ["order", *translated_names("question"), *translated_names("answer")]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, _name in settings.LANGUAGES:
            language = LANGUAGE_LEGENDS[code]
            question = self.fields[build_localized_fieldname("question", code)]
            answer = self.fields[build_localized_fieldname("answer", code)]
            question.label = _("Question in %(language)s") % {"language": language}
            answer.label = _("Answer in %(language)s") % {"language": language}
            answer.widget = forms.Textarea(attrs={"rows": 4})
            question.required = answer.required = False
            question.help_text = answer.help_text = ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        answered = any(data.get(name) for name in translated_names("answer"))
        asked = any(data.get(name) for name in translated_names("question"))
        if answered and not asked:
            raise ValidationError(_("Write the question of this answer."))
        return data


InterviewBlockFormSet = inlineformset_factory(
    Story, InterviewBlock, form=InterviewBlockForm, extra=2, can_delete=True
)


class PublishForm(forms.Form):
    published_at = forms.DateTimeField(
        label=_("Publication date and time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("In your time zone. Leave empty to publish now; a later date schedules it."),
    )


class StoryAdminForm(_VideoAndImageRules):
    """The admin's form: the same video and image rules as the staff page."""

    video_url = forms.CharField(label=_("Video link"), required=False, max_length=300)

    class Meta:
        model = Story
        fields = [
            "kind",
            "slug",
            "status",
            "published_at",
            "title",
            "summary",
            "body",
            "hero_image",
            "hero_alt",
            "initiatives",
            "countries",
            "sectors",
            "topics",
            "author_credits",
            "proposal",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["video_url"] = self.instance.video_watch_url


def _move_video_errors(errors: ValidationError) -> None:
    """The model checks video_id; the form shows its message on the link field."""
    error_dict = getattr(errors, "error_dict", None)
    if error_dict and "video_id" in error_dict:
        error_dict.setdefault("video_url", []).extend(error_dict.pop("video_id"))


class ImageAdminForm(forms.ModelForm):
    def clean_image(self) -> Any:
        upload = self.cleaned_data.get("image")
        if isinstance(upload, UploadedFile):
            return clean_upload(upload, kinds={"image"}).content
        return upload
