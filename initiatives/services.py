"""Writes to the registry: drafts, submission, moderation decisions, co-managers, freshness."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.postgres.search import SearchVector
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q, Value
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_countries import countries

from iapt_platform.accounts import roles
from iapt_platform.accounts.models import User
from iapt_platform.accounts.personal_data import Closing
from iapt_platform.lib import emails, listings, search

from . import announcements, counts
from .models import (
    Initiative,
    ManagementRequest,
    ManagerInvitation,
    SearchListing,
    SectorListing,
)

# Fields copied between a published initiative and its pending revision.
CONTENT_FIELDS = [
    f.name
    for f in Initiative._meta.concrete_fields
    if f.name
    not in {
        "id",
        "slug",
        "status",
        "draft_step",
        "revision_of",
        "created_by",
        "created_at",
        "updated_at",
        "published_at",
        "last_verified_at",
        "stale_flagged_at",
        "freshness_requested_at",
        "search_document",
        "search_vector",
    }
]
INVITATION_SALT = "initiatives.invitation"
FRESHNESS_SALT = "initiatives.freshness"


class RegistryError(ValueError):
    """A refused action, with a message for the person who tried it."""


def can_manage(*, user, initiative: Initiative) -> bool:
    if not user.is_authenticated:
        return False
    target = initiative.revision_of or initiative
    return target.managers.filter(pk=user.pk).exists()


def _unique_slug(name: str) -> str:
    base = slugify(name)[:120] or "initiative"
    slug, n = base, 1
    while Initiative.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def initiative_start(
    *, user: User, name: str, country: str, kind: str, website: str = ""
) -> Initiative:
    """Create a draft that the promoter completes step by step."""
    initiative = Initiative(
        name=name,
        country=country,
        kind=kind,
        website=website,
        slug=_unique_slug(name),
        created_by=user,
        description_language=user.language or "es",
        status=Initiative.Status.DRAFT,
    )
    initiative.full_clean()
    initiative.save()
    initiative.managers.add(user)
    roles.grant_role(user, roles.PROMOTER)
    return initiative


@transaction.atomic
def initiative_save_step(
    *, initiative: Initiative, user: User, data: dict[str, Any], step: int
) -> Initiative:
    """Save the cleaned fields of one step of the guided form into the draft."""
    if not can_manage(user=user, initiative=initiative):
        raise PermissionDenied
    if not initiative.is_editable_draft:
        raise RegistryError(_("This initiative is in review and cannot be edited now."))
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    sectors = data.pop("sectors", None)
    for name, value in data.items():
        if name == "logo" and value is False:
            initiative.logo = ""  # the "clear" box of the logo field
        elif name == "logo" and value is None:
            continue
        else:
            setattr(initiative, name, value)
    initiative.draft_step = max(initiative.draft_step, step + 1)
    initiative.full_clean(exclude=["slug", "search_vector"])
    initiative.save()
    if sectors is not None:
        initiative.sectors.set(sectors)
    return initiative


def missing_for_submission(initiative: Initiative) -> list[str]:
    missing = [
        str(getattr(Initiative._meta.get_field(f), "verbose_name", f))
        for f in Initiative.REQUIRED_TO_SUBMIT
        if not getattr(initiative, f)
    ]
    if not initiative.sectors.exists():
        missing.append(str(getattr(Initiative._meta.get_field("sectors"), "verbose_name", "")))
    return missing


@transaction.atomic
def initiative_submit(*, initiative: Initiative, user: User) -> Initiative:
    from iapt_platform.moderation.services import moderation_submit

    if not can_manage(user=user, initiative=initiative):
        raise PermissionDenied
    if not initiative.is_editable_draft:
        raise RegistryError(_("This initiative was already submitted."))
    missing = missing_for_submission(initiative)
    if missing:
        raise RegistryError(_("Complete these fields before submitting: %s.") % ", ".join(missing))
    initiative.status = Initiative.Status.IN_REVIEW
    initiative._change_reason = "submitted"  # type: ignore[attr-defined]
    initiative.save(update_fields=["status", "updated_at"])
    kind = "initiative_edit" if initiative.revision_of_id else "initiative"
    moderation_submit(obj=initiative, kind=kind, submitted_by=user)
    return initiative


@transaction.atomic
def initiative_start_edit(*, initiative: Initiative, user: User) -> Initiative:
    """The draft revision of a published initiative (created on first use)."""
    if not can_manage(user=user, initiative=initiative):
        raise PermissionDenied
    existing = initiative.revisions.exclude(status__in=Initiative.CLOSED_REVISION).first()
    if existing:
        return existing
    revision = Initiative(
        revision_of=initiative,
        slug=_unique_slug(f"{initiative.slug}-revision"),
        status=Initiative.Status.DRAFT,
        created_by=user,
        draft_step=7,
        **{f: getattr(initiative, f) for f in CONTENT_FIELDS},
    )
    revision.save()
    revision.sectors.set(initiative.sectors.all())
    return revision


# --- Moderation callbacks (registered in apps.py) ---------------------------------------------------


def approve(initiative: Initiative, *, moderator: User, comment: str) -> None:
    now = timezone.now()
    if initiative.revision_of_id:
        original = Initiative.objects.select_for_update().get(pk=initiative.revision_of_id)
        for field in CONTENT_FIELDS:
            setattr(original, field, getattr(initiative, field))
        original.last_verified_at = now
        original._change_reason = comment or "edit approved"  # type: ignore[attr-defined]
        original.save()
        original.sectors.set(initiative.sectors.all())
        # The revision stays as a record of what was proposed and approved.
        initiative.status = Initiative.Status.MERGED
        initiative._change_reason = comment or "merged"  # type: ignore[attr-defined]
        initiative.save(update_fields=["status", "updated_at"])
        initiative_refresh_search(initiative=original)
        announcements.initiative_announce(initiative=original, revision=initiative)
    else:
        initiative.status = Initiative.Status.PUBLISHED
        initiative.published_at = initiative.published_at or now
        initiative.last_verified_at = now
        initiative._change_reason = comment or "approved"  # type: ignore[attr-defined]
        initiative.save(update_fields=["status", "published_at", "last_verified_at", "updated_at"])
        initiative_refresh_search(initiative=initiative)
        announcements.initiative_announce(initiative=initiative)


def request_changes(initiative: Initiative, *, moderator: User, comment: str) -> None:
    initiative.status = Initiative.Status.CHANGES_REQUESTED
    initiative._change_reason = comment  # type: ignore[attr-defined]
    initiative.save(update_fields=["status", "updated_at"])


def reject(initiative: Initiative, *, moderator: User, comment: str) -> None:
    initiative.status = Initiative.Status.REJECTED
    initiative._change_reason = comment  # type: ignore[attr-defined]
    initiative.save(update_fields=["status", "updated_at"])


def approve_management_request(
    request: ManagementRequest, *, moderator: User, comment: str
) -> None:
    request.decided_at = timezone.now()
    request.granted = True
    request.save(update_fields=["decided_at", "granted"])
    request.initiative.managers.add(request.user)
    roles.grant_role(request.user, roles.PROMOTER)


def refuse_management_request(request: ManagementRequest, *, moderator: User, comment: str) -> None:
    request.decided_at = timezone.now()
    request.granted = False
    request.save(update_fields=["decided_at", "granted"])


# --- Search -----------------------------------------------------------------------------------------


def search_text(initiative: Initiative) -> dict[str, str]:
    """The normalised text of an initiative by weight: A (name), B (place, sectors), C (the rest)."""
    sector_names = []
    for sector in initiative.sectors.all():
        # The translated columns that modeltranslation adds: every language is searchable.
        sector_names += [
            getattr(sector, f"name_{code}", "") or "" for code in ("es", "en", "pt_br")
        ]
    country_names = []
    for language in ("es", "en", "pt-br"):
        with translation.override(language):
            country_names.append(str(countries.name(initiative.country.code)))
    programme = initiative.programme
    return {
        "A": search.normalise(f"{initiative.name} {initiative.acronym}"),
        "B": search.normalise(
            " ".join(
                [
                    initiative.city,
                    initiative.territory,
                    initiative.subdivision_name,
                    *country_names,
                    *sector_names,
                    initiative.value_chain,
                ]
            )
        ),
        "C": search.normalise(
            " ".join(
                [
                    initiative.description,
                    initiative.managing_organisation,
                    programme.name if programme else "",
                    programme.acronym if programme else "",
                    initiative.services_offered,
                    initiative.strategic_lines,
                ]
            )
        ),
    }


def initiative_refresh_search(*, initiative: Initiative) -> None:
    parts = search_text(initiative)
    document = " ".join(parts.values())
    updates: dict[str, Any] = {"search_document": document}
    if search.is_postgres():
        updates["search_vector"] = (
            SearchVector(Value(parts["A"]), weight="A", config="simple")
            + SearchVector(Value(parts["B"]), weight="B", config="simple")
            + SearchVector(Value(parts["C"]), weight="C", config="simple")
        )
    Initiative.objects.filter(pk=initiative.pk).update(**updates)
    # An UPDATE sends no signal: the search listing copies the new vector now.
    search_listings_refresh(initiative_ids=[initiative.pk])


# --- Related initiatives: the sector listing -------------------------------------------------------


def _listing_rows(initiatives: Any) -> list[SectorListing]:
    through = Initiative.sectors.through
    rows = through.objects.filter(initiative__in=initiatives.published()).values_list(
        "sector_id", "initiative_id", "initiative__name", "initiative__country"
    )
    return [
        SectorListing(sector_id=sector, initiative_id=pk, name=name, country=country)
        for sector, pk, name, country in rows
    ]


@transaction.atomic
def sector_listings_refresh(*, initiative_ids: list[int]) -> None:
    """Rewrite the listing rows of these initiatives from what they are now (none unless
    published). Called in the transaction that saves an initiative or changes its sectors, and
    again after its commit."""
    SectorListing.objects.filter(initiative_id__in=initiative_ids).delete()
    SectorListing.objects.bulk_create(
        _listing_rows(Initiative.objects.filter(pk__in=initiative_ids))
    )


def sector_listings_rebuild() -> int:
    """The whole listing again (the daily sweep, after a bulk load that bypassed the signals).
    Idempotent: two runs at once leave the same rows."""
    wanted = {(r.sector_id, r.initiative_id): r for r in _listing_rows(Initiative.objects)}
    have = {
        (sector, initiative): (pk, name, country)
        for pk, sector, initiative, name, country in SectorListing.objects.values_list(
            "pk", "sector_id", "initiative_id", "name", "country"
        ).iterator(chunk_size=5000)
    }
    stale = [
        pk
        for key, (pk, name, country) in have.items()
        if key not in wanted or (wanted[key].name, wanted[key].country) != (name, country)
    ]
    for start in range(0, len(stale), 5000):
        SectorListing.objects.filter(pk__in=stale[start : start + 5000]).delete()
    removed = set(stale)
    kept = {key for key, (pk, _name, _country) in have.items() if pk not in removed}
    missing = [row for key, row in wanted.items() if key not in kept]
    SectorListing.objects.bulk_create(missing, batch_size=5000, ignore_conflicts=True)
    return len(stale) + len(missing)


# --- The search listing: a narrow copy of the columns a search and its facets read -------------------

_SEARCH_COLUMNS = (
    "search_vector",
    "country",
    "subdivision",
    "kind",
    "stage",
    "programme_id",
    "digital_focus",
    "sectors",
    "year_founded",
    "located",
)


def search_listing_select(vendor: str, initiatives: str, sectors: str) -> str:
    """The SELECT list of the search listing's columns from an initiative row `i` (also used by
    the migration that fills the table)."""
    if vendor == "postgresql":
        vector = "strip(i.search_vector)"
        joined = f"(SELECT string_agg(sector_id::text, ' ' ORDER BY sector_id) FROM {sectors} s WHERE s.initiative_id = i.id)"  # noqa: S608
    else:
        vector = "i.search_vector"
        joined = f"(SELECT group_concat(sector_id, ' ') FROM (SELECT sector_id FROM {sectors} s WHERE s.initiative_id = i.id ORDER BY sector_id))"  # noqa: S608
    return (
        f"i.id, {vector}, i.country, i.subdivision, i.kind, i.stage, i.programme_id, "
        f"i.digital_focus, COALESCE({joined}, ''), i.year_founded, "
        "(i.latitude IS NOT NULL AND i.longitude IS NOT NULL)"
    )


def _search_listings_sync(initiative_ids: list[int] | None) -> int:
    """Make the search listing match the initiatives (these ones, or all): a row per published
    initiative with its current values, none for the others (lib/listings.py). Returns the rows
    written or removed."""
    quote = connection.ops.quote_name
    sync = lambda: listings.sync_listing(  # noqa: E731
        listing=SearchListing,
        key="initiative_id",
        source=Initiative,
        alias="i",
        published="i.status = %s AND i.revision_of_id IS NULL",
        params=[Initiative.Status.PUBLISHED],
        columns=_SEARCH_COLUMNS,
        select=search_listing_select(
            connection.vendor,
            quote(Initiative._meta.db_table),
            quote(Initiative.sectors.through._meta.db_table),
        ),
        ids=initiative_ids,
    )
    if initiative_ids is None:
        return sync()
    # The registry's counts follow the listing's rows in the same transaction.
    return counts.refresh(initiative_ids, sync)


@transaction.atomic
def search_listings_refresh(*, initiative_ids: list[int]) -> None:
    """Rewrite the search rows of these initiatives from what they are now (none unless
    published). Called after each commit that saves an initiative or its search columns."""
    _search_listings_sync(list(initiative_ids))


def search_listings_rebuild() -> int:
    """The whole search listing again (the daily sweep, after a bulk load or a raw UPDATE that
    bypassed the signals), then the registry's counts from it (a transaction each); the number
    of listing rows put right."""
    with transaction.atomic():
        written = _search_listings_sync(None)
    counts.rebuild()
    return written


# --- Co-managers --------------------------------------------------------------------------------------


@transaction.atomic
def initiative_invite(*, initiative: Initiative, inviter: User, email: str) -> ManagerInvitation:
    if not can_manage(user=inviter, initiative=initiative):
        raise PermissionDenied
    email = email.strip().lower()
    if initiative.managers.filter(email__iexact=email).exists():
        raise RegistryError(_("%(email)s already manages this initiative.") % {"email": email})
    invitation, _created = ManagerInvitation.objects.get_or_create(
        initiative=initiative, email=email, accepted_at=None, defaults={"invited_by": inviter}
    )
    token = signing.dumps(invitation.pk, salt=INVITATION_SALT)
    emails.send(
        template="initiatives/invitation",
        to=email,
        language=inviter.language,
        context={
            "initiative": initiative,
            "inviter": inviter,
            "accept_url": reverse("initiatives:invitation_accept", args=[token]),
        },
    )
    return invitation


def invitation_from_token(token: str) -> ManagerInvitation:
    try:
        pk = signing.loads(token, salt=INVITATION_SALT, max_age=30 * 24 * 3600)
    except signing.BadSignature as exc:
        raise RegistryError(_("This invitation link is invalid or has expired.")) from exc
    invitation = ManagerInvitation.objects.select_related("initiative").filter(pk=pk).first()
    if invitation is None or invitation.accepted_at:
        raise RegistryError(_("This invitation was already used."))
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Initiative:
    invitation = invitation_from_token(token)
    if invitation.email.lower() != user.email.lower():
        raise RegistryError(
            _("This invitation was sent to %(email)s. Sign in with that address to accept it.")
            % {"email": invitation.email}
        )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    invitation.initiative.managers.add(user)
    roles.grant_role(user, roles.PROMOTER)
    return invitation.initiative


@transaction.atomic
def management_request_create(
    *, initiative: Initiative, user: User, message: str
) -> ManagementRequest:
    from iapt_platform.moderation.services import moderation_submit

    if initiative.managers.filter(pk=user.pk).exists():
        raise RegistryError(_("You already manage this initiative."))
    if ManagementRequest.objects.filter(initiative=initiative, user=user, decided_at=None).exists():
        raise RegistryError(
            _("You already asked to manage this initiative; staff will answer soon.")
        )
    request = ManagementRequest.objects.create(initiative=initiative, user=user, message=message)
    moderation_submit(obj=request, kind="comanagement", submitted_by=user)
    return request


# --- Freshness -------------------------------------------------------------------------------------


def freshness_token(initiative: Initiative) -> str:
    return signing.dumps(initiative.pk, salt=FRESHNESS_SALT)


@transaction.atomic
def initiative_confirm_fresh(*, token: str) -> Initiative:
    try:
        pk = signing.loads(token, salt=FRESHNESS_SALT, max_age=90 * 24 * 3600)
    except signing.BadSignature as exc:
        raise RegistryError(_("This confirmation link is invalid or has expired.")) from exc
    initiative = Initiative.objects.published().filter(pk=pk).first()
    if initiative is None:
        raise RegistryError(_("This initiative is no longer published."))
    initiative.last_verified_at = timezone.now()
    initiative.stale_flagged_at = None
    initiative._change_reason = "confirmed current by a manager"  # type: ignore[attr-defined]
    initiative.save(update_fields=["last_verified_at", "stale_flagged_at", "updated_at"])
    return initiative


FRESHNESS_AFTER = timedelta(days=365)
STALE_AFTER = timedelta(days=548)  # 18 months


def freshness_request_due(*, limit: int = 500) -> int:
    """Ask the managers of initiatives verified more than a year ago to confirm or update them.

    Each initiative is asked at most once a year; run daily by beat. Returns how many were asked.
    """
    now = timezone.now()
    due = (
        Initiative.objects.published()
        .filter(last_verified_at__lt=now - FRESHNESS_AFTER)
        .filter(
            Q(freshness_requested_at__isnull=True)
            | Q(freshness_requested_at__lt=now - FRESHNESS_AFTER)
        )
        .prefetch_related("managers")
        .order_by("last_verified_at")[:limit]
    )
    asked = 0
    for initiative in due:
        with transaction.atomic():
            updated = Initiative.objects.filter(
                pk=initiative.pk, freshness_requested_at=initiative.freshness_requested_at
            ).update(freshness_requested_at=now)
            if not updated:
                continue  # another worker took it
            for manager in initiative.managers.all():
                if manager.is_active:
                    emails.send(
                        template="initiatives/freshness",
                        to=manager,
                        context={
                            "initiative": initiative,
                            "confirm_url": reverse(
                                "initiatives:confirm_fresh", args=[freshness_token(initiative)]
                            ),
                            "edit_url": reverse("initiatives:mine"),
                        },
                    )
            asked += 1
    return asked


def stale_flag_due() -> int:
    """Put initiatives unconfirmed for 18 months in the moderation queue, once each."""
    from iapt_platform.moderation.services import moderation_submit

    now = timezone.now()
    stale = Initiative.objects.published().filter(
        last_verified_at__lt=now - STALE_AFTER, stale_flagged_at__isnull=True
    )
    flagged = 0
    for initiative in stale.order_by("last_verified_at")[:1000]:
        with transaction.atomic():
            # Claimed by a conditional UPDATE: a second run at the same time (two beats) skips it.
            claimed = Initiative.objects.filter(
                pk=initiative.pk, stale_flagged_at__isnull=True
            ).update(stale_flagged_at=now)
            if not claimed:
                continue
            initiative.stale_flagged_at = now
            moderation_submit(obj=initiative, kind="stale_initiative", submitted_by=None)
            flagged += 1
    return flagged


def stale_verified_by_staff(initiative: Initiative, *, moderator: User, comment: str) -> None:
    initiative.last_verified_at = timezone.now()
    initiative.stale_flagged_at = None
    initiative._change_reason = comment or "verified by staff"  # type: ignore[attr-defined]
    initiative.save(update_fields=["last_verified_at", "stale_flagged_at", "updated_at"])


def stale_ask_again(initiative: Initiative, *, moderator: User, comment: str) -> None:
    Initiative.objects.filter(pk=initiative.pk).update(
        freshness_requested_at=None, stale_flagged_at=None
    )


def stale_unpublish(initiative: Initiative, *, moderator: User, comment: str) -> None:
    initiative.status = Initiative.Status.REJECTED
    initiative._change_reason = comment  # type: ignore[attr-defined]
    initiative.save(update_fields=["status", "updated_at"])


# --- A manager leaves -------------------------------------------------------------------------------
ORPHAN_KIND = "orphaned_initiative"
UNFINISHED = (Initiative.Status.DRAFT, Initiative.Status.CHANGES_REQUESTED)


def manager_depart(*, closing: Closing) -> None:
    """The registry without the person. An initiative they managed with others stays with the
    others. One they managed alone: published, it goes to the moderation queue, where staff keep
    it (and may give it a manager) or unpublish it; waiting for review, it stays in the queue;
    a draft nobody else can finish goes, with the drafts of edits to it. Their address leaves
    the initiatives' contact fields, past versions included; their co-management requests go
    (with the account) and leave the queue."""
    from iapt_platform.moderation.services import moderation_submit, moderation_withdraw

    user = closing.user
    moderation_withdraw(objects=ManagementRequest.objects.filter(user=user))
    for initiative in Initiative.objects.filter(managers=user).order_by("pk"):
        initiative.managers.remove(user)
        if initiative.managers.exists():
            continue
        unfinished = [
            *initiative.revisions.filter(status__in=UNFINISHED),
            *([initiative] if initiative.status in UNFINISHED else []),
        ]
        moderation_withdraw(objects=unfinished)
        for draft in unfinished:
            draft.delete()
        if initiative.status == Initiative.Status.PUBLISHED:
            moderation_submit(obj=initiative, kind=ORPHAN_KIND, submitted_by=None)
    theirs = Q()
    for address in closing.addresses():
        theirs |= Q(contact_email__iexact=address)
    Initiative.objects.filter(theirs).update(contact_email="")
    Initiative.history.filter(theirs).update(contact_email="")  # type: ignore[attr-defined]


def orphan_kept(initiative: Initiative, *, moderator: User, comment: str) -> None:
    """Staff keep an initiative that lost its last manager (they may give it one in the admin)."""
    stale_verified_by_staff(initiative, moderator=moderator, comment=comment)
