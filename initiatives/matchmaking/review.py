"""What a moderator reads on the queue's item page for offers, needs and joint projects."""

from django_countries import countries

from iapt_platform.moderation.content import Pair, display, field_pairs, label_of

from .models import CollaborationPost, Project, ProjectUpdate, Topic


def post_content(post: CollaborationPost) -> list[Pair]:
    return field_pairs(
        post,
        [
            "initiative",
            "direction",
            "kind",
            "title",
            "text",
            "text_language",
            "topics",
            "sectors",
            "countries",
            "expires_at",
        ],
    )


_PROJECT_FIELDS = ["title", "summary", "text_language", "stage", "topics", "countries"]


def project_content(project: Project) -> list[Pair]:
    return field_pairs(project, [*_PROJECT_FIELDS, "call_to_join", "results"])


def project_edit_content(project: Project) -> list[Pair]:
    """The published project with the pending edit applied, under the same labels."""
    changes = project.pending_changes or {}
    proposed = dict(project_content(project))
    for name in Project.EDITABLE:
        if name in changes:
            proposed[label_of(Project, name)] = display(changes[name])
    if "countries" in changes:
        proposed[label_of(Project, "countries")] = ", ".join(
            str(countries.name(code) or code) for code in changes["countries"]
        )
    if "topics" in changes:
        proposed[label_of(Project, "topics")] = ", ".join(
            str(topic) for topic in Topic.objects.filter(pk__in=changes["topics"])
        )
    return list(proposed.items())


def update_content(update: ProjectUpdate) -> list[Pair]:
    return field_pairs(update, ["project", "initiative", "text"])
