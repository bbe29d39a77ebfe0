"""What a moderator reads on the queue's item page for a proposed library resource."""

from django.utils.translation import gettext as _

from iapt_platform.moderation.content import Pair, display, field_pairs, label_of

from .models import Resource


def resource_content(resource: Resource) -> list[Pair]:
    return [
        *field_pairs(resource, ["title", "title_language", "summary", "summary_language", "type"]),
        *field_pairs(resource, ["topics", "year"]),
        (label_of(Resource, "authors"), resource.author_display()),
        *field_pairs(resource, ["publisher", "licence", "file_name", "external_url"]),
        (_("Languages"), ", ".join(resource.language_labels())),
        (_("Countries"), display(resource.countries)),
        *field_pairs(resource, ["initiatives"]),
    ]
