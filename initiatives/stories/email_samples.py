"""Sample emails of stories: a proposal received, a story published."""

from iapt_platform.lib import email_samples as samples
from iapt_platform.lib import emails

from .models import StoryProposal


def proposal_received(language: str) -> emails.RenderedEmail:
    proposal = StoryProposal(pk=1, title=samples.HOSTILE, text="Text", language=language)
    return samples.render(
        "stories/proposal_received",
        to=samples.person(language),
        context={"proposal": proposal, "initiative_name": samples.HOSTILE},
    )


def story_published(language: str) -> emails.RenderedEmail:
    return samples.render(
        "stories/story_published",
        to=samples.person(language),
        context={"story_title": samples.HOSTILE, "path": "/stories/avocado/"},
    )


def register() -> None:
    samples.register("stories/proposal_received", proposal_received)
    samples.register("stories/story_published", story_published)
