from __future__ import annotations

import dataclasses
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from iapt_platform.lib.uploads import CleanFile, clean_upload, display_name
from initiatives.filters import country_choices
from initiatives.models import Initiative, Programme

from .models import Category, EmailFrequency, Flag, MemberProfile, Topic

MAX_ATTACHMENTS = 5
ATTACHMENT_KINDS = {"image", "pdf"}
BODY_MAX = 20_000


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class AttachmentsMixin(forms.Form):
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_(
            "Up to 5 pictures or PDF files. If the form comes back with an error, choose "
            "the files again."
        ),
    )

    def clean_attachments(self) -> list[CleanFile]:
        files = self.cleaned_data.get("attachments") or []
        if len(files) > MAX_ATTACHMENTS:
            raise ValidationError(
                _("Attach at most %(n)s files."), params={"n": MAX_ATTACHMENTS}, code="too_many"
            )
        cleaned = []
        for upload in files:
            clean = clean_upload(upload, kinds=ATTACHMENT_KINDS)
            # Images come back re-encoded without the sender's name: keep it for display.
            if not clean.original_name:
                clean = dataclasses.replace(clean, original_name=display_name(upload.name or ""))
            cleaned.append(clean)
        return cleaned


def _body_field(label: Any = None) -> forms.CharField:
    return forms.CharField(
        label=label or _("Message"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Markdown is accepted: **bold**, _italics_, lists, > quotes, [links](https://…). "
            "Mention a member with @ and their handle."
        ),
    )


class ThreadForm(AttachmentsMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = _body_field()
    is_question = forms.BooleanField(
        label=_("This is a question"),
        required=False,
        help_text=_("You can then mark the reply that answered it."),
    )
    field_order = ["title", "body", "is_question", "attachments"]


class ReplyForm(AttachmentsMixin, forms.Form):
    body = _body_field(_("Your reply"))
    field_order = ["body", "attachments"]


class EditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    body = _body_field()

    def __init__(self, *args: Any, opening: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if opening:
            self.fields["title"].required = True
        else:
            del self.fields["title"]


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong with this post?"),
        choices=Flag.Reason.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Details for the moderators"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the moderation history."),
    )


class ThreadModerationForm(ReasonForm):
    ACTIONS = [
        ("lock", _("Lock: no new replies")),
        ("unlock", _("Unlock")),
        ("pin", _("Pin at the top of the category")),
        ("unpin", _("Unpin")),
        ("hide", _("Hide the thread")),
        ("restore", _("Restore the thread")),
        ("move", _("Move to another category")),
    ]
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS, widget=forms.RadioSelect)
    category: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Category (to move)"), queryset=Category.objects.all(), required=False
    )
    field_order = ["action", "category", "reason"]


class SplitForm(ReasonForm):
    posts = forms.TypedMultipleChoiceField(
        label=_("Replies to move"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    title = forms.CharField(label=_("Title of the new thread"), max_length=200)
    category: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all()
    )
    field_order = ["posts", "title", "category", "reason"]

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["posts"]).choices = choices


class ProfileForm(forms.ModelForm):
    display_name = forms.CharField(label=_("Name shown to others"), max_length=120)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    position = forms.CharField(label=_("Position"), max_length=120, required=False)
    country = forms.ChoiceField(label=_("Country"), choices=[], required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages you speak"),
        choices=MemberProfile.LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = MemberProfile
        fields = [
            "handle",
            "bio",
            "organisation_type",
            "initiative",
            "programme",
            "expertise",
            "interests",
            "languages",
            "avatar",
            "email_visibility",
            "phone",
            "phone_visibility",
            "website",
            "website_visibility",
            "email_frequency",
        ]
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 5}),
            "expertise": forms.CheckboxSelectMultiple,
            "interests": forms.CheckboxSelectMultiple,
            "avatar": forms.ClearableFileInput(attrs={"accept": "image/*"}),
            "email_frequency": forms.RadioSelect,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = self.instance.user
        cast(forms.ChoiceField, self.fields["country"]).choices = [("", "—"), *country_choices()]
        for name in ("display_name", "organisation", "position", "country"):
            self.fields[name].initial = getattr(user, name)
        cast(forms.ModelChoiceField, self.fields["expertise"]).queryset = Topic.objects.order_by(
            "order"
        )
        cast(forms.ModelChoiceField, self.fields["interests"]).queryset = Topic.objects.order_by(
            "order"
        )
        cast(
            forms.ModelChoiceField, self.fields["initiative"]
        ).queryset = Initiative.objects.published().order_by("name")
        cast(
            forms.ModelChoiceField, self.fields["programme"]
        ).queryset = Programme.objects.order_by("name")
        self.order_fields(["display_name", "handle", "organisation", "position", "country"])

    def clean_handle(self) -> str:
        handle = self.cleaned_data["handle"].lower()
        if MemberProfile.objects.exclude(pk=self.instance.pk).filter(handle=handle).exists():
            raise ValidationError(_("Another member already uses this handle."))
        return handle

    def clean_avatar(self) -> Any:
        avatar = self.cleaned_data.get("avatar")
        if (
            avatar
            and avatar is not getattr(self.instance, "avatar", None)
            and hasattr(avatar, "content_type")
        ):
            return clean_upload(avatar, kinds={"image"}).content
        return avatar

    def save(self, commit: bool = True) -> MemberProfile:
        user = self.instance.user
        for name in ("display_name", "organisation", "position", "country"):
            setattr(user, name, self.cleaned_data.get(name) or "")
        return super().save(commit=commit)


class DirectoryForm(forms.Form):
    q = forms.CharField(label=_("Search members"), max_length=200, required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)
    topic = forms.ChoiceField(label=_("Topic"), required=False)
    organisation_type = forms.ChoiceField(
        label=_("Type of organisation"),
        choices=[("", _("All")), *MemberProfile.OrganisationType.choices],
        required=False,
    )

    def __init__(self, *args: Any, countries: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["country"]).choices = [("", _("All")), *countries]
        cast(forms.ChoiceField, self.fields["topic"]).choices = [
            ("", _("All")),
            *((t.slug, t.name) for t in Topic.objects.order_by("order")),
        ]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search the forum"), max_length=200, required=False)


class FrequencyForm(forms.Form):
    email_frequency = forms.ChoiceField(
        label=_("Forum emails"), choices=EmailFrequency.choices, widget=forms.RadioSelect
    )
