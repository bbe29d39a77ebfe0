"""Sample emails of the registry: a co-manager invitation and the freshness reminder."""

from types import SimpleNamespace

from iapt_platform.lib import email_samples as samples
from iapt_platform.lib import emails


def invitation(language: str) -> emails.RenderedEmail:
    return samples.render(
        "initiatives/invitation",
        to=samples.address(language),
        language=language,
        context={
            "initiative": SimpleNamespace(name=samples.HOSTILE),
            "inviter": samples.person("es"),
            "accept_url": "/initiatives/invitations/token/",
        },
    )


def freshness(language: str) -> emails.RenderedEmail:
    return samples.render(
        "initiatives/freshness",
        to=samples.person(language),
        context={
            "initiative": SimpleNamespace(name=samples.HOSTILE),
            "confirm_url": "/initiatives/fresh/token/",
            "edit_url": "/initiatives/mine/",
        },
    )


def register() -> None:
    samples.register("initiatives/invitation", invitation)
    samples.register("initiatives/freshness", freshness)
