"""The project's URLs plus two reference views for the benchmarks.

`trivial` goes through the same middleware as every page, so the ratio of a page to it is what
the page itself costs on top of Django's fixed cost per request. `frame` renders base.html with no
content: the header, footer and language switcher that every page pays for.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from iapt_platform.urls import urlpatterns as project_urlpatterns


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def frame(request: HttpRequest) -> HttpResponse:
    return render(request, "base.html")


urlpatterns = [path("bench/trivial/", trivial), path("bench/frame/", frame), *project_urlpatterns]
