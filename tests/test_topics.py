"""The five apps' topic lists share one model shape (iapt_platform.lib.taxonomy); moving them onto
it changed no row: each app keeps its table, its topics and the links to them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from community.models import Topic as CommunityTopic
from iapt_platform.lib.taxonomy import seed_topics
from initiatives.matchmaking.models import Topic as MatchmakingTopic
from initiatives.stories.models import Topic as StoriesTopic
from library.models import Topic as LibraryTopic
from newsletter.models import Topic as NewsletterTopic

# The last migration of each app before its topics took the shared shape.
BEFORE = [
    ("community", "0005_profile_visibility_members_or_nobody"),
    ("library", "0007_resource_public_pictures"),
    ("matchmaking", "0002_seed_topics"),
    ("newsletter", "0004_delivery_claim_index"),
]
LONGEST_OLD_NAME = "Financiamiento " + "x" * 85  # the bulletin's names could be 100 long


@pytest.mark.django_db(transaction=True)
def test_the_shared_shape_keeps_every_topic_and_every_link():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    made = {}
    for app in ["community", "library", "matchmaking", "newsletter"]:
        model = old.get_model(app, "Topic")
        made[app] = model.objects.create(
            slug="kept",
            name=LONGEST_OLD_NAME,
            name_es=LONGEST_OLD_NAME,
            name_en="Kept",
            name_pt_br="Mantido",
            order=7,
        )
    subscriber = old.get_model("newsletter", "Subscriber").objects.create(
        email="reader@example.org", language="es"
    )
    subscriber.topics.add(made["newsletter"])
    resource = old.get_model("library", "Resource").objects.create(
        slug="kept", title="Guía", summary="Resumen", type="guide"
    )
    resource.topics.add(made["library"])

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    new = executor.loader.project_state(executor.loader.graph.leaf_nodes()).apps

    for app in made:
        kept = new.get_model(app, "Topic").objects.get(pk=made[app].pk)
        assert (kept.slug, kept.name_es, kept.name_en, kept.name_pt_br, kept.order) == (
            "kept",
            LONGEST_OLD_NAME,
            "Kept",
            "Mantido",
            7,
        )
    reader = new.get_model("newsletter", "Subscriber").objects.get(pk=subscriber.pk)
    assert list(reader.topics.values_list("slug", flat=True)) == ["kept"]
    guide = new.get_model("library", "Resource").objects.get(pk=resource.pk)
    assert list(guide.topics.values_list("slug", flat=True)) == ["kept"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model", [CommunityTopic, LibraryTopic, MatchmakingTopic, StoriesTopic, NewsletterTopic]
)
def test_each_app_seeds_and_names_its_topics_in_three_languages(model):
    rows = [
        ("b-first", "Primero", "First", "Primeiro"),
        ("a-second", "Segundo", "Second", "Segundo"),
    ]
    seed_topics(model, rows)
    seed_topics(model, rows)  # seeding again changes nothing
    topics = model.objects.filter(slug__in=["a-second", "b-first"])
    assert [t.slug for t in topics] == ["b-first", "a-second"]  # in the order listed
    with translation.override("es"):
        assert [str(t) for t in topics] == ["Primero", "Segundo"]
    with translation.override("pt-br"):
        assert [str(t) for t in topics] == ["Primeiro", "Segundo"]
    assert model._meta.get_field("name").max_length == 120
