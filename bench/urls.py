"""The project's URLs plus a trivial view: the baseline every page of the benchmark is compared with.

The trivial view goes through the same middleware as every page, so the ratio of a page to it is
what the page itself costs on top of Django's fixed cost per request.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from iapt_platform.urls import urlpatterns as project_urlpatterns


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("bench/trivial/", trivial), *project_urlpatterns]
