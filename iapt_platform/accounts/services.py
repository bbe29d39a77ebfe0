from .models import User


def user_set_language(*, user: User, language: str) -> None:
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def user_update_profile(*, user: User, data: dict) -> User:
    """Save the profile fields of `data` (already cleaned by ProfileForm)."""
    for name, value in data.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=list(data))
    return user
