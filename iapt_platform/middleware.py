import re
from functools import lru_cache

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from iapt_platform.accounts import roles
from iapt_platform.accounts.models import available_time_zones


def reader_time_zone(request) -> str:
    """The signed-in user's zone, else the zone the browser reported (tz cookie), else the default."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.time_zone
    cookie = request.COOKIES.get("tz", "")
    return cookie if cookie in available_time_zones() else settings.DEFAULT_READER_TIME_ZONE


class UserPreferencesMiddleware:
    """Applies a signed-in user's language and everyone's time zone to the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        zone = reader_time_zone(request)
        request.time_zone = zone
        timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


@lru_cache(maxsize=1)
def _staff_patterns() -> list[re.Pattern]:
    return [re.compile(p) for p in settings.MFA_REQUIRED_PATH_PATTERNS]


def _is_staff_path(path: str) -> bool:
    return path.startswith(tuple(settings.MFA_REQUIRED_PATH_PREFIXES)) or any(
        p.match(path) for p in _staff_patterns()
    )


class StaffMFAMiddleware:
    """Moderators and staff must set up TOTP before they reach the staff areas."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and _is_staff_path(request.path)
            and (user.is_staff or roles.is_moderator(user))
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            messages.warning(
                request,
                _("Staff areas need two-factor authentication. Set up an authenticator app first."),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
