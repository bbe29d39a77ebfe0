from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from iapt_platform.accounts.roles import moderator_required
from iapt_platform.lib import email_samples, emails
from iapt_platform.lib.http import AuthenticatedRequest

from . import selectors, services
from .forms import RetryForm

PAGE_SIZE = 50


@moderator_required
@require_GET
def failed(request: AuthenticatedRequest) -> HttpResponse:
    rows = selectors.outgoing_needing_attention()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "outbox/failed.html", {"page": page})


@moderator_required
@require_POST
def retry(request: AuthenticatedRequest) -> HttpResponse:
    form = RetryForm(request.POST)
    if form.is_valid():
        pk = form.cleaned_data["pk"]
        count = services.outgoing_retry(pks=[pk] if pk else None)
        messages.success(
            request,
            ngettext(
                "%(count)d email queued to be sent again.",
                "%(count)d emails queued to be sent again.",
                count,
            )
            % {"count": count},
        )
    return redirect("outbox:failed")


# --- Previews of every email, with sample data (iapt_platform.lib.email_samples) ----------------
PREVIEW_LANGUAGES = [code for code, _name in settings.LANGUAGES]


def _sample(name: str, language: str) -> email_samples.Sample:
    sample = email_samples.samples().get(name)
    if sample is None or language not in PREVIEW_LANGUAGES:
        raise Http404
    return sample


def _rendered(samples: list[email_samples.Sample], language: str) -> list[emails.RenderedEmail]:
    """The samples rendered in `language`; whatever a sample might write is rolled back."""
    with transaction.atomic():
        rendered = [sample.render(language) for sample in samples]
        transaction.set_rollback(True)
    return rendered


@moderator_required
@require_GET
def previews(request: AuthenticatedRequest) -> HttpResponse:
    language = translation.get_language() or settings.LANGUAGE_CODE
    if language not in PREVIEW_LANGUAGES:
        language = settings.LANGUAGE_CODE
    samples = list(email_samples.samples().values())
    rows = [
        {"name": sample.name, "subject": email.subject}
        for sample, email in zip(samples, _rendered(samples, language), strict=True)
    ]
    return render(
        request,
        "outbox/previews.html",
        {"rows": rows, "languages": settings.LANGUAGES, "current": language},
    )


@moderator_required
@require_GET
@csp_replace({"frame-src": ["'self'"]})  # type: ignore[arg-type]
def preview(request: AuthenticatedRequest, name: str, language: str) -> HttpResponse:
    [rendered] = _rendered([_sample(name, language)], language)
    return render(
        request,
        "outbox/preview.html",
        {"name": name, "language": language, "email": rendered, "languages": settings.LANGUAGES},
    )


# The email itself, for the preview's frame: its CSS is inline (style attributes), which the
# site's policy forbids; this response alone allows inline styles and nothing else (no scripts,
# no connections, no forms), runs sandboxed, and may be framed by the preview page only.
@moderator_required
@require_GET
@xframe_options_sameorigin
@csp_replace(  # type: ignore[arg-type]
    {
        "default-src": ["'none'"],
        "style-src": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "script-src": ["'none'"],
        "form-action": ["'none'"],
        "frame-ancestors": ["'self'"],
        "sandbox": [True],
    }
)
def preview_html(request: AuthenticatedRequest, name: str, language: str) -> HttpResponse:
    [rendered] = _rendered([_sample(name, language)], language)
    return HttpResponse(rendered.html, content_type="text/html; charset=utf-8")
