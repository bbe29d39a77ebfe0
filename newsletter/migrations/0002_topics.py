"""The bulletin's topics, in three languages (staff may add more from the admin)."""

from django.db import migrations

TOPICS = [
    ("financing", "Financiamiento de clústeres", "Financing clusters", "Financiamento de clusters"),
    ("training", "Formación de gerentes", "Training cluster managers", "Formação de gestores"),
    ("evaluation", "Evaluación de impacto", "Impact evaluation", "Avaliação de impacto"),
    ("digital", "Economía digital", "Digital economy", "Economia digital"),
    ("events", "Encuentros y eventos", "Meetings and events", "Encontros e eventos"),
    ("calls", "Convocatorias", "Calls and opportunities", "Chamadas e oportunidades"),
]


def add_topics(apps, schema_editor):
    Topic = apps.get_model("newsletter", "Topic")
    for order, (slug, es, en, pt) in enumerate(TOPICS):
        Topic.objects.get_or_create(
            slug=slug,
            defaults={"name": es, "name_es": es, "name_en": en, "name_pt_br": pt, "order": order},
        )


class Migration(migrations.Migration):
    dependencies = [("newsletter", "0001_initial")]

    operations = [migrations.RunPython(add_topics, migrations.RunPython.noop)]
