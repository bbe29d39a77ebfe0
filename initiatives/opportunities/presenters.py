"""What search engines read of an opportunity: schema.org data as JSON-LD. An event or a training
programme is an Event; a funding call, a grant or a tender an Offer of its organiser that is valid
from its opening to its closing moment."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from iapt_platform.lib import seo

from .models import Opportunity


def structured_data(
    *, opportunity: Opportunity, title: str, description: str, language: str
) -> dict[str, Any]:
    url = f"{settings.SITE_URL}{opportunity.get_absolute_url()}"
    organiser = {"@type": "Organization", "name": opportunity.organiser}
    countries = [{"@type": "Country", "name": code} for code in opportunity.country_codes()]
    if opportunity.kind in (Opportunity.Kind.EVENT, Opportunity.Kind.TRAINING):
        data: dict[str, Any] = {
            "@type": "Event",
            "name": title[:110],
            "description": description[:500],
            "inLanguage": language,
            "url": url,
            "organizer": organiser,
            "startDate": seo.iso_date(opportunity.opens_at),
            "endDate": seo.iso_date(opportunity.closes_at),
            "eventAttendanceMode": "https://schema.org/MixedEventAttendanceMode",
            "location": {"@type": "VirtualLocation", "url": opportunity.link},
        }
    else:
        data = {
            "@type": "Offer",
            "name": title[:110],
            "description": description[:500],
            "url": url,
            "offeredBy": organiser,
            "availabilityStarts": seo.iso_date(opportunity.opens_at),
            "availabilityEnds": seo.iso_date(opportunity.closes_at),
            "validThrough": seo.iso_date(opportunity.closes_at),
            "eligibleRegion": countries,
        }
        if opportunity.amount is not None:
            data["price"] = str(opportunity.amount)
            data["priceCurrency"] = opportunity.currency
    return {key: value for key, value in data.items() if value not in (None, "", [])}
