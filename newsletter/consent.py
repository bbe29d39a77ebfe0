"""The consent text people agree to when they subscribe, by version.

A subscriber keeps the version they agreed to. Never edit a published version's wording: add a new
version and point CONSENT_VERSION at it, so that every record still names the exact text.
"""

from django.utils.translation import gettext_lazy as _

CONSENT_VERSION = "2025-06-v1"
CONSENT_TEXTS = {
    "2025-06-v1": _(
        "I want to receive the IAPT Platform bulletin by email, in the language I choose. I can "
        "change my preferences or leave at any time from the link at the end of every bulletin. "
        "CEPAL keeps my address and this consent only to send me the bulletin."
    ),
}


def consent_text(version: str = CONSENT_VERSION) -> str:
    return str(CONSENT_TEXTS.get(version, ""))
