import threading
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpResponse
from django.template import loader
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control

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


class StaffMFAMiddleware:
    """Django's administration asks staff and moderators for their authenticator app first.

    The platform's own moderator views need no list of paths: the moderator's power itself needs
    the app (roles.is_moderator), and roles.moderator_required sends a moderator without one to
    set it up. The admin's views are Django's, so its address is guarded here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(admin_prefix()) and roles.awaits_second_factor(request.user):
            return roles.send_to_second_factor_setup(request)
        return self.get_response(request)


@lru_cache(maxsize=1)
def admin_prefix() -> str:
    return reverse("admin:index")


_slots: dict[int, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()


def request_slots(limit: int) -> threading.BoundedSemaphore:
    """The process's shared slots for `limit` requests at once (one semaphore per limit)."""
    with _slots_lock:
        if limit not in _slots:
            _slots[limit] = threading.BoundedSemaphore(limit)
        return _slots[limit]


class ConcurrencyLimitMiddleware:
    """Sheds load: past MAX_CONCURRENT_REQUESTS requests in this process, answer 503 at once.

    Under overload a queue only makes every page late; a quick "busy, retry shortly" keeps the
    pages that are admitted fast. It needs spare server threads (gunicorn gthread) to answer the
    refusals. The health check, static files and media are never refused. It sits before the
    session and authentication middleware, so that a refusal costs no database or cache query.
    """

    retry_after = 5  # seconds

    def __init__(self, get_response):
        limit = settings.MAX_CONCURRENT_REQUESTS
        if limit <= 0:
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.slots = request_slots(limit)
        # Files cost next to nothing, and a page would look broken without them.
        self.exempt = (
            "/healthz",
            settings.STATIC_URL or "/static/",
            settings.MEDIA_URL or "/media/",
        )

    def __call__(self, request):
        if request.path.startswith(self.exempt):
            return self.get_response(request)
        if not self.slots.acquire(blocking=False):
            return self.busy(request)
        try:
            return self.get_response(request)
        finally:
            self.slots.release()

    def busy(self, request) -> HttpResponse:
        # LocaleMiddleware has not run yet: the language comes from the cookie or the browser.
        with translation.override(translation.get_language_from_request(request)):
            body = loader.render_to_string("503.html", {"retry_after": self.retry_after})
        response = HttpResponse(body, status=503)
        response["Retry-After"] = str(self.retry_after)
        response["X-Frame-Options"] = "DENY"
        patch_cache_control(response, no_store=True)
        return response
