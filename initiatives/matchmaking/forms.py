from datetime import datetime, time, timedelta

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from initiatives.filters import country_choices
from initiatives.models import Initiative, Sector

from .models import CollaborationPost, Connection, Kind, Project, Topic

MAX_DAYS_AHEAD = 366


class PostForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    title = forms.CharField(
        label=_("Title"),
        max_length=160,
        help_text=_("One line, e.g. “Training in cybersecurity for agrifood SMEs”."),
    )
    topics: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=Topic.objects.order_by("order"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one topic.")},
    )
    text = forms.CharField(
        label=_("Description"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What exactly, for whom, on what terms. Markdown is allowed."),
    )
    text_language = forms.ChoiceField(label=_("Language of the text"), choices=settings.LANGUAGES)
    sectors: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("Sectors"),
        queryset=Sector.objects.order_by("order"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The value chains this is meant for, if any."),
    )
    countries = forms.MultipleChoiceField(
        label=_("Countries of interest"),
        choices=country_choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Leave empty for the whole region."),
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
    from_initiative = forms.ModelChoiceField(
        label=_("You write for"), queryset=Initiative.objects.none(), empty_label=None
    )
    post = forms.ModelChoiceField(
        label=_("About"),
        queryset=CollaborationPost.objects.none(),
        required=False,
        empty_label=_("Their initiative in general"),
    )
    message = forms.CharField(
        label=_("Message"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=_(
            "Say who you are and what you propose. Your contact details are shared only if "
            "they accept."
        ),
    )

    def __init__(self, *args, managed, target_posts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_initiative"].queryset = managed
        self.fields["post"].queryset = target_posts


class ConnectionStageForm(forms.Form):
    stage = forms.ChoiceField(
        label=_("How far you went"),
        choices=[(k, v) for k, v in Connection.Stage.choices if k],
    )


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=6000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("The aim, the activities, what each partner brings. Markdown is allowed."),
    )
    text_language = forms.ChoiceField(label=_("Language of the text"), choices=settings.LANGUAGES)
    topics: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=Topic.objects.order_by("order"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one topic.")},
    )
    countries = forms.MultipleChoiceField(
        label=_("Countries"),
        choices=country_choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Where the project works. The partners' countries are shown anyway."),
    )
    call_to_join = forms.CharField(
        label=_("Call to join"),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Whom you are looking for, shown while the consortium is forming."),
    )


class ProjectCreateForm(ProjectForm):
    lead = forms.ModelChoiceField(
        label=_("Lead initiative"), queryset=Initiative.objects.none(), empty_label=None
    )
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


class ProjectEditForm(ProjectForm):
    results = forms.CharField(
        label=_("Results"),
        max_length=6000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What the project achieved, shown once it is finished."),
    )


class ProjectStageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=Project.Stage.choices)


class InviteForm(forms.Form):
    initiative = forms.ModelChoiceField(
        label=_("Initiative"),
        queryset=Initiative.objects.none(),
        empty_label=_("Choose an initiative"),
    )
    message = forms.CharField(
        label=_("Message"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["initiative"].queryset = Initiative.objects.published().order_by("name")


class JoinForm(forms.Form):
    initiative = forms.ModelChoiceField(
        label=_("Your initiative"), queryset=Initiative.objects.none(), empty_label=None
    )
    message = forms.CharField(
        label=_("What your initiative brings"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, managed, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["initiative"].queryset = managed


class UpdateForm(forms.Form):
    initiative = forms.ModelChoiceField(
        label=_("On behalf of"), queryset=Initiative.objects.none(), empty_label=None
    )
    text = forms.CharField(
        label=_("Update"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Markdown is allowed. Staff review it before it is public."),
    )

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["initiative"].queryset = partners


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
        self.fields["topic"].choices = [("", _("Any topic"))] + [
            (t.slug, t.name) for t in Topic.objects.order_by("order")
        ]
        self.fields["sector"].choices = [("", _("Any sector"))] + [
            (s.slug, s.name) for s in Sector.objects.order_by("order")
        ]
        self.fields["country"].choices = [("", _("Any country")), *list(country_choices())]

    def values(self) -> dict[str, str]:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


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
        self.fields["topic"].choices = [("", _("Any topic"))] + [
            (t.slug, t.name) for t in Topic.objects.order_by("order")
        ]
        self.fields["country"].choices = [("", _("Any country")), *list(country_choices())]

    def values(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}
