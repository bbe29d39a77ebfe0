"""What a page shows of an initiative, depending on who reads it."""

import json
from dataclasses import dataclass

from iapt_platform.accounts import privacy

from . import geography
from .models import Initiative


@dataclass(frozen=True)
class Contact:
    name: str
    email: str
    phone: str


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


def json_ld(*, initiative: Initiative, request) -> str:
    """schema.org Organization, safe to place inside a <script> element."""
    data = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": initiative.name,
        "url": request.build_absolute_uri(initiative.get_absolute_url()),
        "description": initiative.description[:500],
        "address": {
            "@type": "PostalAddress",
            "addressCountry": initiative.country.code,
            "addressRegion": initiative.territory,
            "addressLocality": initiative.city,
        },
        "knowsAbout": [s.name for s in initiative.sectors.all()],
    }
    if initiative.acronym:
        data["alternateName"] = initiative.acronym
    if initiative.year_founded:
        data["foundingDate"] = str(initiative.year_founded)
    if initiative.website:
        data["sameAs"] = [
            u for u in [initiative.website, initiative.linkedin_url, initiative.x_url] if u
        ]
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
        data["logo"] = request.build_absolute_uri(initiative.logo.url)
    email = public_email(initiative)
    if email:
        data["email"] = email
    # json.dumps does not escape "</script>": escape the characters that could close the element.
    return (
        json.dumps(data, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


__all__ = [
    "Contact",
    "json_ld",
    "members_see_more",
    "public_email",
    "public_phone",
    "visible_contact",
]
