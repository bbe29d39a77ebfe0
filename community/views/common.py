from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from .. import selectors


def member_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Visitors go to the sign-in page; signed-in accounts without the member role get a 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not selectors.is_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
