from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from . import selectors


def initiative_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.initiative_list_public(), 24).get_page(request.GET.get("page"))
    return render(request, "initiatives/list.html", {"page": page})


def initiative_detail(request: HttpRequest, slug: str) -> HttpResponse:
    initiative = get_object_or_404(selectors.initiative_list_public(), slug=slug)
    return render(request, "initiatives/detail.html", {"initiative": initiative})
