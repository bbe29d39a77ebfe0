"""The attendee's download and the public verification page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from iapt_platform.lib.downloads import attachment_disposition
from iapt_platform.lib.http import AuthenticatedRequest
from iapt_platform.lib.ratelimit import client_ip, within_limit

from .. import selectors as meeting_selectors
from . import pdf, selectors, services


@require_safe
@login_required
def download(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """The attendee's own certificate, in their profile's language and zone (a visitor is sent
    to sign in first, as from the email). Everyone else, and a meeting that gives none (not
    training, not ended, cancelled), gets a 404: nothing tells a stranger who attended."""
    meeting = meeting_selectors.meeting_for_page(slug=slug, user=request.user)
    if meeting is None or not meeting.gives_certificates():
        raise Http404
    registration = selectors.attendance_of(meeting=meeting, user=request.user)
    if registration is None:
        raise Http404
    certificate = services.certificate_for(registration=registration)
    if certificate is None:
        raise Http404
    user = request.user
    content = pdf.content_for(certificate, language=user.language, time_zone=user.time_zone)
    response = HttpResponse(pdf.render(content, language=user.language), "application/pdf")
    name = _("certificate-%(meeting)s.pdf") % {"meeting": meeting.slug}
    response["Content-Disposition"] = attachment_disposition(name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_safe
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Anyone checks a certificate by its code: valid (who, what, when, how long), revoked (and
    why), or not found. A brake per address keeps scripts from trying codes at volume."""
    allowed = within_limit(
        f"meetings:certificate-verify:ip:{client_ip(request)}",
        limit=settings.MEETINGS_CERTIFICATE_CHECKS_PER_HOUR,
        seconds=3600,
    )
    if not allowed:
        response = render(
            request, "meetings/certificate_verify.html", {"limited": True}, status=429
        )
        response["Retry-After"] = "3600"
    else:
        certificate = selectors.certificate_by_code(code)
        context: dict = {"certificate": certificate}
        if certificate is not None:
            meeting = certificate.meeting
            zone = timezone.get_current_timezone_name()
            context |= {
                "meeting": meeting,
                "date": pdf.date_span(meeting.starts_at, meeting.ends_at, zone),
                "hours": pdf.hours_text(meeting.training_hours) if meeting.training_hours else "",
            }
        response = render(
            request,
            "meetings/certificate_verify.html",
            context,
            status=200 if certificate else 404,
        )
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "private, no-store"
    return response
