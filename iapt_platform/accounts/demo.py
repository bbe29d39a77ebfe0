"""Demo accounts. The password is public on purpose: these accounts exist only in demo data."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from . import roles
from .models import User

DEMO_PASSWORD = "demo-iapt-2026"  # noqa: S105 (printed by make run for newcomers)
# Moderators work with an authenticator app; the demo one's key is public like the password, so
# that a newcomer can moderate at once (`manage.py demo_totp_code` prints the current code).
DEMO_MODERATOR = "moderator@demo.iapt.local"
DEMO_TOTP_SECRET = "IAPTDEMOMODERATORCARMENROJASDEMO"  # noqa: S105 (base32, demo data only)

DEMO_ACCOUNTS = [
    # email, display name, organisation, country, language, time zone, roles
    (
        "moderator@demo.iapt.local",
        "Carmen Rojas",
        "CEPAL",
        "CL",
        "es",
        "America/Santiago",
        [roles.MEMBER, roles.MODERATOR],
    ),
    (
        "promoter@demo.iapt.local",
        "Lucía Andrade",
        "Programa Nacional de Clústeres",
        "EC",
        "es",
        "America/Guayaquil",
        [roles.MEMBER, roles.PROMOTER],
    ),
    (
        "member@demo.iapt.local",
        "João Pereira",
        "Arranjo Produtivo Local de Software",
        "BR",
        "pt-br",
        "America/Sao_Paulo",
        [roles.MEMBER],
    ),
    (
        "member.en@demo.iapt.local",
        "Andrea Clarke",
        "Jamaica Tourism Cluster",
        "JM",
        "en",
        "America/Jamaica",
        [roles.MEMBER],
    ),
]


def seed(write) -> None:
    for email, name, organisation, country, language, zone, user_roles in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "display_name": name,
                "organisation": organisation,
                "country": country,
                "language": language,
                "time_zone": zone,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        for role in user_roles:
            roles.grant_role(user, role)
        if (
            email == DEMO_MODERATOR
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            TOTP.activate(user, DEMO_TOTP_SECRET)
    write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for email, name, _org, _c, language, _z, user_roles in DEMO_ACCOUNTS:
        write(f"  {email:<28} {', '.join(user_roles):<20} {language}  {name}")
    write(
        f"  The moderator's authenticator key is {DEMO_TOTP_SECRET}: add it to an authenticator"
        " app, or print the current code with `.venv/bin/python manage.py demo_totp_code`."
    )
