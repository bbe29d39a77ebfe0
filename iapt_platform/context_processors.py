from django.conf import settings


def platform(request):
    """What the page frame needs on every page."""
    match = getattr(request, "resolver_match", None)
    return {
        "NAV_SECTION": match.namespaces[0] if match and match.namespaces else "",
        "LANGUAGES_MENU": settings.LANGUAGES,
        "READER_TIME_ZONE": getattr(request, "time_zone", settings.DEFAULT_READER_TIME_ZONE),
        "SOURCE_URL": settings.SOURCE_URL,
        # static/js/tz.js writes this cookie with the flags the server gives the others.
        "TIME_ZONE_COOKIE": {
            "name": settings.TIME_ZONE_COOKIE_NAME,
            "secure": settings.TIME_ZONE_COOKIE_SECURE,
            "samesite": settings.TIME_ZONE_COOKIE_SAMESITE,
        },
    }
