from typing import Any

from allauth.account import forms as account_forms
from allauth.core import context
from allauth.core.internal import ratelimit
from allauth.core.internal.ratelimit import RateLimitUsage
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.adapter import get_adapter as mfa_adapter
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.internal.flows.add import validate_can_add_authenticator
from allauth.mfa.models import Authenticator
from allauth.mfa.totp import forms as totp_forms
from allauth.mfa.totp.internal import auth as totp_auth
from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from iapt_platform.lib.timezones import canonical, time_zone_choices

from .models import User

__all__ = [
    "ProfileForm",
    "SignupForm",
    "time_zone_choices",
]  # the meetings' forms take the choices from here


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)

    class Meta:
        model = User
        fields = ["display_name", "organisation", "position", "country", "language", "time_zone"]
        help_texts = {
            "display_name": _("How other members see you. Leave empty to use your email's name.")
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A zone saved under an old name (some browsers report aliases) is shown as its zone.
        if self.instance.time_zone:
            self.initial["time_zone"] = canonical(self.instance.time_zone)


# --- Sign-up --------------------------------------------------------------------------------------
class SignupForm(account_forms.SignupForm):
    """allauth's sign-up, asking to accept the terms of use and the privacy notice.

    The versions shown travel with the form, so that the consent names the text the person read
    even when a moderator publishes a new version while they fill it in.
    """

    PAGES = ("terms", "privacy")

    accept_terms = forms.BooleanField(
        label=_("I accept the terms of use and I have read the privacy notice."),
        error_messages={"required": _("To join, accept the terms of use.")},
    )
    # Never a reason to refuse a sign-up: a missing or odd number records the current version.
    terms_version = forms.CharField(widget=forms.HiddenInput, required=False, max_length=10)
    privacy_version = forms.CharField(widget=forms.HiddenInput, required=False, max_length=10)

    def __init__(self, *args, **kwargs):
        from iapt_platform.pages import selectors as pages

        super().__init__(*args, **kwargs)
        # Last, after the passwords (allauth orders its own fields first).
        for name in ("accept_terms", "terms_version", "privacy_version"):
            self.fields[name] = self.fields.pop(name)
        self.shown = pages.versions_current(slugs=self.PAGES)
        for slug in self.PAGES:
            if slug in self.shown:
                self.fields[f"{slug}_version"].initial = self.shown[slug].number
        links = [
            format_html(
                '<a href="{}">{}</a>',
                reverse("pages:page", args=[slug]),
                label,
            )
            for slug, label in (
                ("terms", gettext("Read the terms of use")),
                ("privacy", gettext("Read the privacy notice")),
            )
        ]
        self.fields["accept_terms"].help_text = format_html("{} · {}", *links)

    def accepted_versions(self) -> list:
        """The version of each page the person was shown (the current one if the form lost it)."""
        from iapt_platform.pages import selectors as pages

        versions = []
        for slug in self.PAGES:
            number = self.cleaned_data.get(f"{slug}_version") or ""
            shown = pages.version_get(slug=slug, number=int(number)) if number.isdigit() else None
            version = shown or self.shown.get(slug)
            if version is not None:
                versions.append(version)
        return versions

    def custom_signup(self, request, user) -> None:
        """allauth's hook, called once the account exists (not for an address already taken)."""
        from iapt_platform.pages import services as pages

        super().custom_signup(request, user)
        pages.consent_record(user=user, versions=self.accepted_versions())


# --- Second factor --------------------------------------------------------------------------------
# allauth counts wrong codes with the password's failure limit, per account: five wrong codes shut
# the right one out for five minutes, whoever typed them. Here wrong codes are counted per account
# and address with a short window (the owner's typing mistakes cost half a minute at most), and per
# account over an hour, which bounds guessing from many addresses (MFA_RATE_LIMITS in settings).
def _consume_code_attempt(user) -> RateLimitUsage:
    request = context.request
    ip = ratelimit.get_ip(request)
    config = mfa_settings.RATE_LIMITS
    nearby = ratelimit.consume(
        request, app="allauth.mfa", action="code_failed", key=f"{user.pk}:{ip}", config=config
    )
    if nearby is None:
        raise forms.ValidationError(
            _("Too many wrong codes. Wait half a minute and try again."), code="rate_limited"
        )
    anywhere = ratelimit.consume(
        request, app="allauth.mfa", action="code_failed_account", key=str(user.pk), config=config
    )
    if anywhere is None:
        nearby.rollback()
        raise forms.ValidationError(
            _("Too many wrong codes for this account in the last hour. Try again later."),
            code="rate_limited",
        )
    return RateLimitUsage(usage=nearby.usage + anywhere.usage)


class _CodeLimitMixin:
    """allauth's code forms with the platform's count of wrong codes (a right code is free)."""

    user: Any

    def clean_code(self) -> str:
        attempt = _consume_code_attempt(self.user)
        code = self._check_code(self.cleaned_data["code"])  # type: ignore[attr-defined]
        attempt.rollback()
        return code


class AuthenticateForm(_CodeLimitMixin, mfa_forms.AuthenticateForm):
    def _check_code(self, code: str) -> str:
        # allauth's loop without its own rate limit: every authenticator that takes typed codes.
        main = None
        for auth in Authenticator.objects.filter(user=self.user).exclude(
            type=Authenticator.Type.WEBAUTHN
        ):
            if not main or auth.type == Authenticator.Type.TOTP:
                main = auth
            if auth.wrap().validate_code(code):
                auth.user = self.user
                self.authenticator = auth
                return code
        if main:
            self._emit_authentication_failed(main)
        raise mfa_adapter().validation_error("incorrect_code")


class ReauthenticateForm(_CodeLimitMixin, mfa_forms.ReauthenticateForm):
    _check_code = AuthenticateForm._check_code


class ActivateTOTPForm(_CodeLimitMixin, totp_forms.ActivateTOTPForm):
    def clean_code(self) -> str:
        validate_can_add_authenticator(self.user)
        return super().clean_code()

    def _check_code(self, code: str) -> str:
        if not totp_auth.validate_totp_code(self.secret, code):
            raise mfa_adapter().validation_error("incorrect_code")
        return code


# --- Closing an account ---------------------------------------------------------------------------
class CloseAccountForm(forms.Form):
    """The person types their address: a deliberate act, the same in every language."""

    remove_posts = forms.BooleanField(
        label=_("Also remove my forum posts that nobody quoted"),
        required=False,
        help_text=_(
            "Posts that someone quoted in a reply stay, shown as from a former member, so that "
            "the replies still make sense."
        ),
    )
    confirmation = forms.CharField(
        label=_("Type your email address to confirm"), max_length=254, strip=True
    )

    def __init__(self, *args: Any, account: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account = account
        self.fields["confirmation"].widget.attrs.update(
            {"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false"}
        )

    def clean_confirmation(self) -> str:
        typed = self.cleaned_data["confirmation"]
        if typed.lower() != self.account.email.lower():
            raise forms.ValidationError(
                _("This is not the account's email address. Nothing was deleted."),
                code="mismatch",
            )
        return typed


class CloseMemberAccountForm(CloseAccountForm):
    """A moderator closes an account at the person's request, and says which request."""

    reason = forms.CharField(
        label=_("Reason and request"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_(
            "For the audit: when and how the person asked (for example “email of 3 March”). "
            "Do not copy their personal data here."
        ),
    )
    field_order = ["reason", "remove_posts", "confirmation"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["remove_posts"].label = _("Also remove their forum posts that nobody quoted")
        self.fields["confirmation"].label = _("Type the account's email address to confirm")
