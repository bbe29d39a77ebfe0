"""The opportunities' topics: the library's slugs, so that following a topic covers both."""

from iapt_platform.lib.taxonomy import TopicRow

TOPICS: list[TopicRow] = [
    ("financing", "Financiamiento de clústeres", "Cluster financing", "Financiamento de clusters"),
    ("cluster-management", "Gestión de clústeres", "Cluster management", "Gestão de clusters"),
    (
        "training-directors",
        "Formación de gerentes de clúster",
        "Training of cluster directors",
        "Formação de gestores de cluster",
    ),
    ("digital-economy", "Economía digital", "Digital economy", "Economia digital"),
    ("internationalisation", "Internacionalización", "Internationalisation", "Internacionalização"),
    ("innovation", "Innovación", "Innovation", "Inovação"),
    ("sustainability", "Sostenibilidad", "Sustainability", "Sustentabilidade"),
]
