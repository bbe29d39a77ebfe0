"""Staff pages: the builder, previews, test sends, scheduling, progress, subscribers."""

from __future__ import annotations

from collections.abc import Callable

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from iapt_platform.accounts.roles import moderator_required
from iapt_platform.lib.http import AuthenticatedRequest
from iapt_platform.lib.tabular import csv_chunks

from .. import rendering, selectors
from ..forms import (
    BlockForm,
    IssueCreateForm,
    IssueSettingsForm,
    ScheduleForm,
    TestSendForm,
)
from ..models import Block, Contribution, Issue, Subscriber
from ..services import issues
from ..services import subscribers as subscriber_services


def _issue(pk: int) -> Issue:
    return get_object_or_404(Issue, pk=pk)


def _back(issue: Issue, anchor: str = "") -> HttpResponse:
    response = redirect("newsletter:staff_issue", pk=issue.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


@moderator_required
@require_http_methods(["GET", "POST"])
def issue_list(request: AuthenticatedRequest) -> HttpResponse:
    form = IssueCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issue = issues.issue_create(by=request.user, languages=form.cleaned_data["languages"])
        except issues.IssueError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Issue #%(number)s created.") % {"number": issue.number})
            return redirect("newsletter:staff_issue", pk=issue.pk)
    page = Paginator(selectors.staff_issues(), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "newsletter/staff/issues.html",
        {"page": page, "form": form, "counts": selectors.subscriber_counts()},
    )


@moderator_required
@require_http_methods(["GET", "POST"])
def issue_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    issue = _issue(pk)
    form = IssueSettingsForm(request.POST or None, issue=issue)
    if request.method == "POST":
        if form.is_valid():
            try:
                issues.issue_update(
                    issue=issue,
                    editions=form.editions(),
                    segment_languages=form.cleaned_data["segment_languages"],
                    segment_countries=form.cleaned_data["segment_countries"],
                    segment_topics=form.cleaned_data["segment_topics"],
                )
            except issues.IssueError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Editions and audience saved."))
            return _back(issue)
        messages.error(request, _("Some fields need your attention."))
    editions = list(issue.editions.all())
    languages = [e.language for e in editions]
    blocks = list(issue.blocks.all())
    names = dict(settings.LANGUAGES)
    return render(
        request,
        "newsletter/staff/issue.html",
        {
            "issue": issue,
            "form": form,
            "editions": editions,
            "blocks": [
                {
                    "block": b,
                    "first": i == 0,
                    "last": i == len(blocks) - 1,
                    "texts": [(names[code], b.text(code)) for code in languages],
                }
                for i, b in enumerate(blocks)
            ],
            "block_kinds": Block.Kind.choices,
            "available": selectors.contributions_available(),
            "schedule_form": ScheduleForm(
                initial={"send_at": timezone.localtime(issue.scheduled_at)}
                if issue.scheduled_at
                else None
            ),
            "test_form": TestSendForm(issue=issue),
            "recipients": selectors.issue_recipients(issue=issue).count(),
            "since": issues.issue_since(issue),
        },
    )


def _guarded(
    request: AuthenticatedRequest, issue: Issue, action: Callable[[], str]
) -> HttpResponse:
    """Run an action that may be refused; say what happened either way."""
    try:
        message = action()
    except issues.IssueError as error:
        messages.error(request, str(error))
    else:
        if message:
            messages.success(request, message)
    return _back(issue)


@moderator_required
@require_POST
def issue_fill(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    issue = _issue(pk)

    def fill() -> str:
        added = issues.issue_fill(issue=issue)
        if not added:
            return _("Nothing new was published since the last issue.")
        return _("%(count)s blocks added from the platform.") % {"count": added}

    return _guarded(request, issue, fill)


@moderator_required
@require_POST
def block_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    issue = _issue(pk)
    kind = request.POST.get("kind", Block.Kind.FREE)
    if kind not in Block.Kind.values:
        kind = Block.Kind.FREE
    try:
        block = issues.block_add(issue=issue, kind=kind)
    except issues.IssueError as error:
        messages.error(request, str(error))
        return _back(issue)
    return redirect("newsletter:staff_block_edit", pk=block.pk)


@moderator_required
@require_http_methods(["GET", "POST"])
def block_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    block = get_object_or_404(Block.objects.select_related("issue"), pk=pk)
    issue = block.issue
    languages = list(issue.editions.values_list("language", flat=True))
    form = BlockForm(
        request.POST or None,
        languages=languages,
        initial=BlockForm.initial_for(block, languages),
    )
    if request.method == "POST" and form.is_valid():
        try:
            issues.block_update(
                block=block,
                kind=form.cleaned_data["kind"],
                content=form.content(),
                link_url=form.cleaned_data["link_url"],
                image_url=form.cleaned_data["image_url"],
            )
        except issues.IssueError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Block saved."))
        return _back(issue, f"block-{block.pk}")
    return render(
        request,
        "newsletter/staff/block_form.html",
        {"form": form, "block": block, "issue": issue},
        status=400 if form.errors else 200,
    )


@moderator_required
@require_POST
def block_move(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    block = get_object_or_404(Block.objects.select_related("issue"), pk=pk)
    direction = "up" if request.POST.get("direction") == "up" else "down"
    try:
        issues.block_move(block=block, direction=direction)
    except issues.IssueError as error:
        messages.error(request, str(error))
    return _back(block.issue, f"block-{block.pk}")


@moderator_required
@require_POST
def block_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    block = get_object_or_404(Block.objects.select_related("issue"), pk=pk)
    issue = block.issue

    def delete() -> str:
        issues.block_delete(block=block)
        return _("Block removed.")

    return _guarded(request, issue, delete)


@moderator_required
@require_POST
def contribution_add(request: AuthenticatedRequest, pk: int, contribution_pk: int) -> HttpResponse:
    issue = _issue(pk)
    contribution = get_object_or_404(Contribution, pk=contribution_pk)

    def add() -> str:
        issues.contribution_add_to_issue(issue=issue, contribution=contribution)
        return _("The contribution is now a block of this issue.")

    return _guarded(request, issue, add)


# The preview is the email itself: its CSS is inline (style attributes), which the site's policy
# forbids; this response alone allows inline styles, and runs sandboxed with no scripts.
@moderator_required
@csp_replace({"style-src": ["'unsafe-inline'"], "sandbox": [True]})  # type: ignore[arg-type]
def preview(request: AuthenticatedRequest, pk: int, language: str, fmt: str) -> HttpResponse:
    issue = _issue(pk)
    edition = issue.editions.filter(language=language).first()
    if edition is None:
        raise Http404
    rendered = rendering.render_edition(edition, unsubscribe="preview", preferences="preview")
    if fmt == "txt":
        body = f"{_('Subject')}: {rendered.subject}\n\n{rendered.text}"
        return HttpResponse(body, content_type="text/plain; charset=utf-8")
    return HttpResponse(rendered.html, content_type="text/html; charset=utf-8")


@moderator_required
@require_POST
def send_test(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    issue = _issue(pk)
    form = TestSendForm(request.POST, issue=issue)
    if not form.is_valid():
        messages.error(request, _("Choose at least one edition to test."))
        return _back(issue)
    count = issues.issue_send_test(
        issue=issue, to=request.user, languages=form.cleaned_data["languages"]
    )
    messages.success(
        request,
        _("%(count)s test messages are on their way to %(email)s.")
        % {"count": count, "email": request.user.email},
    )
    return _back(issue)


@moderator_required
@require_POST
def schedule(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    issue = _issue(pk)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a valid date and time for the send."))
        return _back(issue, "schedule")

    def plan() -> str:
        scheduled = issues.issue_schedule(issue=issue, at=form.cleaned_data["send_at"])
        return _("Issue #%(number)s is scheduled.") % {"number": scheduled.number}

    return _guarded(request, issue, plan)


@moderator_required
@require_POST
def cancel(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    issue = _issue(pk)
    return _guarded(
        request, issue, lambda: (issues.issue_cancel(issue=issue), _("The send is cancelled."))[1]
    )


@moderator_required
@require_POST
def reopen(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    issue = _issue(pk)
    return _guarded(
        request,
        issue,
        lambda: (issues.issue_reopen(issue=issue), _("The issue is a draft again."))[1],
    )


@moderator_required
@require_POST
def send_now(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    issue = _issue(pk)
    if not request.POST.get("confirm"):
        messages.error(request, _("Tick the box to confirm that the issue may go out now."))
        return _back(issue, "schedule")
    try:
        started = issues.issue_send_now(issue=issue)
    except issues.IssueError as error:
        messages.error(request, str(error))
        return _back(issue)
    if started:
        messages.success(request, _("Sending started."))
    else:
        messages.info(
            request, _("This issue is already being sent or was sent: nothing more was sent.")
        )
    return redirect("newsletter:staff_progress", pk=issue.pk)


@moderator_required
def progress(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    issue = _issue(pk)
    context = {"issue": issue, "progress": selectors.issue_progress(issue=issue)}
    if getattr(request, "htmx", False):
        return render(request, "newsletter/staff/partials/progress.html", context)
    return render(request, "newsletter/staff/progress.html", context)


# --- Subscribers -------------------------------------------------------------------------------
@moderator_required
def subscribers(request: AuthenticatedRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    page = Paginator(selectors.subscribers_for_staff(query=query, status=status), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "newsletter/staff/subscribers.html",
        {
            "page": page,
            "q": query,
            "status": status,
            "statuses": Subscriber.Status.choices,
            "counts": selectors.subscriber_counts(),
        },
    )


@moderator_required
def subscribers_export(request: AuthenticatedRequest) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_chunks(
            subscriber_services.EXPORT_COLUMNS, subscriber_services.subscribers_export_rows()
        ),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="bulletin-subscribers-{stamp}.csv"'
    return response
