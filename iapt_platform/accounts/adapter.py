from types import SimpleNamespace

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal.ratelimit import get_ip
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from iapt_platform.lib import emails
from iapt_platform.lib.timezones import canonical

from . import roles
from .models import available_time_zones


class AccountAdapter(DefaultAccountAdapter):
    """Routes allauth's emails through the platform's one email helper and sets up new accounts."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": _(
            "Too many failed sign-in attempts for this account from your network. Wait a few "
            "minutes and try again, or reset your password."
        ),
    }

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """Wrong passwords count per account AND address (ACCOUNT_RATE_LIMITS["login_failed"]):
        anyone can fail on purpose, and must not shut the owner out from their own network."""
        account = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account}:{get_ip(request)}"

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        # A new account starts in the language the person was reading in, and in the time zone
        # their browser reported (cookie set by static/js/tz.js), when it is a real zone.
        user.language = _supported_language(translation.get_language())
        browser_zone = request.COOKIES.get("tz", "") if request else ""
        if browser_zone in available_time_zones():
            user.time_zone = canonical(browser_zone)  # "America/Buenos_Aires" is an old name
        if commit:
            user.save()
            roles.grant_role(user, roles.MEMBER)
        return user

    def confirm_email(self, request, email_address):
        """Verifying the first address completes the sign-up: welcome the new member."""
        first_time = not email_address.user.emailaddress_set.filter(verified=True).exists()
        super().confirm_email(request, email_address)
        if first_time:
            emails.send(template="welcome", to=email_address.user)

    def send_mail(self, template_prefix, email, context):
        emails.queue(self.render_allauth_mail(template_prefix, email, context))

    def render_allauth_mail(self, template_prefix, email, context) -> emails.RenderedEmail:
        """allauth's message in the recipient's language, inside the platform's email frame."""
        user = context.get("user") or self._user_for(email)
        language = getattr(user, "language", None) or translation.get_language()
        with translation.override(language):
            # allauth's templates greet "from {{ current_site.name }}": the platform's own name.
            site = SimpleNamespace(
                name=gettext("IAPT Platform"), domain=settings.SITE_URL.split("://")[-1]
            )
            context = {"email": email, "current_site": site, **context}
            subject = render_to_string(f"{template_prefix}_subject.txt", context).strip()
            subject = self.format_email_subject(" ".join(subject.splitlines()))
            text = render_to_string(f"{template_prefix}_message.txt", context)
        return emails.render_rendered(
            to=email, subject=subject, text=text, language=language, html_template=None
        )

    def _user_for(self, email):
        from .models import User

        return User.objects.filter(email__iexact=email).first()


def _supported_language(code: str | None) -> str:
    codes = [c for c, _name in settings.LANGUAGES]
    return code if code in codes else settings.LANGUAGE_CODE
