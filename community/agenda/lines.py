"""The community's lines of work and the forum category where proposals are discussed, in three
languages (seeded by a data migration, kept current by the demo seeder)."""

from iapt_platform.lib.taxonomy import TopicRow, seed_topics

LINES_OF_WORK: list[TopicRow] = [
    (
        "information-strategy",
        "Estrategia de información",
        "Information strategy",
        "Estratégia de informação",
    ),
    (
        "community-of-practice",
        "Comunidad de práctica",
        "Community of practice",
        "Comunidade de prática",
    ),
    (
        "joint-projects",
        "Proyectos conjuntos en economía digital",
        "Joint projects in the digital economy",
        "Projetos conjuntos em economia digital",
    ),
]

CATEGORY_SLUG = "agenda"
CATEGORY = (
    ("Agenda de la comunidad", "The community's agenda", "Agenda da comunidade"),
    (
        "Comentarios sobre las propuestas de la agenda: cada propuesta tiene su hilo.",
        "Comments on the agenda's proposals: each proposal has its own thread.",
        "Comentários sobre as propostas da agenda: cada proposta tem seu tópico.",
    ),
)


def seed_lines(line_model, category_model) -> None:
    """Create or refresh the lines of work and the agenda's forum category (idempotent)."""
    seed_topics(line_model, LINES_OF_WORK)
    (name_es, name_en, name_pt), (d_es, d_en, d_pt) = CATEGORY
    category_model.objects.update_or_create(
        slug=CATEGORY_SLUG,
        defaults={
            "name": name_es,
            "name_es": name_es,
            "name_en": name_en,
            "name_pt_br": name_pt,
            "description": d_es,
            "description_es": d_es,
            "description_en": d_en,
            "description_pt_br": d_pt,
            "order": 90,
        },
    )
