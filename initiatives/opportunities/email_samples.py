"""Sample email of opportunities: a member's proposal received (the decision is the moderation
queue's own email, `moderation_decision`)."""

from iapt_platform.lib import email_samples as samples
from iapt_platform.lib import emails


def proposal_received(language: str) -> emails.RenderedEmail:
    return samples.render(
        "opportunities/proposal_received",
        to=samples.person(language),
        context={"title": samples.HOSTILE, "path": "/opportunities/fondo-avocado/"},
    )


def register() -> None:
    samples.register("opportunities/proposal_received", proposal_received)
