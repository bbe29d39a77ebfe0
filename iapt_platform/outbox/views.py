from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from iapt_platform.accounts.roles import moderator_required
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
