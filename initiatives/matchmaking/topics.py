"""The seeded topics: the digital-economy set the community asked for first, then a few others.

Plain data (no model import), so that the data migration, the demo seeder and the tests share it.
"""

from iapt_platform.lib.taxonomy import seed_topics

# slug, digital, Spanish, English, Portuguese
TOPICS = [
    ("data-ai", True, "Datos e IA", "Data and AI", "Dados e IA"),
    ("cloud", True, "Nube", "Cloud", "Nuvem"),
    ("cybersecurity", True, "Ciberseguridad", "Cybersecurity", "Cibersegurança"),
    ("ecommerce", True, "Comercio electrónico", "E-commerce", "Comércio eletrônico"),
    ("fintech", True, "Fintech", "Fintech", "Fintech"),
    ("industry-4-0", True, "Industria 4.0", "Industry 4.0", "Indústria 4.0"),
    ("digital-skills", True, "Habilidades digitales", "Digital skills", "Habilidades digitais"),
    ("connectivity", True, "Conectividad", "Connectivity", "Conectividade"),
    ("exports", False, "Internacionalización", "Exports and internationalisation",
     "Internacionalização"),
    ("sustainability", False, "Sostenibilidad y economía circular",
     "Sustainability and circular economy", "Sustentabilidade e economia circular"),
    ("quality-standards", False, "Calidad y normas", "Quality and standards",
     "Qualidade e normas"),
    ("innovation", False, "Gestión de la innovación", "Innovation management",
     "Gestão da inovação"),
    ("cluster-finance", False, "Financiamiento de clústeres", "Cluster financing",
     "Financiamento de clusters"),
]  # fmt: skip


def ensure_topics(topic_model) -> None:
    """Create or refresh the seeded topics (a model class from the app registry or migrations)."""
    seed_topics(
        topic_model,
        [(slug, es, en, pt) for slug, _digital, es, en, pt in TOPICS],
        extra={slug: {"digital": digital} for slug, digital, *_names in TOPICS},
    )
