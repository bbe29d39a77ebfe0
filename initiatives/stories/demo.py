"""Demo stories: every kind, in three languages (one lacks Portuguese, to show the fallback), linked
to demo initiatives, with generated main images, and one proposal waiting in the queue."""

from __future__ import annotations

import io
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from iapt_platform.accounts.models import User
from iapt_platform.lib.taxonomy import seed_topics
from initiatives.models import Initiative, Sector

from . import services
from .models import InterviewBlock, Story, StoryProposal, Topic

TOPICS = [
    ("financing", "Financiamiento de clústeres", "Financing clusters", "Financiamento de clusters"),
    (
        "training",
        "Formación de gerentes de clúster",
        "Training cluster managers",
        "Formação de gestores de cluster",
    ),
    ("impact", "Evaluación de impacto", "Impact evaluation", "Avaliação de impacto"),
    ("digital", "Economía digital", "Digital economy", "Economia digital"),
    ("exports", "Internacionalización", "Internationalisation", "Internacionalização"),
    ("sustainability", "Sostenibilidad", "Sustainability", "Sustentabilidade"),
]

# slug, kind, days ago, initiative slugs, topic slugs, colour, video (provider, id) or None,
# {language: (title, summary, body)} (a language left out is a missing translation)
STORIES = [
    (
        "aguacate-michoacan-exporta-con-trazabilidad",
        "success",
        3,
        ["cluster-aguacate-michoacan"],
        ["exports", "digital"],
        (34, 102, 58),
        None,
        {
            "es": (
                "El aguacate de Michoacán exporta con trazabilidad digital",
                "Productores y empacadoras compartieron un sistema de trazabilidad que abrió mercados exigentes.",
                "Hace cinco años, las empacadoras del clúster llevaban registros en papel.\n\n"
                "## Lo que hicieron\n\nAcordaron un estándar común de trazabilidad y lo "
                "financiaron entre todos.\n\n- 120 huertas registradas\n- 14 empacadoras conectadas\n",
            ),
            "en": (
                "Michoacán's avocados reach new markets with digital traceability",
                "Growers and packers shared a traceability system that opened demanding markets.",
                "Five years ago the cluster's packers kept their records on paper.\n\n"
                "## What they did\n\nThey agreed on a common traceability standard and paid for it "
                "together.\n\n- 120 orchards registered\n- 14 packers connected\n",
            ),
            "pt-br": (
                "O abacate de Michoacán exporta com rastreabilidade digital",
                "Produtores e embaladoras compartilharam um sistema de rastreabilidade que abriu mercados exigentes.",
                "Há cinco anos, as embaladoras do cluster mantinham registros em papel.\n\n"
                "## O que fizeram\n\nAcordaram um padrão comum de rastreabilidade e o "
                "financiaram juntos.\n",
            ),
        },
    ),
    (
        "entrevista-gerente-cluster-software-cordoba",
        "interview",
        6,
        ["cluster-software-cordoba"],
        ["training", "digital"],
        (11, 85, 99),
        None,
        {
            "es": (
                "«El talento se forma entre todos»: entrevista con la gerencia del clúster de Córdoba",
                "Cómo un clúster de software organizó la formación de programadores con universidades.",
                "Conversamos con la gerencia del Córdoba Technology Cluster.",
            ),
            "en": (
                "“Talent is trained together”: an interview with the Córdoba cluster's management",
                "How a software cluster organised programmer training with universities.",
                "We talked with the management of the Córdoba Technology Cluster.",
            ),
            "pt-br": (
                "“O talento se forma entre todos”: entrevista com a gestão do cluster de Córdoba",
                "Como um cluster de software organizou a formação de programadores com universidades.",
                "Conversamos com a gestão do Córdoba Technology Cluster.",
            ),
        },
    ),
    (
        "video-turismo-sostenible-cusco",
        "video",
        9,
        ["red-turismo-cusco"],
        ["sustainability"],
        (150, 60, 20),
        ("youtube", "aqz-KE-bpKQ"),
        {
            "es": (
                "Video: turismo comunitario en el Valle Sagrado",
                "Operadores y comunidades de Cusco muestran cómo reparten los beneficios del turismo.",
                "Un recorrido de seis minutos por las rutas que la red diseñó con las comunidades.",
            ),
            "en": (
                "Video: community tourism in the Sacred Valley",
                "Operators and communities in Cusco show how they share the benefits of tourism.",
                "A six-minute tour of the routes the network designed with the communities.",
            ),
            "pt-br": (
                "Vídeo: turismo comunitário no Vale Sagrado",
                "Operadores e comunidades de Cusco mostram como repartem os benefícios do turismo.",
                "Um percurso de seis minutos pelas rotas que a rede desenhou com as comunidades.",
            ),
        },
    ),
    (
        "cacao-fino-esmeraldas-mercados-especialidad",
        "success",
        12,
        ["cluster-cacao-esmeraldas"],
        ["exports", "financing"],
        (92, 52, 30),
        None,
        {
            "es": (
                "Cacao fino de Esmeraldas: de la finca al chocolate de especialidad",
                "Asociaciones de productores negociaron juntas y duplicaron el precio recibido.",
                "El clúster organizó catas, certificaciones y un fondo rotatorio para secadoras.",
            ),
            "en": (
                "Fine cocoa from Esmeraldas: from the farm to speciality chocolate",
                "Producer associations negotiated together and doubled the price they receive.",
                "The cluster organised tastings, certifications and a revolving fund for dryers.",
            ),
            # No Portuguese yet: readers in Portuguese see the Spanish text with a notice.
        },
    ),
    (
        "convocatoria-comunidad-de-practica-2025",
        "news",
        15,
        [],
        ["training"],
        (11, 59, 69),
        None,
        {
            "es": (
                "Abierta la inscripción al segundo taller de la comunidad de práctica",
                "El taller reunirá a gerentes de clúster y programas nacionales de toda la región.",
                "El primer taller reunió a unas 180 personas. El segundo tratará el financiamiento "
                "de clústeres y la evaluación de impacto.",
            ),
            "en": (
                "Registration open for the community of practice's second workshop",
                "The workshop brings together cluster managers and national programmes from across the region.",
                "The first workshop gathered about 180 people. The second will cover cluster "
                "financing and impact evaluation.",
            ),
            "pt-br": (
                "Abertas as inscrições para a segunda oficina da comunidade de prática",
                "A oficina reunirá gestores de cluster e programas nacionais de toda a região.",
                "A primeira oficina reuniu cerca de 180 pessoas. A segunda tratará do "
                "financiamento de clusters e da avaliação de impacto.",
            ),
        },
    ),
    (
        "apl-software-recife-startups",
        "success",
        20,
        ["apl-software-recife"],
        ["digital", "financing"],
        (40, 40, 120),
        None,
        {
            "pt-br": (
                "APL de Software do Recife: startups que nascem da cooperação",
                "Empresas, universidades e governo criaram um fundo semente compartilhado.",
                "O arranjo produtivo local reúne mais de 300 empresas de tecnologia.",
            ),
            "es": (
                "APL de Software de Recife: startups que nacen de la cooperación",
                "Empresas, universidades y gobierno crearon un fondo semilla compartido.",
                "El arreglo productivo local reúne a más de 300 empresas de tecnología.",
            ),
            "en": (
                "Recife's software cluster: start-ups born of cooperation",
                "Firms, universities and government created a shared seed fund.",
                "The local productive arrangement brings together more than 300 technology firms.",
            ),
        },
    ),
    (
        "video-cafe-especial-huila",
        "video",
        25,
        ["ruta-cafe-huila"],
        ["exports"],
        (70, 45, 20),
        ("vimeo", "76979871"),
        {
            "es": (
                "Video: la ruta del café especial del Huila",
                "Caficultores del Huila cuentan cómo la ruta competitiva cambió su negocio.",
                "Un video sobre la cadena del café especial, de la finca a la taza.",
            ),
            "en": (
                "Video: Huila's speciality coffee route",
                "Coffee growers in Huila tell how the competitiveness route changed their business.",
                "A video about the speciality coffee chain, from the farm to the cup.",
            ),
            "pt-br": (
                "Vídeo: a rota do café especial de Huila",
                "Cafeicultores de Huila contam como a rota competitiva mudou seu negócio.",
                "Um vídeo sobre a cadeia do café especial, da fazenda à xícara.",
            ),
        },
    ),
    (
        "energia-medellin-comunidades-energeticas",
        "news",
        30,
        ["cluster-energia-medellin"],
        ["sustainability"],
        (20, 110, 90),
        None,
        {
            "es": (
                "Medellín: el clúster de energía impulsa comunidades energéticas",
                "Doce barrios instalan paneles solares con proveedores del clúster.",
                "La iniciativa combina financiamiento público y proveedores locales.",
            ),
            "en": (
                "Medellín: the energy cluster promotes energy communities",
                "Twelve neighbourhoods install solar panels with the cluster's suppliers.",
                "The initiative combines public funding and local suppliers.",
            ),
            "pt-br": (
                "Medellín: o cluster de energia impulsiona comunidades energéticas",
                "Doze bairros instalam painéis solares com fornecedores do cluster.",
                "A iniciativa combina financiamento público e fornecedores locais.",
            ),
        },
    ),
    (
        "entrevista-evaluacion-impacto-clusteres",
        "interview",
        40,
        ["cluster-mineria-antofagasta", "cluster-logistica-guayaquil"],
        ["impact"],
        (110, 30, 70),
        None,
        {
            "es": (
                "¿Cómo se mide el impacto de un clúster? Una conversación",
                "Dos iniciativas comparan cómo evalúan lo que logran.",
                "Hablamos con dos equipos que empezaron a medir resultados con método.",
            ),
            "en": (
                "How do you measure a cluster's impact? A conversation",
                "Two initiatives compare how they evaluate what they achieve.",
                "We talked with two teams that started measuring results with a method.",
            ),
            "pt-br": (
                "Como se mede o impacto de um cluster? Uma conversa",
                "Duas iniciativas comparam como avaliam o que conseguem.",
                "Conversamos com duas equipes que começaram a medir resultados com método.",
            ),
        },
    ),
]

INTERVIEW = [
    {
        "es": (
            "¿Por dónde empezaron?",
            "Por escuchar a las empresas: **qué perfiles les faltaban**.",
        ),
        "en": (
            "Where did you start?",
            "By listening to the firms: **which profiles they lacked**.",
        ),
        "pt-br": (
            "Por onde começaram?",
            "Ouvindo as empresas: **quais perfis faltavam**.",
        ),
    },
    {
        "es": (
            "¿Qué aconsejarían a otro clúster?",
            "Medir desde el primer día y compartir los datos.",
        ),
        "en": (
            "What would you advise another cluster?",
            "Measure from day one and share the data.",
        ),
        "pt-br": (
            "O que aconselhariam a outro cluster?",
            "Medir desde o primeiro dia e compartilhar os dados.",
        ),
    },
]


def hero_picture(colour: tuple[int, int, int], seed: int) -> bytes:
    """A 1600 by 900 abstract picture (bands and circles) in the story's colour."""
    width, height = 1600, 900
    image = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(image)
    for band in range(12):
        shade = tuple(min(255, c + band * 9) for c in colour)
        draw.rectangle([0, height - (band + 1) * 60, width, height - band * 60], fill=shade)
    for n in range(5):
        x = (seed * 197 + n * 331) % width
        y = (seed * 89 + n * 157) % height
        r = 60 + (seed * 13 + n * 41) % 140
        draw.ellipse([x - r, y - r, x + r, y + r], fill=(246, 200, 95))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)
    return out.getvalue()


def seed(write) -> None:
    seed_topics(Topic, TOPICS)
    topics = {t.slug: t for t in Topic.objects.all()}
    now = timezone.now()
    made = 0
    for index, (slug, kind, days, initiative_slugs, topic_slugs, colour, clip, texts) in enumerate(
        STORIES
    ):
        initiatives = list(Initiative.objects.filter(slug__in=initiative_slugs))
        defaults = {
            "kind": kind,
            "status": Story.Status.PUBLISHED,
            "video_provider": clip[0] if clip else "",
            "video_id": clip[1] if clip else "",
            "countries": sorted({i.country.code for i in initiatives}),
            "author_credits": "Equipo editorial de la Plataforma IAPT",
        }
        for code in ("es", "en", "pt-br"):
            suffix = code.replace("-", "_")
            title, summary, body = texts.get(code, ("", "", ""))
            defaults[f"title_{suffix}"] = title
            defaults[f"summary_{suffix}"] = summary
            defaults[f"body_{suffix}"] = body
            defaults[f"hero_alt_{suffix}"] = ""
        story, created = Story.objects.update_or_create(slug=slug, defaults=defaults)
        if created or story.published_at is None:
            story.published_at = now - timedelta(days=days)
            story.save(update_fields=["published_at"])
        story.initiatives.set(initiatives)
        story.topics.set([topics[t] for t in topic_slugs])
        story.sectors.set(Sector.objects.filter(initiatives__in=initiatives).distinct())
        if kind == "interview" and not story.blocks.exists():
            for order, block in enumerate(INTERVIEW):
                InterviewBlock.objects.create(
                    story=story,
                    order=order,
                    **{
                        f"{field}_{code.replace('-', '_')}": value
                        for code, pair in block.items()
                        for field, value in zip(("question", "answer"), pair, strict=True)
                    },
                )
        if not story.hero_image:
            story.hero_image.save(
                f"demo-{slug[:40]}.jpg", ContentFile(hero_picture(colour, index + 1)), save=True
            )
            services.story_make_renditions(story_id=story.pk)
        made += 1
    _seed_proposal()
    write(f"Stories: {len(TOPICS)} topics, {made} published stories, one proposal in the queue.")


def _seed_proposal() -> None:
    member = User.objects.filter(email="member@demo.iapt.local").first()
    initiative = Initiative.objects.filter(slug="cluster-cacao-esmeraldas").first()
    title = "Mulheres na cadeia do cacau"
    if member is None or initiative is None:
        return
    if StoryProposal.objects.filter(proposed_by=member, title=title).exists():
        return
    from iapt_platform.accounts import roles

    roles.grant_role(member, roles.MEMBER)
    services.story_proposal_submit(
        user=member,
        initiative=initiative,
        title=title,
        text="Um grupo de produtoras criou uma marca própria de chocolate e hoje exporta.",
        links=["https://example.org/mulheres-cacau"],
        images=[],
    )


def seed_activity(write) -> None:
    """Publication dates and daily reading counts over the last months, for the community
    dashboard (idempotent: the figures depend only on the order of the stories)."""
    from iapt_platform.lib.demo import months_ago

    from .models import StoryDailyStat

    published = Story.objects.filter(status=Story.Status.PUBLISHED).order_by("pk")
    for i, pk in enumerate(published.values_list("pk", flat=True)):
        Story.objects.filter(pk=pk).update(published_at=months_ago(i))
        for month in range(9):
            StoryDailyStat.objects.update_or_create(
                story_id=pk,
                date=months_ago(i + month).date(),
                defaults={"reads": 11 + (i * 5 + month * 3) % 23},
            )
    write("stories: publication dates and readings spread over the last months")
