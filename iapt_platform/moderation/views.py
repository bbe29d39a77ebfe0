from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_countries import countries

from iapt_platform.accounts.roles import moderator_required
from iapt_platform.lib.http import AuthenticatedRequest

from . import registry, selectors, services
from .forms import DecisionForm
from .models import ModerationItem

PAGE_SIZE = 25


@require_GET
@moderator_required
def queue(request: AuthenticatedRequest) -> HttpResponse:
    # Filters live in the URL so that a moderator can share a view of the queue.
    kind = request.GET.get("kind", "")
    country = request.GET.get("country", "")
    status = request.GET.get("status", "") or selectors.OPEN
    sort = request.GET.get("sort", "") or selectors.OLDEST
    items = selectors.moderation_queue(
        kind=kind or None, country=country or None, status=status, sort=sort
    )
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))

    counts = selectors.moderation_counts()
    kind_options = sorted(
        ((k.key, k.label, counts.get(k.key, 0)) for k in registry.kinds()),
        key=lambda option: str(option[1]),
    )
    country_options = sorted(
        (
            (code, countries.name(code) or code)
            for code in selectors.moderation_queue_countries(status=status)
        ),
        key=lambda option: str(option[1]),
    )
    status_options = [
        (selectors.OPEN, _("Open")),
        *ModerationItem.Status.choices,
        (selectors.ALL, _("All")),
    ]
    sort_options = [
        (selectors.OLDEST, _("Longest wait first")),
        (selectors.NEWEST, _("Newest first")),
    ]
    filters = {"kind": kind, "country": country, "status": status, "sort": sort}
    return render(
        request,
        "moderation/queue.html",
        {
            "page": page,
            "filters": filters,
            "query": urlencode(
                {
                    n: v
                    for n, v in filters.items()
                    if v and (n, v) not in (("status", selectors.OPEN), ("sort", selectors.OLDEST))
                }
            ),
            "kind_options": kind_options,
            "country_options": country_options,
            "status_options": status_options,
            "sort_options": sort_options,
            "pending_total": sum(counts.values()),
        },
    )


@require_http_methods(["GET", "POST"])
@moderator_required
def item_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        ModerationItem.objects.select_related("submitted_by", "content_type"), pk=pk
    )
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action", "")
        try:
            services.moderation_decide(
                item=item,
                moderator=request.user,
                action=action,
                comment=form.cleaned_data["comment"],
            )
        except services.ModerationError as exc:
            form.add_error(exc.field, str(exc))
        else:
            messages.success(request, _decided_message(action, item.title))
            return redirect("moderation:queue")

    kind = _kind_or_none(item.kind)
    obj = item.content_object
    return render(
        request,
        "moderation/item.html",
        {
            "item": item,
            "preview_url": kind.preview_url(obj) if kind and obj is not None else "",
            "object_missing": obj is None,
            **selectors.moderation_item_content(kind=kind, obj=obj),
            "events": item.events.select_related("actor"),
            "form": form,
        },
    )


def _kind_or_none(key: str) -> registry.ModerationKind | None:
    try:
        return registry.get_kind(key)
    except KeyError:
        return None


def _decided_message(action: str, title: str) -> str:
    if action == services.APPROVE:
        return _("Approved: “%(title)s”.") % {"title": title}
    if action == services.REQUEST_CHANGES:
        return _("Changes requested: “%(title)s”.") % {"title": title}
    return _("Rejected: “%(title)s”.") % {"title": title}
