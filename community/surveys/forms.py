"""The builder (a survey and its questions, each in three languages, in one staff form) and the
answering form, built from a survey's questions in the reader's language."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext_lazy as _
from modeltranslation.utils import build_localized_fieldname

from iapt_platform.lib.translated import in_language

from .models import Question, Survey

LANGUAGE_LEGENDS = {"es": _("Spanish"), "en": _("English"), "pt-br": _("Portuguese")}
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
MAX_CHOICES = 12
TEXT_MAX = 2000
DATE_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def translated_names(field: str) -> list[str]:
    return [build_localized_fieldname(field, code) for code in LANGUAGE_CODES]


def choices_field(code: str) -> str:
    return "choices_" + code.replace("-", "_")


class SurveyForm(forms.ModelForm):
    TRANSLATED = ("title", "intro")

    class Meta:
        model = Survey
        fields = [
            *translated_names("title"),
            *translated_names("intro"),
            "audience",
            "meeting",
            "opens_at",
            "closes_at",
        ]
        widgets = {"opens_at": DATE_WIDGET, "closes_at": DATE_WIDGET}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from community.meetings.models import Meeting

        for code in LANGUAGE_CODES:
            language = LANGUAGE_LEGENDS[code]
            title = self.fields[build_localized_fieldname("title", code)]
            intro = self.fields[build_localized_fieldname("intro", code)]
            title.label = _("Title in %(language)s") % {"language": language}
            intro.label = _("Introduction in %(language)s") % {"language": language}
            intro.widget = forms.Textarea(attrs={"rows": 3})
            title.required = code == settings.MODELTRANSLATION_DEFAULT_LANGUAGE
            intro.required = False
            title.help_text = intro.help_text = ""
        meeting_field: Any = self.fields["meeting"]
        meeting_field.queryset = Meeting.objects.exclude(status="cancelled").order_by("-starts_at")
        self.fields["meeting"].help_text = _(
            "A survey for a meeting goes by email to those who attended, once, after it ends."
        )
        for name in ("opens_at", "closes_at"):
            date_field: Any = self.fields[name]
            date_field.input_formats = ["%Y-%m-%dT%H:%M"]

    def language_groups(self) -> list[tuple[str, Any, list]]:
        return [
            (
                code,
                LANGUAGE_LEGENDS[code],
                [self[build_localized_fieldname(f, code)] for f in self.TRANSLATED],
            )
            for code in LANGUAGE_CODES
        ]

    def other_fields(self) -> list:
        translated = {
            build_localized_fieldname(f, c) for f in self.TRANSLATED for c in LANGUAGE_CODES
        }
        return [self[name] for name in self.fields if name not in translated]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        audience, meeting = data.get("audience"), data.get("meeting")
        if audience == Survey.Audience.ATTENDEES and meeting is None:
            self.add_error("meeting", _("Choose the meeting whose attendees answer."))
        if audience != Survey.Audience.ATTENDEES and meeting is not None:
            self.add_error(
                "audience", _("A survey attached to a meeting is answered by its attendees.")
            )
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The survey must close after it opens."))
        return data


class QuestionForm(forms.ModelForm):
    """A question and its choices, one choice per line in each language."""

    class Meta:
        model = Question
        fields = ["position", "kind", *translated_names("text"), "required"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["position"].label = _("Order in the survey")
        self.fields["position"].help_text = _("Questions are shown in the order of this number.")
        self.fields["position"].required = False
        if not self.instance.pk:
            self.initial["position"] = None  # an empty new question stays unchanged
        for code in LANGUAGE_CODES:
            language = LANGUAGE_LEGENDS[code]
            text = self.fields[build_localized_fieldname("text", code)]
            text.label = _("Question in %(language)s") % {"language": language}
            text.required = False
            text.help_text = ""
            field = forms.CharField(
                label=_("Choices in %(language)s") % {"language": language},
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text=_("One per line, in the same order in each language."),
            )
            self.fields[choices_field(code)] = field
            if self.instance.pk:
                labels = [
                    getattr(c, build_localized_fieldname("label", code)) or ""
                    for c in self.instance.choices.all()
                ]
                self.initial[choices_field(code)] = "\n".join(labels)

    def choice_lines(self, code: str) -> list[str]:
        text = self.cleaned_data.get(choices_field(code)) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.has_changed() or data.get("DELETE"):
            return data
        source = build_localized_fieldname("text", settings.MODELTRANSLATION_DEFAULT_LANGUAGE)
        if not data.get(source):
            self.add_error(
                source, _("Write the question in Spanish (the other languages fall back to it).")
            )
        if data.get("kind") in Question.CHOICE_KINDS:
            counts = {code: len(self.choice_lines(code)) for code in LANGUAGE_CODES}
            first = counts[settings.MODELTRANSLATION_DEFAULT_LANGUAGE]
            if first < 2:
                self.add_error(
                    choices_field(settings.MODELTRANSLATION_DEFAULT_LANGUAGE),
                    _("Write at least two choices, one per line."),
                )
            elif first > MAX_CHOICES:
                self.add_error(
                    choices_field(settings.MODELTRANSLATION_DEFAULT_LANGUAGE),
                    _("At most %(max)s choices.") % {"max": MAX_CHOICES},
                )
            for code, count in counts.items():
                if count and count != first:
                    self.add_error(
                        choices_field(code),
                        _("Write as many choices as in Spanish (%(count)s), or none.")
                        % {"count": first},
                    )
        return data


def is_deleted(form: forms.BaseForm) -> bool:
    """A question form of a valid formset whose "Delete" box is ticked."""
    return bool(getattr(form, "cleaned_data", {}).get("DELETE"))


class BaseQuestionFormSet(BaseInlineFormSet):
    """Once people have answered, the questions they answered keep their kind and their number
    of choices (renaming is fine: a typo fixed), so that no answer changes meaning."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        live = [f for f in self.forms if f.has_changed() or f.instance.pk]
        live = [f for f in live if not is_deleted(f)]
        if not live:
            raise ValidationError(_("Add at least one question."))
        answered = (
            set(
                Question.objects.filter(survey=self.instance, answers__isnull=False)
                .values_list("pk", flat=True)
                .distinct()
            )
            if self.instance.pk
            else set()
        )
        for form in self.forms:
            question = form.instance
            if question.pk not in answered:
                continue
            if is_deleted(form):
                raise ValidationError(
                    _("“%(question)s” has answers: it cannot be removed.")
                    % {"question": question.text}
                )
            if "kind" in form.changed_data:
                form.add_error("kind", _("People have answered this question: its kind stays."))
            if question.has_choices:
                before = len(question.choices.all())
                now = len(form.choice_lines(settings.MODELTRANSLATION_DEFAULT_LANGUAGE))
                if now != before:
                    form.add_error(
                        choices_field(settings.MODELTRANSLATION_DEFAULT_LANGUAGE),
                        _(
                            "People have answered this question: keep its %(count)s choices "
                            "(you may reword them)."
                        )
                        % {"count": before},
                    )


QuestionFormSet = inlineformset_factory(
    Survey,
    Question,
    form=QuestionForm,
    formset=BaseQuestionFormSet,
    extra=2,
    can_delete=True,
)


class PublishForm(forms.Form):
    action = forms.ChoiceField(choices=[("publish", "publish"), ("unpublish", "unpublish")])


def _label(obj: Any, field: str, language: str) -> str:
    return in_language(obj, field, language).text


class AnswerForm(forms.Form):
    """One field per question, named `q<id>`, labelled in the reader's language."""

    def __init__(self, *args: Any, questions: list[Question], language: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            label = _label(question, "text", language)
            required = question.required
            field: forms.Field
            if question.kind == Question.Kind.SINGLE:
                field = forms.TypedChoiceField(
                    choices=[(c.pk, _label(c, "label", language)) for c in question.choices.all()],
                    coerce=int,
                    widget=forms.RadioSelect,
                )
            elif question.kind == Question.Kind.MULTIPLE:
                field = forms.TypedMultipleChoiceField(
                    choices=[(c.pk, _label(c, "label", language)) for c in question.choices.all()],
                    coerce=int,
                    widget=forms.CheckboxSelectMultiple,
                )
            elif question.kind == Question.Kind.SCALE:
                field = forms.TypedChoiceField(
                    choices=[(n, str(n)) for n in Question.SCALE],
                    coerce=int,
                    widget=forms.RadioSelect(attrs={"class": "survey-scale"}),
                    help_text=_("1 is the lowest, 5 the highest."),
                )
            else:
                field = forms.CharField(
                    max_length=TEXT_MAX,
                    widget=forms.Textarea(attrs={"rows": 4}),
                    help_text=_("Only the organisers read it."),
                )
            field.label = label
            field.required = required
            if required:
                field.error_messages["required"] = _("Please answer this question.")
            self.fields[f"q{question.pk}"] = field

    def answers(self) -> dict[Question, Any]:
        """Each answered question and its value: choice ids, a number, or text."""
        result: dict[Question, Any] = {}
        for question in self.questions:
            value = self.cleaned_data.get(f"q{question.pk}")
            if value in (None, "", []):
                continue
            result[question] = value
        return result
