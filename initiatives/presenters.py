"""What a page shows of an initiative, depending on who reads it."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from iapt_platform.accounts import privacy
from iapt_platform.lib import seo

from . import geography
from .models import Initiative, Programme


@dataclass(frozen=True)
class Contact:
    name: str
    email: str
    phone: str


_SLUG = "SLUG"  # stands for each card's slug in its address, reversed once per list


def directory_cards(initiatives: Iterable[Initiative]) -> SafeString:
    """The directory's cards (one <li> each: name and acronym, type, country, city, stage,
    sectors (`listed_sectors`, selectors.py), programme; never a contact), built in one pass rather than a template loop: a page
    of 24 cards asks a template a few hundred variables, which cost more than the lines here."""
    before, after = reverse("initiatives:detail", args=[_SLUG]).split(_SLUG)

    def card(initiative: Initiative) -> tuple:
        place = [initiative.get_kind_display(), initiative.country.name]
        place += [initiative.city] if initiative.city else []
        place += [initiative.get_stage_display()] if initiative.stage else []
        sectors = ", ".join(str(sector.name) for sector in initiative.listed_sectors)
        programme = initiative.programme
        return (
            before + initiative.slug + after,
            initiative.name,
            format_html(' <span class="meta">({})</span>', initiative.acronym)
            if initiative.acronym
            else "",
            " · ".join(str(part) for part in place),
            sectors,
            format_html(" · {}", programme.name) if programme else "",
        )

    return format_html_join(
        mark_safe("\n      "),
        '<li class="initiative-item">\n        <h2 class="card-title"><a href="{}">{}</a>{}</h2>'
        '\n        <p class="meta">{}</p>\n        <p class="meta">{}{}</p>\n      </li>',
        (card(initiative) for initiative in initiatives),
    )


def visible_contact(
    *, initiative: Initiative, viewer=None, audience: privacy.Audience | None = None
) -> Contact:
    """The contact person as the initiative lets this viewer (or audience) see it."""
    shown = privacy.contact_for(initiative, viewer=viewer, audience=audience)
    return Contact(name=initiative.contact_name, email=shown["email"], phone=shown["phone"])


def members_see_more(*, initiative: Initiative, viewer) -> bool:
    """True for a visitor when signing in would show more of the contact person."""
    if privacy.audience_of(viewer) != privacy.Audience.PUBLIC:
        return False
    members = visible_contact(initiative=initiative, audience=privacy.Audience.MEMBERS)
    return members != visible_contact(initiative=initiative, audience=privacy.Audience.PUBLIC)


def public_email(initiative: Initiative) -> str:
    return visible_contact(initiative=initiative, audience=privacy.Audience.PUBLIC).email


def public_phone(initiative: Initiative) -> str:
    return visible_contact(initiative=initiative, audience=privacy.Audience.PUBLIC).phone


def location(*, initiative: Initiative) -> dict | None:
    """The outline of the country with the initiative's place, or None without coordinates."""
    if initiative.latitude is None or initiative.longitude is None:
        return None
    return geography.location_svg(
        initiative.country.code, float(initiative.latitude), float(initiative.longitude)
    )


def structured_data(*, initiative: Initiative) -> dict[str, Any]:
    """schema.org Organization for the initiative's page (JSON-LD, lib/seo serialises it).

    It is the same for every reader (the page is cached for visitors, and search engines read
    it): contact details only as privacy.py lets the public see them.
    """
    url = f"{settings.SITE_URL}{initiative.get_absolute_url()}"
    address = {
        "@type": "PostalAddress",
        "addressCountry": initiative.country.code,
        "addressRegion": initiative.subdivision_name if initiative.subdivision else "",
        "addressLocality": initiative.city or initiative.territory,
    }
    data: dict[str, Any] = {
        "@type": "Organization",
        "@id": url,
        "name": initiative.name,
        "alternateName": initiative.acronym,
        "url": url,
        "description": initiative.description[:500],
        "address": {key: value for key, value in address.items() if value},
        "knowsAbout": [s.name for s in initiative.sectors.all()],
        "foundingDate": str(initiative.year_founded) if initiative.year_founded else "",
        "sameAs": [u for u in (initiative.website, initiative.linkedin_url, initiative.x_url) if u],
    }
    if initiative.latitude is not None and initiative.longitude is not None:
        data["location"] = {
            "@type": "Place",
            "geo": {
                "@type": "GeoCoordinates",
                "latitude": float(initiative.latitude),
                "longitude": float(initiative.longitude),
            },
        }
    if initiative.logo:
        data["logo"] = seo.absolute(initiative.logo.url)
    public = visible_contact(initiative=initiative, audience=privacy.Audience.PUBLIC)
    if public.email:
        data["email"] = public.email
    if public.phone:
        data["telephone"] = public.phone
    return {key: value for key, value in data.items() if value not in ("", [], None)}


def programme_structured_data(*, programme: Programme) -> dict[str, Any]:
    """schema.org Organization for a programme's page (the promoting entity's programme)."""
    url = f"{settings.SITE_URL}{reverse('initiatives:programme', args=[programme.slug])}"
    data: dict[str, Any] = {
        "@type": "Organization",
        "@id": url,
        "name": programme.name,
        "alternateName": programme.acronym,
        "url": url,
        "description": programme.description[:500],
        "sameAs": [programme.website] if programme.website else [],
    }
    if programme.country:
        data["address"] = {"@type": "PostalAddress", "addressCountry": programme.country.code}
    return {key: value for key, value in data.items() if value not in ("", [], None)}


__all__ = [
    "Contact",
    "members_see_more",
    "programme_structured_data",
    "public_email",
    "public_phone",
    "structured_data",
    "visible_contact",
]
