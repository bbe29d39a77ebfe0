"""Moderators' pages in the forum: hide or restore a post; lock, pin, hide, move or split a thread;
and the audit trail of all of it."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from iapt_platform.accounts.roles import moderator_required
from iapt_platform.lib.http import AuthenticatedRequest
from iapt_platform.moderation.services import ModerationError

from .. import services
from ..forms import ReasonForm, SplitForm, ThreadModerationForm
from ..models import ForumAction, Post, Thread
from ..notifications import excerpt


@require_http_methods(["GET", "POST"])
@moderator_required
def post_moderate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    post = get_object_or_404(Post.objects.select_related("thread", "author"), pk=pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        hide = request.POST.get("action") == "hide"
        try:
            services.post_moderate(
                moderator=request.user, post=post, hide=hide, reason=form.cleaned_data["reason"]
            )
        except (services.ForumError, ModerationError) as exc:
            form.add_error("reason" if getattr(exc, "field", None) else None, str(exc))
        else:
            messages.success(
                request, _("The post is hidden.") if hide else _("The post is restored.")
            )
            return redirect("community:post", post.pk)
    flags = post.flags.select_related("user")
    return render(
        request, "community/post_moderate.html", {"post": post, "form": form, "flags": flags}
    )


@require_http_methods(["GET", "POST"])
@moderator_required
def thread_moderate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    thread = get_object_or_404(Thread.objects.select_related("category"), pk=pk)
    form = ThreadModerationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.thread_moderate(
                moderator=request.user,
                thread=thread,
                action=form.cleaned_data["action"],
                reason=form.cleaned_data["reason"],
                category=form.cleaned_data["category"],
            )
        except services.ForumError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, _("Done; the action is recorded in the history."))
            return redirect(thread)
    return render(
        request,
        "community/thread_moderate.html",
        {
            "thread": thread,
            "form": form,
            "actions": services.forum_actions_for(thread=thread)[:50],
        },
    )


@require_http_methods(["GET", "POST"])
@moderator_required
def thread_split(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    thread = get_object_or_404(Thread.objects.select_related("category"), pk=pk)
    replies = (
        Post.objects.filter(thread=thread, is_opening=False)
        .select_related("author")
        .order_by("created_at", "id")[:500]
    )
    choices = [
        (p.pk, f"{p.author.get_full_name() if p.author else '—'}: {excerpt(p.body, 120)}")
        for p in replies
    ]
    form = SplitForm(request.POST or None, choices=choices, initial={"category": thread.category})
    if request.method == "POST" and form.is_valid():
        try:
            new = services.thread_split(
                moderator=request.user,
                thread=thread,
                post_ids=form.cleaned_data["posts"],
                title=form.cleaned_data["title"],
                category=form.cleaned_data["category"],
                reason=form.cleaned_data["reason"],
            )
        except services.ForumError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, _("The replies now form a thread of their own."))
            return redirect(new)
    return render(request, "community/thread_split.html", {"thread": thread, "form": form})


@require_GET
@moderator_required
def moderation_log(request: AuthenticatedRequest) -> HttpResponse:
    actions = ForumAction.objects.select_related("actor", "thread", "post").order_by(
        "-created_at", "-id"
    )
    page = Paginator(actions, 50).get_page(request.GET.get("page"))
    return render(request, "community/moderation_log.html", {"page": page})
