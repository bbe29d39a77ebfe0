"""Public pages: subscribing, confirming, preferences, leaving, the archive and its feed."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from iapt_platform.lib import languages
from iapt_platform.lib.pagecache import cache_page_for_visitors
from iapt_platform.lib.ratelimit import client_ip

from .. import consent, rendering, selectors, tokens
from ..forms import PreferencesForm, RequestLinkForm, SubscribeForm
from ..models import Subscriber
from ..services import subscribers as services

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


def _current_language() -> str:
    language = translation.get_language() or settings.LANGUAGE_CODE
    return language if language in LANGUAGE_CODES else settings.LANGUAGE_CODE


# The subscription form's per-visitor part is the CSRF placeholder (its language is in the key).
@cache_page_for_visitors("newsletter:index", version=selectors.bulletin_version)
def index(request: HttpRequest) -> HttpResponse:
    language = _current_language()
    return render(
        request,
        "newsletter/index.html",
        {
            "form": SubscribeForm(initial={"language": language}),
            "consent_text": consent.consent_text(),
            "editions": selectors.archive_editions(language=language)[:5],
            "language": language,
        },
    )


@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    form = SubscribeForm(
        request.POST or None,
        initial={"language": _current_language(), "source": reverse("newsletter:subscribe")},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            if not services.subscription_allowed(ip=client_ip(request), email=data["email"]):
                form.add_error(
                    None,
                    _(
                        "Too many subscription requests came from here or for this address. "
                        "Please try again later."
                    ),
                )
                status = 429
            else:
                source = data.get("source") or ""
                if not source.startswith("/"):
                    source = reverse("newsletter:subscribe")
                services.subscriber_request(
                    email=data["email"],
                    name=data["name"],
                    language=data["language"],
                    topics=data["topics"],
                    country=data["country"],
                    source_url=settings.SITE_URL + source,
                    ip=client_ip(request),
                )
                return redirect("newsletter:subscribe_sent")
        else:
            status = 400
    return render(
        request,
        "newsletter/subscribe.html",
        {"form": form, "consent_text": consent.consent_text()},
        status=status,
    )


def subscribe_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "newsletter/subscribe_sent.html")


def _bad_link(request: HttpRequest, error: Exception, *, kind: str) -> HttpResponse:
    expired = isinstance(error, tokens.BadToken) and error.expired
    return render(
        request,
        "newsletter/bad_link.html",
        {"expired": expired, "kind": kind, "form": RequestLinkForm(), "message": str(error)},
        status=410 if expired else 400,
    )


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (link scanners fetch GETs); the POST confirms."""
    try:
        tokens.read_confirm_token(token)
    except tokens.BadToken as error:
        return _bad_link(request, error, kind="confirm")
    if request.method == "POST":
        try:
            subscriber = services.subscriber_confirm(token=token)
        except (tokens.BadToken, services.SubscriptionError) as error:
            return _bad_link(request, error, kind="confirm")
        return render(
            request,
            "newsletter/confirmed.html",
            {"subscriber": subscriber, "preferences_url": services.preferences_url(subscriber)},
        )
    return render(request, "newsletter/confirm.html", {"token": token})


@require_POST
def request_link(request: HttpRequest) -> HttpResponse:
    """A fresh preference (or confirmation) link, for someone whose link expired."""
    form = RequestLinkForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "newsletter/bad_link.html",
            {"expired": True, "kind": "preferences", "form": form},
            status=400,
        )
    email = form.cleaned_data["email"]
    if services.subscription_allowed(ip=client_ip(request), email=email):
        services.subscriber_send_preferences_link(email=email)
    # The same answer whatever the address: the page tells nobody who is subscribed.
    messages.success(
        request, _("If this address receives the bulletin, a new link is on its way to it.")
    )
    return redirect("newsletter:index")


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscriber_id = tokens.read_preferences_token(token)
    except tokens.BadToken as error:
        return _bad_link(request, error, kind="preferences")
    subscriber = Subscriber.objects.filter(pk=subscriber_id).prefetch_related("topics").first()
    if subscriber is None:
        raise Http404
    initial = {
        "name": subscriber.name,
        "language": subscriber.language,
        "topics": list(subscriber.topics.all()),
        "country": subscriber.country.code if subscriber.country else "",
    }
    form = PreferencesForm(initial=initial)
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action == "pause":
            services.subscriber_pause(subscriber=subscriber)
            messages.success(request, _("The bulletin is paused. Resume it here when you like."))
        elif action == "resume":
            services.subscriber_resume(subscriber=subscriber)
            messages.success(request, _("Welcome back: the next bulletin will reach you."))
        elif action == "leave":
            services.subscriber_unsubscribe(subscriber=subscriber)
            messages.success(request, _("You left the bulletin. We will send you nothing more."))
        else:
            form = PreferencesForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                services.subscriber_update_preferences(
                    subscriber=subscriber,
                    language=data["language"],
                    topics=data["topics"],
                    country=data["country"],
                    name=data["name"],
                )
                messages.success(request, _("Your preferences are saved."))
            else:
                return render(
                    request,
                    "newsletter/preferences.html",
                    {"subscriber": subscriber, "form": form, "token": token},
                    status=400,
                )
        return redirect("newsletter:preferences", token=token)
    return render(
        request,
        "newsletter/preferences.html",
        {"subscriber": subscriber, "form": form, "token": token},
    )


# RFC 8058: mail programs POST "List-Unsubscribe=One-Click" here with no cookie and no CSRF token
# and do not follow redirects. This view, and only this one, is exempt from CSRF: the token in the
# URL is the proof, and the worst a forged request can do is what the owner of the link asked for.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        tokens.read_unsubscribe_token(token)
    except tokens.BadToken:
        return render(request, "newsletter/unsubscribe_invalid.html", status=404)
    # The edition whose link this is (?e=, kept by the page's form), for the issue's results.
    edition = request.GET.get("e") or request.POST.get("e") or ""
    edition_id = (
        int(edition) if edition.isascii() and edition.isdigit() and len(edition) < 12 else None
    )
    if request.method == "POST":
        services.subscriber_unsubscribe_by_token(token=token, edition_id=edition_id)
        return render(request, "newsletter/unsubscribed.html")
    # A GET never unsubscribes: link scanners open every link of a message.
    return render(request, "newsletter/unsubscribe.html", {"token": token, "edition": edition_id})


# --- Archive -----------------------------------------------------------------------------------
def archive_current(request: HttpRequest) -> HttpResponse:
    return redirect("newsletter:archive", language=_current_language())


@cache_page_for_visitors("newsletter:archive", version=selectors.bulletin_version)
def archive(request: HttpRequest, language: str) -> HttpResponse:
    if language not in LANGUAGE_CODES:
        raise Http404
    return render(
        request,
        "newsletter/archive.html",
        {
            "editions": selectors.archive_editions(language=language),
            "language": language,
            "language_name": dict(settings.LANGUAGES)[language],
            "languages": settings.LANGUAGES,
        },
    )


@cache_page_for_visitors("newsletter:issue", version=selectors.bulletin_version)
def issue(request: HttpRequest, number: int, language: str) -> HttpResponse:
    edition = selectors.archived_edition(number=number, language=language)
    if edition is None:
        raise Http404
    blocks = list(edition.issue.blocks.all())
    context = rendering.edition_context(edition, blocks)
    editions = list(edition.issue.editions.all())
    context["other_editions"] = [e for e in editions if e.language != edition.language]
    context["language_names"] = dict(settings.LANGUAGES)
    # Its other languages are its other editions (the hreflang links and the sitemap agree).
    languages.set_page_languages(request, [e.language for e in editions])
    return render(request, "newsletter/issue.html", context)


class ArchiveFeed(Feed):
    """RSS 2.0 feed of the sent issues in one language."""

    feed_type = Rss201rev2Feed

    def get_object(self, request: HttpRequest, language: str) -> str:  # type: ignore[override]
        if language not in LANGUAGE_CODES:
            raise Http404
        return language

    def title(self, language: str) -> str:
        with translation.override(language):
            return _("IAPT Platform bulletin")

    def link(self, language: str) -> str:
        return reverse("newsletter:archive", args=[language])

    def description(self, language: str) -> str:
        with translation.override(language):
            return _("Every issue of the bulletin of the IAPT Platform.")

    def items(self, language: str):
        return selectors.archive_editions(language=language)[:30]

    def item_title(self, item) -> str:
        return item.subject

    def item_description(self, item) -> str:
        return item.preheader

    def item_link(self, item) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item):
        return item.issue.sent_at
