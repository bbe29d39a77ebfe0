from django.utils.functional import SimpleLazyObject


def notifications(request):
    """The unread count in the header: one indexed COUNT, run only when a template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"UNREAD_NOTIFICATIONS": 0}

    def count() -> int:
        from .selectors import unread_count

        return unread_count(user=user)

    return {"UNREAD_NOTIFICATIONS": SimpleLazyObject(count)}
