"""Sample emails of matchmaking: connections and joint projects."""

from iapt_platform.lib import email_samples as samples
from iapt_platform.lib import emails


def _email(template: str, context: dict) -> samples.Render:
    def render(language: str) -> emails.RenderedEmail:
        return samples.render(template, to=samples.person(language), context=context)

    return render


def register() -> None:
    samples.register(
        "matchmaking/connection_request",
        _email(
            "matchmaking/connection_request",
            {
                "from_name": samples.HOSTILE,
                "to_name": "Clúster TIC d'Orient",
                "message": "We'd like to work with you & share <data>.\n\nRegards",
                "link": "/matchmaking/connections/1/",
            },
        ),
    )
    samples.register(
        "matchmaking/connection_answer",
        _email(
            "matchmaking/connection_answer",
            {
                "accepted": True,
                "from_name": samples.HOSTILE,
                "to_name": "Clúster TIC d'Orient",
                "link": "/matchmaking/connections/1/",
            },
        ),
    )
    samples.register(
        "matchmaking/project_invitation",
        _email(
            "matchmaking/project_invitation",
            {
                "project_title": "Cyber Andes & Co",
                "initiative_name": samples.HOSTILE,
                "message": "Join us, it's <fun>.",
                "link": "/matchmaking/projects/cyber-andes/",
            },
        ),
    )
    samples.register(
        "matchmaking/project_join_request",
        _email(
            "matchmaking/project_join_request",
            {
                "project_title": "Cyber Andes & Co",
                "initiative_name": samples.HOSTILE,
                "message": "We'd like to join & help.",
                "link": "/matchmaking/projects/cyber-andes/",
            },
        ),
    )
