import logging
import re
import threading
import time
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_to_bytes

from csp.constants import HEADER as CSP_HEADER
from csp.constants import HEADER_REPORT_ONLY as CSP_HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import MiddlewareNotUsed
from django.core.signals import setting_changed
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.template import loader
from django.urls import Resolver404, get_script_prefix, resolve, reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from whitenoise.base import WhiteNoise
from whitenoise.middleware import WhiteNoiseMiddleware

from iapt_platform.accounts import roles
from iapt_platform.accounts.models import available_time_zones
from iapt_platform.lib import languages, logs, pagecache
from iapt_platform.lib.http import for_the_api

logger = logging.getLogger(__name__)


class RequestIdMiddleware:
    """Gives each request an id for its log lines, and puts the signed-in user's id beside it.

    A sane `X-Request-ID` from the proxy is kept (one id from the balancer to the logs), else a new
    one; the response echoes it. The user is known once the other middleware have run, so it is
    read in process_view, and again after the view for a sign-in or sign-out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = logs.request_id_from(request.headers.get("X-Request-ID"))
        logs.request_started(request.request_id)
        response = self.get_response(request)
        if hasattr(request, "user"):
            logs.request_user(request.user)
        response["X-Request-ID"] = request.request_id
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        logs.request_user(getattr(request, "user", None))


def reader_time_zone(request) -> str:
    """The signed-in user's zone, else the zone the browser reported (the tz cookie), else the default."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.time_zone
    cookie = request.COOKIES.get(settings.TIME_ZONE_COOKIE_NAME, "")
    return cookie if cookie in available_time_zones() else settings.DEFAULT_READER_TIME_ZONE


def early_language(request) -> str:
    """The language of an answer given before the user is known (a 503, a 400)."""
    return languages.language_from_path(request.path_info) or translation.get_language_from_request(
        request
    )


class LanguageMiddleware:
    """The language of each request, in place of Django's LocaleMiddleware (lib/languages.py).

    A prefixed address (`/en/…`, `/pt-br/…`) is in its language, whoever reads it: a link shows
    what its sender saw. Every other address is in the reader's language (the member's profile,
    else the cookie, else the browser), and a public page asked there by a reader whose language
    is not Spanish is sent to the same page under the reader's prefix, so an old link shows what it
    showed before. LocaleMiddleware with prefix_default_language=False would show Spanish at every
    unprefixed address, the account and sign-in pages too. It needs the user: after
    AuthenticationMiddleware.
    """

    redirect_methods = ("GET", "HEAD")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        language = languages.language_from_path(path)
        negotiated = language is None
        if language is None:
            language = languages.reader_language(request)
            page = languages.public_page(path) if language != languages.DEFAULT else None
            if page is not None:
                if request.method in self.redirect_methods and not languages.is_language_neutral(
                    page
                ):
                    return self.to_prefixed(request, language)
                # A form posted to an old address, or a view the same in every language: the
                # address is found as the Spanish page's (process_view is after URL resolution),
                # the answer is in the reader's language.
                request._language_after_resolving = language
                language = languages.DEFAULT
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        self.mark(response, negotiated)
        return response

    @staticmethod
    def mark(response: HttpResponse, negotiated: bool) -> None:
        """The answer's language, and, when the reader's language chose it (an address without a
        prefix), what it depends on."""
        if negotiated:
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", translation.get_language())

    def process_view(self, request, view_func, view_args, view_kwargs):
        language = getattr(request, "_language_after_resolving", None)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language

    def to_prefixed(self, request, language: str) -> HttpResponse:
        script_prefix = get_script_prefix()
        address = request.get_full_path().replace(script_prefix, f"{script_prefix}{language}/", 1)
        response = HttpResponseRedirect(address)
        # The answer depends on who asks: no shared cache may give it to another reader.
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        patch_cache_control(response, private=True)
        return response


class UserPreferencesMiddleware:
    """Applies everyone's time zone to the request (the language: LanguageMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
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


class RequestSlots:
    """The process's slots for `limit` requests at once, and a waiting room as large.

    A request that finds every slot taken waits up to `wait` seconds for one (`admit`); past
    `limit` waiting requests, or past the wait, it is refused. A burst thus queues for a few
    milliseconds, while real overload is refused at once, keeping the server's spare threads free
    to answer the refusals."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.semaphore = threading.BoundedSemaphore(limit)
        self.lock = threading.Lock()
        self.waiting = 0

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        return self.semaphore.acquire(blocking, timeout if blocking else None)

    def release(self) -> None:
        self.semaphore.release()

    def admit(self, wait: float) -> bool:
        """Take a slot, waiting up to `wait` seconds; False when refused (then nothing to release)."""
        if self.semaphore.acquire(blocking=False):
            return True
        if wait <= 0:
            return False
        with self.lock:
            if self.waiting >= self.limit:
                return False
            self.waiting += 1
        try:
            return self.semaphore.acquire(timeout=wait)
        finally:
            with self.lock:
                self.waiting -= 1


_slots: dict[int, RequestSlots] = {}
_slots_lock = threading.Lock()


def request_slots(limit: int) -> RequestSlots:
    """The process's shared slots for `limit` requests at once (one set per limit)."""
    with _slots_lock:
        if limit not in _slots:
            _slots[limit] = RequestSlots(limit)
        return _slots[limit]


def _media_headers(headers: Any, path: str, url: str) -> None:
    # Only our own re-encoded pictures are stored there; should anything else ever land in the
    # directory, a browser must neither sniff it nor run it.
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Content-Security-Policy"] = "default-src 'none'; sandbox"


class PublicMediaMiddleware:
    """Serves the public media directory (MEDIA_ROOT: logos, library covers, story pictures,
    avatars) as files, as whitenoise serves the static ones: before the sessions, the database
    and the concurrency limit, in development and in production alike (SERVE_MEDIA; with S3 the
    bucket serves them). It looks files up on each request, since uploads arrive at any time.
    Private documents live in PRIVATE_MEDIA_ROOT, which nothing serves directly.
    """

    def __init__(self, get_response):
        if not settings.SERVE_MEDIA:
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.prefix = settings.MEDIA_URL
        self.files = WhiteNoise(
            None,
            root=settings.MEDIA_ROOT,
            prefix=settings.MEDIA_URL,
            autorefresh=True,  # look up each request: uploads are not known at start-up
            max_age=24 * 3600,  # names are never reused, but a withdrawn picture must go
            add_headers_function=_media_headers,
        )

    def __call__(self, request):
        if request.path_info.startswith(self.prefix) and request.method in ("GET", "HEAD"):
            found = self.files.find_file(request.path_info)
            if found is not None:
                return WhiteNoiseMiddleware.serve(found, request)
        return self.get_response(request)


class ConcurrencyLimitMiddleware:
    """Sheds load: past MAX_CONCURRENT_REQUESTS requests in this process, a short wait for a slot
    (REQUEST_QUEUE_TIMEOUT milliseconds, with no more waiting than there are slots), then a 503.

    Under overload a queue only makes every page late; a quick "busy, retry shortly" keeps the
    pages that are admitted fast. A burst is another matter: a client's keep-alive connections
    stay with the worker that accepted them, so one worker may get a few more requests at once
    than its slots while the others idle, and each slot frees within milliseconds; the wait serves
    those. It needs spare server threads (gunicorn gthread) to answer the refusals. The health
    check, static files and media are never refused. It sits before the session and
    authentication middleware, so that a refusal costs no database or cache query.
    """

    retry_after = 5  # seconds
    log_every = 60.0  # seconds between two warnings that requests were refused

    def __init__(self, get_response):
        limit = settings.MAX_CONCURRENT_REQUESTS
        if limit <= 0:
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.slots = request_slots(limit)
        self.wait = max(settings.REQUEST_QUEUE_TIMEOUT, 0) / 1000
        # Files cost next to nothing, and a page would look broken without them.
        self.exempt = (
            "/healthz",
            settings.STATIC_URL or "/static/",
            settings.MEDIA_URL or "/media/",
        )
        self.refused = 0
        self.logged_at = 0.0
        self.pages: dict[str, str] = {}  # the busy page in each language

    def __call__(self, request):
        if request.path.startswith(self.exempt):
            return self.get_response(request)
        if not self.slots.admit(self.wait):
            return self.busy(request)
        try:
            return self.get_response(request)
        finally:
            self.slots.release()

    def busy(self, request) -> HttpResponse:
        # LanguageMiddleware has not run yet: the address's language, else the cookie's or the
        # browser's. Each language's page is rendered once per process: under overload the
        # refusals are most of the work, and the page holds nothing of the request.
        language = early_language(request)
        body = self.pages.get(language)
        if body is None:
            with translation.override(language):
                context = {"retry_after": self.retry_after}
                body = self.pages[language] = loader.render_to_string("503.html", context)
        response = HttpResponse(body, status=503)
        response["Retry-After"] = str(self.retry_after)
        response["X-Frame-Options"] = "DENY"
        patch_cache_control(response, no_store=True)
        # Not one error line per refusal (thousands a minute under overload): one warning a
        # minute with the count.
        response._has_been_logged = True  # type: ignore[attr-defined]
        self.note_refusal()
        return response

    def note_refusal(self) -> None:
        self.refused += 1  # a count for the log: a lost increment between threads does no harm
        now = time.monotonic()
        if now - self.logged_at >= self.log_every:
            self.logged_at, refused, self.refused = now, self.refused, 0
            logger.warning(
                "load shedding: %d requests refused with a 503 since the last report "
                "(MAX_CONCURRENT_REQUESTS=%d, REQUEST_QUEUE_TIMEOUT=%d ms)",
                refused,
                self.slots.limit,
                round(self.wait * 1000),
            )


# Django decodes the path as UTF-8 and escapes back, as %XX, each byte that is not valid UTF-8.
_BROKEN_UTF8 = re.compile(r"%[89a-fA-F][0-9a-fA-F]")


def malformed_address(request) -> bool:
    """True when the path or the query holds a NUL byte or bytes that are not UTF-8."""
    path = request.path_info
    if "\x00" in path or _BROKEN_UTF8.search(path):
        return True
    # The query string is still as sent: what matters is what its %XX escapes decode to
    # (browsers escape every byte outside ASCII).
    raw = request.META.get("QUERY_STRING", "").encode("utf-8", "surrogateescape")
    query = unquote_to_bytes(raw.replace(b"+", b" "))
    try:
        query.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return b"\x00" in query


class MalformedAddressMiddleware:
    """A NUL byte or invalid UTF-8 anywhere in the path or the query string gets a 400 at once.

    No address of the platform holds either, and PostgreSQL refuses NUL in text (a token with
    `%00` was a 500 there); Django would turn invalid UTF-8 into `%XX` or U+FFFD and pass it on.
    One check here, before the session, the cache and any view, instead of one in every form,
    converter and lookup.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not malformed_address(request):
            return self.get_response(request)
        if for_the_api(request):  # the API's schema documents a JSON body for a 400
            response: HttpResponse = JsonResponse({"detail": "Malformed address."}, status=400)
            patch_cache_control(response, no_store=True)
            return response
        # LanguageMiddleware has not run yet: the address's language, else the cookie's or the
        # browser's.
        with translation.override(early_language(request)):
            body = loader.render_to_string("400.html")
        response = HttpResponse(body, status=400)
        patch_cache_control(response, no_store=True)
        return response


# What a view may set on its response to change the policy (django-csp's decorators).
_CSP_RESPONSE_PARTS = tuple(
    f"_csp_{part}{ro}" for part in ("config", "update", "replace") for ro in ("", "_ro")
)
_csp_policies: dict[bool, str] = {}  # the site's policy, and its report-only one, as built


def _forget_csp_policies(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _csp_policies.clear()


setting_changed.connect(_forget_csp_policies)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the site's policy built once per process.

    django-csp builds the header from the settings on every response, twice (the policy and the
    report-only one): about 50 microseconds, a tenth of what a kept page costs in all. It is the
    same string unless the view changed the policy (`csp_replace` and the other decorators) or
    the page used a nonce; those responses still go through django-csp as they are.
    """

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, part, None) is not None for part in _CSP_RESPONSE_PARTS
        ):
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:
            return response
        for report_only, header, exempt, setting in (
            (False, CSP_HEADER, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
            (True, CSP_HEADER_REPORT_ONLY, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
        ):
            policy = _csp_policies.get(report_only)
            if policy is None:
                policy = _csp_policies[report_only] = build_policy(report_only=report_only)
            if not policy or header in response or getattr(response, exempt, False) is not False:
                continue
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if not request.path_info.startswith(tuple(prefixes)):
                response[header] = policy
        # As django-csp: a nonce asked for after the header was written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


class KeptPageMiddleware:
    """A visitor's page kept whole (iapt_platform/lib/pagecache.py) answered before the session,
    the user, the messages and the rest of the middleware after this one, which a page from the
    cache needs none of, with every header they would have added.

    Only a plain GET from someone with no session cookie and no message cookie (nobody signed in,
    no half-done sign-in, no message to show) and not from htmx, for an address whose view is a
    kept page's (`pagecache.early_answer`), in the language and time zone LanguageMiddleware and
    UserPreferencesMiddleware would give it; a reader whose language sends them to a prefixed
    address goes on to LanguageMiddleware. The copy is the one the view's own decorator would
    serve, with the visitor's own CSRF token (their cookie read, or a new one set, as
    CsrfViewMiddleware does). What the skipped middleware add to an answer is added here by
    them (the content security policy, X-Frame-Options, the CSRF cookie, Content-Length) or as
    LanguageMiddleware does (Content-Language, Vary); the ones before this one (request id,
    HSTS and the other security headers, load shedding) run as for any request. Anything else
    goes through the whole chain, with what the lookup read passed on (not read twice).
    """

    def __init__(self, get_response):
        from django.contrib.messages.storage.cookie import CookieStorage

        storages = {
            "django.contrib.messages.storage.fallback.FallbackStorage",
            "django.contrib.messages.storage.cookie.CookieStorage",
            "django.contrib.messages.storage.session.SessionStorage",
        }
        if (
            settings.CSRF_USE_SESSIONS
            or settings.DISALLOWED_USER_AGENTS
            or settings.PREPEND_WWW
            or settings.MESSAGE_STORAGE not in storages
        ):
            raise MiddlewareNotUsed  # the session or the common middleware has a say first
        self.get_response = get_response
        self.cookies = {settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name}
        self.csrf = CsrfViewMiddleware(get_response)
        self.common = CommonMiddleware(get_response)
        self.frames = XFrameOptionsMiddleware(get_response)
        self.policy = ContentSecurityPolicyMiddleware(get_response)

    def __call__(self, request):
        if (
            request.method == "GET"
            and self.cookies.isdisjoint(request.COOKIES)
            and "HTTP_HX_REQUEST" not in request.META
        ):
            response = self.kept(request)
            if response is not None:
                return response
        return self.get_response(request)

    def kept(self, request) -> HttpResponse | None:
        path = request.path_info
        language = languages.language_from_path(path)
        negotiated = language is None
        if language is None:
            language = translation.get_language_from_request(request)
            if language != languages.DEFAULT and languages.public_page(path) is not None:
                return None  # sent to the page under their language's prefix
        translation.activate(language)
        zone = reader_time_zone(request)
        timezone.activate(zone)
        try:
            try:
                match = resolve(path, getattr(request, "urlconf", None))
            except Resolver404:
                return None
            answer = pagecache.early_answer(match.func)
            if answer is None:
                return None
            request.user = AnonymousUser()
            request.LANGUAGE_CODE, request.time_zone = language, zone
            request.resolver_match = match
            self.csrf.process_request(request)
            response = answer(request, *match.args, **match.kwargs)
        finally:
            timezone.deactivate()
        if response is None:
            return None
        # What the middleware after this one add to an answer, innermost first, as they would.
        response = self.policy.process_response(request, response)
        response = self.frames.process_response(request, response)
        LanguageMiddleware.mark(response, negotiated)
        response = self.csrf.process_response(request, response)
        return self.common.process_response(request, response)
