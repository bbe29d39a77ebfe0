import datetime
import logging
import time

import kombu
from django.conf import settings
from django.contrib.sitemaps import views as sitemap_views
from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from iapt_platform.accounts import services as account_services
from iapt_platform.lib import home as home_sections
from iapt_platform.lib import languages, seo, sitemaps
from iapt_platform.lib.http import for_the_api
from iapt_platform.lib.pagecache import cache_page_for_visitors

logger = logging.getLogger(__name__)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The friendly 404 page; the API answers in JSON, as its schema says."""
    if for_the_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


@require_GET
# The versions of every section a visitor sees (each app's, registered with its section).
@cache_page_for_visitors("home", version=home_sections.HOME_SECTIONS.visitors_version)
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "home.html",
        {
            "sections": home_sections.render_home_sections(request),
            "structured_data": seo.website(),
        },
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language: a cookie for everyone, the profile for signed-in users,
    and back to the same page in that language (its own address for a public page)."""
    code = request.POST.get("language", "")
    if code not in dict(settings.LANGUAGES) or not check_for_language(code):
        return HttpResponseBadRequest("Unknown language.")
    next_url = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = redirect(languages.translate_path(next_url, code))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=365 * 24 * 3600,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        samesite="Lax",
        httponly=True,
    )
    if request.user.is_authenticated:
        account_services.user_set_language(user=request.user, language=code)
    return response


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, cache and (when configured) broker: 200 when all answer, 503 otherwise."""
    return _health(fatal={"database", "cache", "broker"})


@never_cache
@require_GET
def healthz_live(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. No dependency is asked (restarting fixes none of them)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def healthz_ready(request: HttpRequest) -> JsonResponse:
    """Readiness for a load balancer: 503 only when the database does not answer. The cache and
    the broker are reported, not fatal: pages survive a Redis outage (lib/cache.py)."""
    return _health(fatal={"database"})


# The last answer of each check, kept HEALTH_CHECK_KEEP seconds in this process: a balancer and a
# monitor probing many times a second cost one round of checks (a new broker connection among
# them), and a failure still shows within that time.
_answers: dict[frozenset[str], tuple[float, dict, int]] = {}


def forget_health_answers() -> None:
    """Ask anew at the next probe (tests)."""
    _answers.clear()


def _health(*, fatal: set[str]) -> JsonResponse:
    key = frozenset(fatal)
    now = time.monotonic()
    kept = _answers.get(key)
    if kept is None or now - kept[0] >= settings.HEALTH_CHECK_KEEP:
        checks = {
            "database": _check("database", _database),
            "cache": _check("cache", _cache),
        }
        if settings.REDIS_URL:
            checks["broker"] = _check("broker", _broker)
        healthy = all(c["ok"] for name, c in checks.items() if name in fatal)
        body = {"status": "ok" if healthy else "error", "checks": checks}
        kept = _answers[key] = (now, body, 200 if healthy else 503)
    _asked_at, body, status = kept
    return JsonResponse(body, status=status)


def _check(name: str, probe) -> dict:
    started = time.perf_counter()
    try:
        probe()
    except Exception as exc:  # any failure of a dependency is a failed check, never a 500
        logger.warning("healthz: %s failed: %s", name, exc)
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    cache.set("healthz", "1", 10)
    if cache.get("healthz") != "1":
        raise RuntimeError("cache did not return what was written")


def _broker() -> None:
    with kombu.Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


# --- Findability -------------------------------------------------------------------------------
# Paths no search engine should list: staff tools, people's accounts, the API's documentation.
# "/*/staff/" covers every app's staff pages in every language (RFC 9309 wildcards).
ROBOTS_DISALLOW = (
    "/admin/",
    "/account/",
    "/accounts/",
    "/moderation/",
    "/outbox/",
    "/api/docs/",
    "/api/schema/",
    "/*/staff/",
)


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW)]
    lines += ["", f"Sitemap: {settings.SITE_URL}{reverse('sitemap')}", ""]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    patch_cache_control(response, public=True, max_age=3600)
    return response


def _cached_xml(key: str, timeout: int, build) -> HttpResponse:
    """The XML of a sitemap file, kept until its content's version changes (or `timeout`)."""
    stored = cache.get(key)
    if stored is None:
        with timezone.override(datetime.UTC):  # dates in UTC, whoever asks first
            response = build()
            if hasattr(response, "render"):
                response.render()
        stored = (response.content, response.get("Last-Modified"))
        cache.set(key, stored, timeout)
    content, last_modified = stored
    response = HttpResponse(content, content_type="application/xml")
    if last_modified:
        response["Last-Modified"] = last_modified
    response["X-Robots-Tag"] = "noindex, noodp, noarchive"
    return response


@require_GET
def sitemap_index(request: HttpRequest) -> HttpResponse:
    """The index of every section's files (lib/sitemaps.py)."""
    sections = list(sitemaps.sections())
    versions = ":".join(f"{s.name}.{sitemaps.version_of(s)}" for s in sections)
    timeout = min((s.timeout for s in sections), default=600)

    def build() -> HttpResponse:
        entries = []
        for section in sections:
            site = section.sitemap()
            address = f"{settings.SITE_URL}{reverse('sitemap_section', args=[section.name])}"
            lastmod = site.get_latest_lastmod()
            entries.append({"location": address, "last_mod": lastmod})
            entries += [
                {"location": f"{address}?p={page}", "last_mod": lastmod}
                for page in range(2, site.paginator.num_pages + 1)
            ]
        body = render_to_string("sitemap_index.xml", {"sitemaps": entries})
        return HttpResponse(body, content_type="application/xml")

    return _cached_xml(f"sitemap:index:{versions}", timeout, build)


@require_GET
def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    found = sitemaps.section(section)
    page = request.GET.get("p", "1")
    if found is None or not page.isdigit():
        raise Http404
    key = f"sitemap:{found.name}:{sitemaps.version_of(found)}:{int(page)}"
    return _cached_xml(
        key,
        found.timeout,
        lambda: sitemap_views.sitemap(request, {found.name: found.sitemap}, section=found.name),
    )
