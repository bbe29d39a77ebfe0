from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from iapt_platform.lib.http import AuthenticatedRequest

from . import menu, services
from .forms import ProfileForm


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "accounts/home.html", {"links": menu.account_links(request.user)})


@login_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = services.user_update_profile(user=request.user, data=form.cleaned_data)
        translation.activate(user.language)  # the confirmation already speaks the new language
        messages.success(request, _("Your profile was saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})
