from .models import User


def user_set_language(*, user: User, language: str) -> None:
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def user_update_profile(*, user: User, data: dict) -> User:
    """Save the profile fields of `data` (already cleaned by ProfileForm)."""
    fields = []
    for name, value in data.items():
        if getattr(user, name) != value:
            setattr(user, name, value)
            fields.append(name)
    if fields:
        user.save(update_fields=fields)
    return user
