"""Public pages of the registry: the directory, an initiative, a programme."""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.functional import SimpleLazyObject

from iapt_platform.accounts import privacy
from iapt_platform.lib.http import HtmxRequest
from iapt_platform.lib.pagecache import cache_page_for_visitors, reader_answer

from .. import presenters, selectors
from ..models import Programme


@cache_page_for_visitors(
    "initiatives:directory",
    version=selectors.registry_version,
    # Filters with known values, the sort and the page; free-text searches (`q`) only once their
    # words are asked again (words=True: see lib/pagecache.py).
    params=(
        "country",
        "subdivision",
        "sector",
        "kind",
        "stage",
        "programme",
        "digital",
        "sort",
        "page",
    ),
    words=True,
    # Nothing in it is one member's but the frame: one copy for all members too.
    members=True,
)
def directory(request: HtmxRequest) -> HttpResponse:
    result = selectors.initiative_directory(request.GET, page_number=request.GET.get("page"))
    # The page is loaded only if the results are rendered (not when their fragment is cached).
    page = SimpleLazyObject(lambda: result.page)
    context = {"directory": result, "page": page, "query": result.query_string}
    if request.htmx:
        return render(request, "initiatives/partials/directory_body.html", context)
    return render(request, "initiatives/directory.html", context)


_READ = "_initiative_read"


def _reader(request: HttpRequest, slug: str) -> str | None:
    """What of a member the page shows: whether they manage it (the contact person as its owners
    see it, the management box). Members who do not share one copy; its managers another.
    The initiative is read with the answer, in the same query: the view takes it from there when
    the page must be rendered (a copy found costs that query all the same)."""
    initiative = selectors.initiative_for_public_page(slug=slug, reader=request.user)
    setattr(request, _READ, initiative)
    return (
        None
        if initiative is None
        else ("owner" if getattr(initiative, "manages", False) else "member")
    )


# The page of one initiative: what apps add to it (stories, resources, offers) joins the key
# through also_shows() in their AppConfig.ready(). Members share a copy too, per answer of
# `_reader` and of what apps add (the stories' "propose" link); the follow button is a hole.
# Each member's answers are kept (keep_answers): the changes that alter them say so
# (managers: initiatives/signals.py; roles and account: accounts/apps.py; follows: following).
@cache_page_for_visitors(
    "initiatives:detail",
    version=selectors.registry_version,
    members=True,
    reader=_reader,
    keep_answers=True,
)
def initiative_detail(request: HttpRequest, slug: str) -> HttpResponse:
    initiative = getattr(request, _READ, None)
    if initiative is None or initiative.slug != slug:
        initiative = selectors.initiative_for_public_page(slug=slug)
    if initiative is None:
        raise Http404
    # Its sectors, related initiatives and what other apps have for it: mostly kept.
    related = selectors.initiative_page_parts(initiative)
    # Who reads, once: their view of the contact person, and whether they manage it. For a copy
    # kept for members, the answer the copy is kept under (never asked twice: see pagecache).
    answer = reader_answer(request)
    if answer is not None:
        audience = privacy.Audience.OWNER if answer == "owner" else privacy.Audience.MEMBERS
    else:
        audience = privacy.audience_of(request.user, initiative)
    return render(
        request,
        "initiatives/detail.html",
        {
            "initiative": initiative,
            # The viewer's own parts: the contact person through the privacy rules.
            "contact": presenters.visible_contact(initiative=initiative, audience=audience),
            "manages": audience == privacy.Audience.OWNER,
            "members_see_more": presenters.members_see_more(
                initiative=initiative, viewer=request.user
            ),
            "related": related,
            "structured_data": presenters.structured_data(initiative=initiative),
            "location": SimpleLazyObject(lambda: presenters.location(initiative=initiative)),
        },
    )


@cache_page_for_visitors(
    "initiatives:programme", version=selectors.registry_version, params=("page",)
)
def programme_detail(request: HttpRequest, slug: str) -> HttpResponse:
    programme = get_object_or_404(Programme, slug=slug)
    initiatives = (
        selectors.initiative_list_public().filter(programme=programme).order_by("name", "pk")
    )
    # A page at a time, as the country and sector pages: a national programme may support
    # thousands of initiatives (1,600 in the 100,000 benchmark).
    page = Paginator(initiatives, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "initiatives/programme.html",
        {
            "programme": programme,
            "page": page,
            "structured_data": presenters.programme_structured_data(programme=programme),
        },
    )
