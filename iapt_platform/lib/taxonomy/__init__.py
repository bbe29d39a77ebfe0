"""One shape for the apps' topic lists (community, library, matchmaking, stories, bulletin).

Each app keeps its own table and its own set of topics, which are data that staff edit in the
admin; what they share is written once here: the abstract model (`models.py`), its
modeltranslation options (`translation.py`), its admin (`admin.py`) and the seeding of a set.
The admin and translation modules are kept apart from the model because they import the admin
site, which must not load while the apps' models are still loading.
"""

from collections.abc import Iterable, Mapping
from typing import Any

# slug, Spanish, English, Brazilian Portuguese
TopicRow = tuple[str, str, str, str]


def seed_topics(
    topic_model: Any,
    rows: Iterable[TopicRow],
    *,
    extra: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Create or refresh a set of topics, ordered as listed, and return them by slug.

    Idempotent; takes the model class from the app registry or from a migration's `apps`.
    `extra` adds an app's own fields per slug (the matchmaking's `digital` flag).
    """
    topics = {}
    for order, (slug, es, en, pt) in enumerate(rows):
        topics[slug], _created = topic_model.objects.update_or_create(
            slug=slug,
            defaults={
                "name": es,
                "name_es": es,
                "name_en": en,
                "name_pt_br": pt,
                "order": order,
                **(extra or {}).get(slug, {}),
            },
        )
    return topics
