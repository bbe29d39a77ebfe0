from django.conf import settings


def platform(request):
    """What the page frame needs on every page."""
    match = getattr(request, "resolver_match", None)
    return {
        "NAV_SECTION": match.namespaces[0] if match and match.namespaces else "",
        "LANGUAGES_MENU": settings.LANGUAGES,
        "READER_TIME_ZONE": getattr(request, "time_zone", settings.DEFAULT_READER_TIME_ZONE),
        "SOURCE_URL": settings.SOURCE_URL,
    }
