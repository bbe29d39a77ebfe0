from django.utils.functional import SimpleLazyObject


def notifications(request):
    """The unread count in the header: one indexed COUNT, run only when a template shows it, and
    the version of that count, which names the member's kept frame (iapt_platform/lib/framecache.py)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"UNREAD_NOTIFICATIONS": 0, "UNREAD_VERSION": ""}

    from .selectors import unread_count, unread_version

    def version() -> str:
        # Once per request: a page kept for members renders each part of its frame apart.
        if not hasattr(request, "_unread_version"):
            request._unread_version = unread_version(user=user)
        return request._unread_version

    return {
        "UNREAD_NOTIFICATIONS": SimpleLazyObject(lambda: unread_count(user=user)),
        "UNREAD_VERSION": SimpleLazyObject(version),
    }
