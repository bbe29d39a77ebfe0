"""The community's topics and forum categories, in three languages (seeded by a data migration and
kept current by the demo seeder)."""

from iapt_platform.lib.taxonomy import seed_topics

# slug: (Spanish, English, Portuguese)
TOPICS = {
    "financing": (
        "Metodologías de financiamiento de clústeres",
        "Financing methodologies for clusters",
        "Metodologias de financiamento de clusters",
    ),
    "director-training": (
        "Formación de gerentes de clústeres",
        "Training of cluster directors",
        "Formação de gestores de clusters",
    ),
    "impact-evaluation": ("Evaluación de impacto", "Impact evaluation", "Avaliação de impacto"),
    "digital-economy": ("Economía digital", "Digital economy", "Economia digital"),
    "productive-policy": (
        "Políticas de desarrollo productivo",
        "Productive development policy",
        "Políticas de desenvolvimento produtivo",
    ),
    "joint-projects": (
        "Proyectos conjuntos entre iniciativas",
        "Joint projects between initiatives",
        "Projetos conjuntos entre iniciativas",
    ),
    "governance": ("Gobernanza de clústeres", "Cluster governance", "Governança de clusters"),
    "internationalisation": (
        "Internacionalización",
        "Internationalisation",
        "Internacionalização",
    ),
    "innovation": ("Innovación y tecnología", "Innovation and technology", "Inovação e tecnologia"),
    "sustainability": (
        "Sostenibilidad y transición verde",
        "Sustainability and the green transition",
        "Sustentabilidade e transição verde",
    ),
}

# slug: ((name es, en, pt-br), (description es, en, pt-br))
CATEGORIES = {
    "financing": (
        TOPICS["financing"],
        (
            "Cómo se financian las iniciativas clúster: fondos públicos, cuotas de socios, "
            "proyectos y servicios.",
            "How cluster initiatives are financed: public funds, member fees, projects and "
            "services.",
            "Como as iniciativas de cluster se financiam: fundos públicos, contribuições dos "
            "associados, projetos e serviços.",
        ),
    ),
    "director-training": (
        TOPICS["director-training"],
        (
            "Programas, contenidos y experiencias de formación para quienes gestionan clústeres.",
            "Programmes, curricula and experience in training the people who manage clusters.",
            "Programas, conteúdos e experiências de formação de quem gere clusters.",
        ),
    ),
    "impact-evaluation": (
        TOPICS["impact-evaluation"],
        (
            "Métodos, indicadores y resultados de la evaluación de impacto de las iniciativas.",
            "Methods, indicators and findings of impact evaluations of initiatives.",
            "Métodos, indicadores e resultados da avaliação de impacto das iniciativas.",
        ),
    ),
    "digital-economy": (
        TOPICS["digital-economy"],
        (
            "Transformación digital de las empresas y proyectos digitales entre iniciativas.",
            "Digital transformation of firms and digital projects between initiatives.",
            "Transformação digital das empresas e projetos digitais entre iniciativas.",
        ),
    ),
    "productive-policy": (
        TOPICS["productive-policy"],
        (
            "Programas nacionales y subnacionales de desarrollo productivo y de clústeres.",
            "National and sub-national productive development and cluster programmes.",
            "Programas nacionais e subnacionais de desenvolvimento produtivo e de clusters.",
        ),
    ),
    "introductions": (
        ("Presentaciones", "Introductions", "Apresentações"),
        (
            "Preséntese a la comunidad: quién es, dónde trabaja, qué busca aprender.",
            "Introduce yourself: who you are, where you work, what you want to learn.",
            "Apresente-se à comunidade: quem é, onde trabalha, o que quer aprender.",
        ),
    ),
}


def seed_taxonomy(topic_model, category_model) -> None:
    """Create or update the topics and categories (idempotent; used by migration and demo)."""
    seed_topics(topic_model, [(slug, *names) for slug, names in TOPICS.items()])
    for order, (slug, ((name_es, name_en, name_pt), (d_es, d_en, d_pt))) in enumerate(
        CATEGORIES.items()
    ):
        category_model.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name_es,
                "name_es": name_es,
                "name_en": name_en,
                "name_pt_br": name_pt,
                "description": d_es,
                "description_es": d_es,
                "description_en": d_en,
                "description_pt_br": d_pt,
                "order": order,
            },
        )
