from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from iapt_platform.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """The request of a view behind @login_required: its user is a real account."""

    user: User


class HtmxRequest(HttpRequest):
    """Any request, with django-htmx's details of an htmx call."""

    htmx: HtmxDetails


API_PREFIX = "/api/"


def for_the_api(request: HttpRequest) -> bool:
    """True for an address of the API, whose errors are JSON as its schema documents."""
    return request.path_info.startswith(API_PREFIX)
