from django.db import migrations

# The library's topics, in Spanish, English and Portuguese: the taxonomy every installation starts
# with (staff may add more in the admin).
TOPICS = [
    ("financing", "Financiamiento de clústeres", "Cluster financing", "Financiamento de clusters"),
    ("cluster-management", "Gestión de clústeres", "Cluster management", "Gestão de clusters"),
    (
        "training-directors",
        "Formación de gerentes de clúster",
        "Training of cluster directors",
        "Formação de gestores de cluster",
    ),
    ("impact-evaluation", "Evaluación de impacto", "Impact evaluation", "Avaliação de impacto"),
    ("digital-economy", "Economía digital", "Digital economy", "Economia digital"),
    ("internationalisation", "Internacionalización", "Internationalisation", "Internacionalização"),
    ("innovation", "Innovación", "Innovation", "Inovação"),
    (
        "productive-policy",
        "Política de desarrollo productivo",
        "Productive development policy",
        "Política de desenvolvimento produtivo",
    ),
    ("sustainability", "Sostenibilidad", "Sustainability", "Sustentabilidade"),
]


def forwards(apps, schema_editor):
    Topic = apps.get_model("library", "Topic")
    for order, (slug, es, en, pt) in enumerate(TOPICS):
        Topic.objects.update_or_create(
            slug=slug,
            defaults={"name": es, "name_es": es, "name_en": en, "name_pt_br": pt, "order": order},
        )


class Migration(migrations.Migration):
    dependencies = [("library", "0002_search_index")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
