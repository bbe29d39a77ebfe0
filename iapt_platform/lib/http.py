from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from iapt_platform.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """The request of a view behind @login_required: its user is a real account."""

    user: User


class HtmxRequest(HttpRequest):
    """Any request, with django-htmx's details of an htmx call."""

    htmx: HtmxDetails
