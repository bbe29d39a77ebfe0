"""allauth's messages that its own catalogues leave untranslated, translated in ours.

Our catalogues come before allauth's (LOCALE_PATHS), so a msgid named here is read from ours.
gettext_noop only marks it for makemessages: allauth's templates do the translating.
"""

from django.utils.translation import gettext_noop

MESSAGES = [
    # pt_BR keeps "sign in" in English.
    gettext_noop("Already have an account? Then please %(link)ssign in%(end_link)s."),
]
