from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from community.models import Thread, Topic
from iapt_platform.lib import languages
from initiatives.filters import country_choices
from initiatives.models import Initiative
from library.models import Resource

from .models import AgendaItem, Answer, LineOfWork, Round

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
LANGUAGE_SUFFIXES = (("es", "es"), ("en", "en"), ("pt-br", "pt_br"))
REASON_LABELS = {
    "es": _("Reason in Spanish"),
    "en": _("Reason in English"),
    "pt-br": _("Reason in Portuguese"),
}


class LocalDateTimeField(forms.DateTimeField):
    """A date and time in the reader's own zone (Django places a naive value in it)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_FORMAT)


class RoundForm(forms.ModelForm):
    proposals_open_at = LocalDateTimeField(label=_("Proposals open"))
    proposals_close_at = LocalDateTimeField(label=_("Proposals close"))
    prioritising_open_at = LocalDateTimeField(label=_("Prioritising opens"))
    prioritising_close_at = LocalDateTimeField(label=_("Prioritising closes"))
    lines_of_work = forms.ModelMultipleChoiceField(
        label=_("Lines of work"),
        queryset=LineOfWork.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Round
        fields = [
            "title_es",
            "title_en",
            "title_pt_br",
            "description_es",
            "description_en",
            "description_pt_br",
            "lines_of_work",
            "proposals_open_at",
            "proposals_close_at",
            "prioritising_open_at",
            "prioritising_close_at",
            "supports_per_member",
        ]
        labels = {
            "title_es": _("Title in Spanish"),
            "title_en": _("Title in English"),
            "title_pt_br": _("Title in Portuguese"),
            "description_es": _("Description in Spanish"),
            "description_en": _("Description in English"),
            "description_pt_br": _("Description in Portuguese"),
        }
        widgets = {
            f"description_{suffix}": forms.Textarea(attrs={"rows": 4})
            for _code, suffix in LANGUAGE_SUFFIXES
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for _code, suffix in LANGUAGE_SUFFIXES:
            self.fields[f"title_{suffix}"].required = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        p_open, p_close = data.get("proposals_open_at"), data.get("proposals_close_at")
        v_open, v_close = data.get("prioritising_open_at"), data.get("prioritising_close_at")
        if p_open and p_close and p_close <= p_open:
            self.add_error("proposals_close_at", _("Proposals must close after they open."))
        if v_open and v_close and v_close <= v_open:
            self.add_error("prioritising_close_at", _("Prioritising must close after it opens."))
        if p_open and v_open and v_open < p_open:
            self.add_error(
                "prioritising_open_at", _("Prioritising cannot open before proposals do.")
            )
        return data


def _linked(lines: str) -> dict[str, list[Any]]:
    """Addresses of this platform, one a line, as the initiatives, resources and forum threads
    they name; anything else is refused with its line."""
    found: dict[str, list[Any]] = {"initiatives": [], "resources": [], "threads": []}
    for line in (line.strip() for line in lines.splitlines()):
        if not line:
            continue
        path = urlsplit(line).path or "/"
        prefix = languages.language_from_path(path)
        if prefix:
            path = path[len(prefix) + 1 :]
        try:
            with translation.override(languages.DEFAULT):
                match = resolve(path)
        except Resolver404:
            match = None
        target = None
        if match and match.view_name == "initiatives:detail":
            target = (
                "initiatives",
                Initiative.objects.published().filter(slug=match.kwargs["slug"]),
            )
        elif match and match.view_name == "library:detail":
            target = ("resources", Resource.objects.published().filter(slug=match.kwargs["slug"]))
        elif match and match.view_name == "community:thread":
            target = (
                "threads",
                Thread.objects.filter(pk=match.kwargs["pk"], is_published=True, hidden=False),
            )
        obj = target[1].first() if target else None
        if target is None or obj is None:
            raise forms.ValidationError(
                _(
                    "“%(line)s” is not the address of a published initiative, library resource "
                    "or forum thread of this platform."
                ),
                params={"line": line[:120]},
            )
        found[target[0]].append(obj)
    return found


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What should the community do, and why? Markdown is accepted."),
        max_length=10_000,
    )
    line_of_work = forms.ModelChoiceField(
        label=_("Line of work"), queryset=LineOfWork.objects.none(), widget=forms.RadioSelect
    )
    countries = forms.MultipleChoiceField(
        label=_("Countries (optional)"),
        choices=country_choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics (optional)"),
        queryset=Topic.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    links = forms.CharField(
        label=_("Related initiatives, resources or forum threads (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Their addresses on this platform, one a line."),
    )

    def __init__(self, *args: Any, agenda_round: Round, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line_of_work"].queryset = agenda_round.lines_of_work.all()  # type: ignore[attr-defined]

    def clean_links(self) -> dict[str, list[Any]]:
        return _linked(self.cleaned_data.get("links", ""))


class AnswerForm(forms.Form):
    """The official answer, with its reason in the proposal's language first."""

    answer = forms.ChoiceField(label=_("Answer"), choices=Answer.choices, widget=forms.RadioSelect)

    def __init__(self, *args: Any, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ordered = sorted(LANGUAGE_SUFFIXES, key=lambda pair: pair[0] != language)
        for code, suffix in ordered:
            self.fields[f"answer_reason_{suffix}"] = forms.CharField(
                label=REASON_LABELS[code],
                required=code == language,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def reasons(self) -> dict[str, str]:
        return {
            code: self.cleaned_data.get(f"answer_reason_{suffix}", "")
            for code, suffix in LANGUAGE_SUFFIXES
        }


class AgendaItemForm(forms.ModelForm):
    class Meta:
        model = AgendaItem
        fields = [
            "title_es",
            "title_en",
            "title_pt_br",
            "year",
            "responsible",
            "target_date",
            "meetings",
            "resources",
            "stories",
            "projects",
        ]
        labels = {
            "title_es": _("Title in Spanish"),
            "title_en": _("Title in English"),
            "title_pt_br": _("Title in Portuguese"),
        }
        widgets = {
            "target_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "meetings": forms.SelectMultiple(attrs={"size": 6}),
            "resources": forms.SelectMultiple(attrs={"size": 6}),
            "stories": forms.SelectMultiple(attrs={"size": 6}),
            "projects": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from django.contrib.auth import get_user_model

        from community.meetings.models import Meeting
        from initiatives.matchmaking.models import Project
        from initiatives.stories.models import Story

        super().__init__(*args, **kwargs)
        staff = get_user_model().objects.filter(groups__name="moderator").order_by("display_name")
        self.fields["responsible"].queryset = staff  # type: ignore[attr-defined]
        self.fields["title_es"].required = True
        meetings = self.fields["meetings"]
        meetings.queryset = Meeting.objects.published().order_by("-starts_at")  # type: ignore[attr-defined]
        # Monthly sessions share a title: the date tells them apart.
        meetings.label_from_instance = lambda meeting: (  # type: ignore[attr-defined]
            f"{meeting.title} · {date_format(timezone.localtime(meeting.starts_at), 'DATE_FORMAT')}"
        )
        for name in ("meetings", "resources", "stories", "projects"):
            self.fields[name].help_text = _("Choose several with Ctrl (or ⌘) held down.")
        self.fields["resources"].queryset = Resource.objects.published().order_by("title")  # type: ignore[attr-defined]
        self.fields["stories"].queryset = Story.objects.public().order_by("-published_at")  # type: ignore[attr-defined]
        self.fields["projects"].queryset = Project.objects.published().order_by("-id")  # type: ignore[attr-defined]


class ReportForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=AgendaItem.Status.choices)
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    body_es = forms.CharField(
        label=_("What happened, in Spanish"), widget=forms.Textarea(attrs={"rows": 3})
    )
    body_en = forms.CharField(
        label=_("What happened, in English"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    body_pt_br = forms.CharField(
        label=_("What happened, in Portuguese"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def bodies(self) -> dict[str, str]:
        return {
            code: self.cleaned_data.get(f"body_{suffix}", "") for code, suffix in LANGUAGE_SUFFIXES
        }


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10_000,
        help_text=_("Markdown is accepted. Comments are posts in the proposal's forum thread."),
    )
