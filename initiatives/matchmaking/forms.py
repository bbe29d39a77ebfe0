from datetime import datetime, time, timedelta
from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from initiatives.filters import country_choices
from initiatives.models import Initiative, Sector

from .models import CollaborationPost, Connection, Kind, Project, ProjectPartner, Topic

MAX_DAYS_AHEAD = 366


# The fields that several forms share, each written once.


def _topics_field() -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=Topic.objects.order_by("order"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one topic.")},
    )


def _language_field() -> forms.ChoiceField:
    return forms.ChoiceField(label=_("Language of the text"), choices=settings.LANGUAGES)


def _long_text_field(
    label: Any, *, max_length: int, rows: int, help_text: Any = "", required: bool = True
) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
    )


def _countries_field(label: Any, *, help_text: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=country_choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=help_text,
    )


def _initiative_field(label: Any, **options: Any) -> forms.ModelChoiceField:
    """One of the initiatives the form is given (its queryset is set per request)."""
    return forms.ModelChoiceField(label=label, queryset=Initiative.objects.none(), **options)


class PostForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    title = forms.CharField(
        label=_("Title"),
        max_length=160,
        help_text=_("One line, e.g. “Training in cybersecurity for agrifood SMEs”."),
    )
    topics = _topics_field()
    text = _long_text_field(
        _("Description"),
        max_length=5000,
        rows=8,
        help_text=_("What exactly, for whom, on what terms. Markdown is allowed."),
    )
    text_language = _language_field()
    sectors: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("Sectors"),
        queryset=Sector.objects.order_by("order"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The value chains this is meant for, if any."),
    )
    countries = _countries_field(
        _("Countries of interest"), help_text=_("Leave empty for the whole region.")
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("After this day it leaves the lists by itself (at most a year ahead)."),
    )

    def __init__(self, *args, direction: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.direction = direction
        if direction == CollaborationPost.Direction.NEED:
            self.fields["kind"].label = _("What kind of help you seek")
        else:
            self.fields["kind"].label = _("What kind of help you offer")
        if not self.is_bound and "expires_on" not in self.initial:
            self.initial["expires_on"] = timezone.localdate() + timedelta(days=90)

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        today = timezone.localdate()
        if day <= today:
            raise forms.ValidationError(_("Choose a day after today."))
        if day > today + timedelta(days=MAX_DAYS_AHEAD):
            raise forms.ValidationError(_("Choose a day within a year from today."))
        return day

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        day = data.pop("expires_on")
        # The end of the chosen day where the author lives (the middleware activated their zone).
        data["expires_at"] = timezone.make_aware(datetime.combine(day, time(23, 59, 59)))
        data["direction"] = self.direction
        return data

    @classmethod
    def initial_from(cls, post: CollaborationPost) -> dict:
        return {
            "kind": post.kind,
            "title": post.title,
            "topics": list(post.topics.all()),
            "text": post.text,
            "text_language": post.text_language,
            "sectors": list(post.sectors.all()),
            "countries": [c.code for c in post.countries],
            "expires_on": timezone.localtime(post.expires_at).date(),
        }


class InterestForm(forms.Form):
    from_initiative = _initiative_field(_("You write for"), empty_label=None)
    post = forms.ModelChoiceField(
        label=_("About"),
        queryset=CollaborationPost.objects.none(),
        required=False,
        empty_label=_("Their initiative in general"),
    )
    message = _long_text_field(
        _("Message"),
        max_length=3000,
        rows=7,
        help_text=_(
            "Say who you are and what you propose. Your contact details are shared only if "
            "they accept."
        ),
    )

    def __init__(self, *args, managed, target_posts, about: str = "", **kwargs):
        """`about`: the post the visitor came from (`?post=`), chosen at first."""
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["from_initiative"]).queryset = managed
        cast(forms.ModelChoiceField, self.fields["post"]).queryset = target_posts
        if about.isdigit():
            self.initial.setdefault("post", about)


class ConnectionStageForm(forms.Form):
    stage = forms.ChoiceField(
        label=_("How far you went"),
        choices=[(k, v) for k, v in Connection.Stage.choices if k],
    )


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = _long_text_field(
        _("Summary"),
        max_length=6000,
        rows=8,
        help_text=_("The aim, the activities, what each partner brings. Markdown is allowed."),
    )
    text_language = _language_field()
    topics = _topics_field()
    countries = _countries_field(
        _("Countries"),
        help_text=_("Where the project works. The partners' countries are shown anyway."),
    )
    call_to_join = _long_text_field(
        _("Call to join"),
        max_length=3000,
        rows=4,
        required=False,
        help_text=_("Whom you are looking for, shown while the consortium is forming."),
    )


class ProjectCreateForm(ProjectForm):
    lead = _initiative_field(_("Lead initiative"), empty_label=None)
    stage = forms.ChoiceField(label=_("Stage"), choices=Project.Stage.choices)
    partners = forms.ModelMultipleChoiceField(
        label=_("Invite partner initiatives"),
        queryset=Initiative.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Each one appears as a partner once its own managers confirm."),
    )

    field_order = ["lead", "title", "summary", "text_language", "topics", "countries", "stage"]

    def __init__(self, *args, managed, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = managed
        self.fields["partners"].queryset = Initiative.objects.published().order_by("name")

    def clean(self):
        data = super().clean()
        lead, partners = data.get("lead"), data.get("partners") or []
        if lead is not None and lead in partners:
            self.add_error("partners", _("The lead initiative is a partner already."))
        return data

    @staticmethod
    def initial_for(
        *,
        language: str,
        connection: Connection | None,
        own: list[Initiative],
        others: list[Initiative],
    ) -> dict[str, Any]:
        """A new project; one opened from a connection is led by the viewer's side, invites the
        other side, takes the connection's topics and starts with the consortium forming."""
        initial: dict[str, Any] = {"text_language": language or "es", "stage": "idea"}
        if connection is not None and own:
            initial.update(
                lead=own[0],
                partners=others,
                topics=list(connection.topics.all()),
                stage=Project.Stage.CONSORTIUM,
            )
        return initial


class ProjectEditForm(ProjectForm):
    results = _long_text_field(
        _("Results"),
        max_length=6000,
        rows=6,
        required=False,
        help_text=_("What the project achieved, shown once it is finished."),
    )

    @staticmethod
    def initial_from(project: Project) -> dict[str, Any]:
        """The project's text, or the edit still waiting for review."""
        pending = project.pending_changes or {}
        return {
            **{name: pending.get(name, getattr(project, name)) for name in Project.EDITABLE},
            "text_language": project.text_language,
            "topics": pending.get("topics") or list(project.topics.all()),
            "countries": pending.get("countries") or [c.code for c in project.countries],
        }


class ProjectStageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=Project.Stage.choices)


class InviteForm(forms.Form):
    initiative = _initiative_field(_("Initiative"), empty_label=_("Choose an initiative"))
    message = _long_text_field(_("Message"), max_length=2000, rows=3, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["initiative"].queryset = Initiative.objects.published().order_by("name")


class JoinForm(forms.Form):
    initiative = _initiative_field(_("Your initiative"), empty_label=None)
    message = _long_text_field(_("What your initiative brings"), max_length=2000, rows=3)

    def __init__(self, *args, managed, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["initiative"].queryset = managed


class UpdateForm(forms.Form):
    initiative = _initiative_field(_("On behalf of"), empty_label=None)
    text = _long_text_field(
        _("Update"),
        max_length=5000,
        rows=5,
        help_text=_("Markdown is allowed. Staff review it before it is public."),
    )

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["initiative"].queryset = partners


class PartnerForm(forms.Form):
    """The invitation or request to join that a confirm, decline, accept or refuse button answers
    (a hidden field: the buttons sit beside each waiting partner)."""

    partner = forms.ModelChoiceField(queryset=ProjectPartner.objects.none())

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        cast(
            forms.ModelChoiceField, self.fields["partner"]
        ).queryset = project.partners.select_related("initiative", "project")


def project_page_forms(
    *, project: Project, viewer: Any, action_form: str, data: Any
) -> dict[str, forms.Form]:
    """The forms of a project's page, by name; the one named `action_form` is bound to `data`.
    `viewer` is a `selectors.ProjectViewer`: the initiatives it may join with or speak for."""

    def bound(name: str) -> Any:
        return data if name == action_form else None

    return {
        "invite": InviteForm(bound("invite")),
        "join": JoinForm(bound("join"), managed=viewer.joinable),
        "update": UpdateForm(bound("update"), partners=viewer.partners),
        "stage": ProjectStageForm(bound("stage"), initial={"stage": project.stage}),
        "partner": PartnerForm(bound("partner"), project=project),
    }


class PostFilterForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("Offers or needs"),
        choices=[("", _("Both")), *list(CollaborationPost.Direction.choices)],
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Any kind")), *list(Kind.choices)], required=False
    )
    topic = forms.ChoiceField(label=_("Topic"), required=False)
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _filter_choices(self)
        self.fields["sector"].choices = [("", _("Any sector"))] + [
            (s.slug, s.name) for s in Sector.objects.order_by("order")
        ]

    def values(self) -> dict[str, str]:
        return _filter_values(self)


class ProjectFilterForm(forms.Form):
    stage = forms.ChoiceField(
        label=_("Stage"),
        choices=[("", _("Any stage")), *list(Project.Stage.choices)],
        required=False,
    )
    topic = forms.ChoiceField(label=_("Topic"), required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)
    forming = forms.BooleanField(label=_("Looking for partners"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _filter_choices(self)

    def values(self) -> dict:
        return _filter_values(self)


def _filter_choices(form: forms.Form) -> None:
    """The topic and country choices of a list's filters, read when the form is made."""
    cast(forms.ChoiceField, form.fields["topic"]).choices = [("", _("Any topic"))] + [
        (t.slug, t.name) for t in Topic.objects.order_by("order")
    ]
    cast(forms.ChoiceField, form.fields["country"]).choices = [
        ("", _("Any country")),
        *list(country_choices()),
    ]


def _filter_values(form: forms.Form) -> dict:
    """The filters chosen, for the selector's keyword arguments (none when the input is bad)."""
    if not form.is_valid():
        return {}
    return {k: v for k, v in form.cleaned_data.items() if v}
