"""Demo meetings: three past ones with attendance (the January 2024 community meeting reproduces
"41 participants, 44% women, from 10 countries") and three upcoming ones.

Idempotent: meetings are keyed by slug, registrations by (meeting, email). Upcoming meetings keep
their date between runs, and move forward only once they have passed.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from iapt_platform.accounts.models import User

from .models import Meeting, Registration
from .services import gender_category

FIRST_WOMEN = [
    "Ana", "María", "Lucía", "Camila", "Valentina", "Daniela", "Fernanda", "Gabriela", "Paula",
    "Carolina", "Isabel", "Juliana", "Mariana", "Beatriz", "Rosa", "Claudia", "Patricia", "Sofía",
]  # fmt: skip
FIRST_MEN = [
    "Juan", "Carlos", "Diego", "Andrés", "Luis", "Jorge", "Pedro", "Ricardo", "Felipe", "Tomás",
    "Miguel", "Rafael", "Sebastián", "Gustavo", "Eduardo", "Pablo", "Marcelo", "João",
]  # fmt: skip
SURNAMES = [
    "González", "Rodríguez", "Silva", "Pérez", "Gómez", "Fernández", "Oliveira", "Santos",
    "Martínez", "Rojas", "Castro", "Vargas", "Morales", "Herrera", "Mendoza", "Ramírez",
    "Torres", "Flores", "Souza", "Álvarez", "Quispe", "Cabrera",
]  # fmt: skip
# country -> organisations of the people who came from there
ORGANISATIONS = {
    "AR": ["Ministerio de Desarrollo Productivo", "Clúster TIC de Córdoba"],
    "BR": ["Arranjo Produtivo Local de Software", "SEBRAE"],
    "CL": ["CORFO", "CEPAL"],
    "CO": ["iNNpulsa Colombia", "Cámara de Comercio de Medellín"],
    "CR": ["PROCOMER", "Clúster de Ciencias de la Vida"],
    "EC": ["Programa Nacional de Clústeres", "Clúster Lácteo de Cayambe"],
    "MX": ["Clúster Aguacatero de Michoacán", "Secretaría de Economía"],
    "PE": ["Red de Turismo de Cusco", "PRODUCE"],
    "UY": ["ANDE", "Clúster de Turismo de Colonia"],
    "DO": ["Consejo Nacional de Competitividad", "Clúster Turístico de Santo Domingo"],
    "PY": ["Ministerio de Industria y Comercio"],
    "GT": ["Agexport"],
    "PA": ["Clúster Logístico de Panamá"],
    "JM": ["Jamaica Tourism Cluster"],
}
WOMAN_WORDS = ["Mujer", "mujer", "Mulher", "Female", "Femenino", "feminino"]
MAN_WORDS = ["Hombre", "hombre", "Homem", "Male", "Masculino"]
NOT_STATED = ["", "", "Prefiero no decir"]


def _at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


PAST: list[dict[str, Any]] = [
    {
        "slug": "encuentro-de-la-comunidad-de-programas-de-clusteres-2024-01-25",
        "title_es": "Encuentro de la comunidad de programas de clústeres",
        "title_en": "Meeting of the community of cluster programmes",
        "title_pt_br": "Encontro da comunidade de programas de clusters",
        "description_es": "Los programas nacionales que fomentan clústeres se reúnen en línea para acordar las líneas de trabajo de la comunidad.",
        "description_en": "National programmes that foster clusters meet online to agree the community's lines of work.",
        "description_pt_br": "Os programas nacionais que fomentam clusters se reúnem on-line para acordar as linhas de trabalho da comunidade.",
        "kind": Meeting.Kind.COMMUNITY,
        "starts_at": _at(2024, 1, 25, 15),
        "hours": 2,
        # (country, women, men, not stated): 16 + 20 + 5 = 41 people, 16/36 = 44% women
        "attendance": [
            ("EC", 3, 4, 1),
            ("CL", 2, 3, 1),
            ("CO", 2, 2, 1),
            ("MX", 2, 2, 0),
            ("AR", 1, 2, 1),
            ("BR", 2, 2, 0),
            ("PE", 1, 2, 1),
            ("UY", 1, 1, 0),
            ("CR", 1, 1, 0),
            ("DO", 1, 1, 0),
        ],
        "no_shows": 4,
    },
    {
        "slug": "primer-taller-de-la-comunidad-de-practica-2024-10-17",
        "title_es": "Primer taller de la comunidad de práctica",
        "title_en": "First workshop of the community of practice",
        "title_pt_br": "Primeira oficina da comunidade de prática",
        "description_es": "Metodologías de financiamiento de clústeres, contadas por quienes las aplican.",
        "description_en": "Methodologies for financing clusters, told by the people who use them.",
        "description_pt_br": "Metodologias de financiamento de clusters, contadas por quem as aplica.",
        "kind": Meeting.Kind.WORKSHOP,
        "starts_at": _at(2024, 10, 17, 14),
        "hours": 3,
        "attendance": [
            ("EC", 12, 10, 2),
            ("CL", 10, 9, 2),
            ("CO", 11, 9, 1),
            ("MX", 12, 11, 2),
            ("AR", 7, 8, 1),
            ("BR", 10, 9, 1),
            ("PE", 6, 6, 1),
            ("UY", 4, 3, 0),
            ("CR", 4, 4, 1),
            ("DO", 3, 3, 0),
            ("PY", 2, 2, 0),
            ("GT", 2, 2, 0),
            ("PA", 1, 1, 0),
            ("JM", 1, 1, 0),
        ],
        "no_shows": 20,
    },
    {
        "slug": "formacion-de-gerentes-de-clusteres-evaluacion-de-impacto-2025-05-14",
        "title_es": "Formación de gerentes de clústeres: evaluación de impacto",
        "title_en": "Training for cluster directors: impact evaluation",
        "title_pt_br": "Formação de gestores de clusters: avaliação de impacto",
        "description_es": "Cómo medir lo que logra una iniciativa clúster, con ejemplos de la región.",
        "description_en": "How to measure what a cluster initiative achieves, with examples from the region.",
        "description_pt_br": "Como medir o que uma iniciativa de cluster alcança, com exemplos da região.",
        "kind": Meeting.Kind.TRAINING,
        "starts_at": _at(2025, 5, 14, 16),
        "hours": 2,
        "attendance": [
            ("EC", 3, 2, 0),
            ("CL", 2, 3, 1),
            ("CO", 3, 2, 0),
            ("MX", 2, 3, 0),
            ("BR", 3, 2, 1),
            ("PE", 2, 1, 0),
            ("AR", 1, 2, 0),
        ],
        "no_shows": 6,
    },
]

UPCOMING: list[dict[str, Any]] = [
    {
        "slug": "webinar-economia-digital-para-clusteres",
        "title_es": "Webinar: economía digital para clústeres",
        "title_en": "Webinar: the digital economy for clusters",
        "title_pt_br": "Webinar: economia digital para clusters",
        "description_es": "Proyectos conjuntos entre iniciativas en la economía digital.",
        "description_en": "Joint projects between initiatives in the digital economy.",
        "description_pt_br": "Projetos conjuntos entre iniciativas na economia digital.",
        "kind": Meeting.Kind.WEBINAR,
        "days": 12,
        "capacity": None,
    },
    {
        "slug": "taller-financiamiento-de-clusteres",
        "title_es": "Taller de la comunidad de práctica: financiamiento de clústeres",
        "title_en": "Community-of-practice workshop: financing clusters",
        "title_pt_br": "Oficina da comunidade de prática: financiamento de clusters",
        "description_es": "Segunda sesión sobre metodologías de financiamiento.",
        "description_en": "Second session on financing methodologies.",
        "description_pt_br": "Segunda sessão sobre metodologias de financiamento.",
        "kind": Meeting.Kind.WORKSHOP,
        "days": 30,
        "capacity": 30,
    },
    {
        "slug": "encuentro-anual-de-la-comunidad",
        "title_es": "Encuentro anual de la comunidad",
        "title_en": "Annual community meeting",
        "title_pt_br": "Encontro anual da comunidade",
        "description_es": "Balance del año y plan de trabajo de la comunidad.",
        "description_en": "The year in review and the community's work plan.",
        "description_pt_br": "Balanço do ano e plano de trabalho da comunidade.",
        "kind": Meeting.Kind.COMMUNITY,
        "days": 60,
        "capacity": None,
    },
]

AGENDA = """1. Bienvenida (CEPAL)
2. Experiencias de tres programas nacionales
3. Conversación abierta
4. Acuerdos y próximos pasos"""
# No Portuguese agenda: its readers see the Spanish one, with an "Available in Spanish" notice.
AGENDA_EN = """1. Welcome (ECLAC)
2. Experiences of three national programmes
3. Open conversation
4. Agreements and next steps"""


def _people(
    rng: random.Random, attendance, pool: list[dict], *, taken: list[dict] | None = None
) -> list[dict]:
    """People for a meeting: some come back from earlier meetings (the pool), others are new;
    nobody already `taken` for this meeting comes twice."""
    people: list[dict] = []
    taken = taken if taken is not None else []
    for country, women, men, unstated in attendance:
        for group, count in (("woman", women), ("man", men), ("none", unstated)):
            for _i in range(count):
                returning = [p for p in pool if p["country"] == country and p["group"] == group]
                returning = [p for p in returning if p not in people and p not in taken]
                if returning and rng.random() < 0.35:
                    people.append(returning[0])
                    continue
                first = rng.choice(FIRST_MEN if group == "man" else FIRST_WOMEN)
                person = {
                    "name": f"{first} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}",
                    "email": f"participant{len(pool) + 1:03d}@demo.iapt.local",
                    "country": country,
                    "organisation": rng.choice(ORGANISATIONS[country]),
                    "group": group,
                    "gender": rng.choice(
                        WOMAN_WORDS
                        if group == "woman"
                        else MAN_WORDS
                        if group == "man"
                        else NOT_STATED
                    ),
                }
                pool.append(person)
                people.append(person)
    return people


def _registration(meeting: Meeting, person: dict, *, attended: bool, created_at) -> None:
    Registration.objects.update_or_create(
        meeting=meeting,
        email=person["email"],
        defaults={
            "name": person["name"],
            "organisation": person["organisation"],
            "country": person["country"],
            "language": "pt-br"
            if person["country"] == "BR"
            else "en"
            if person["country"] == "JM"
            else "es",
            "time_zone": "America/Santiago",
            "gender": person["gender"],
            "gender_category": gender_category(person["gender"]),
            "gender_consent_at": created_at if person["gender"] else None,
            "status": Registration.Status.REGISTERED,
            "attended": attended,
            "created_at": created_at,
        },
    )


def _meeting(spec: dict, **values) -> Meeting:
    fields = {
        key: spec[key]
        for key in (
            "title_es",
            "title_en",
            "title_pt_br",
            "description_es",
            "description_en",
            "description_pt_br",
            "kind",
        )
    }
    fields.update(values)
    meeting, _created = Meeting.objects.update_or_create(slug=spec["slug"], defaults=fields)
    return meeting


@transaction.atomic
def seed(write) -> None:
    rng = random.Random(2024)  # noqa: S311 (demo data: the same people on every run)
    pool: list[dict] = []
    moderator = User.objects.filter(email="moderator@demo.iapt.local").first()
    for spec in PAST:
        starts = spec["starts_at"]
        meeting = _meeting(
            spec,
            format=Meeting.Format.ONLINE,
            starts_at=starts,
            ends_at=starts + timedelta(hours=spec["hours"]),
            organiser_time_zone="America/Santiago",
            online_link="https://meet.example.org/iapt-community",
            agenda_es=AGENDA,
            agenda_en=AGENDA_EN,
            speakers="Carmen Rojas (CEPAL)\nLucía Andrade (Programa Nacional de Clústeres)",
            status=Meeting.Status.HELD,
            published_at=starts - timedelta(days=21),
            recording_url="https://video.example.org/iapt/" + spec["slug"],
            created_by=moderator,
        )
        people = _people(rng, spec["attendance"], pool)
        registered_at = starts - timedelta(days=7)
        for person in people:
            _registration(meeting, person, attended=True, created_at=registered_at)
        for _i in range(spec["no_shows"]):
            country = rng.choice(list(ORGANISATIONS))
            [person] = _people(rng, [(country, 1, 0, 0)], pool, taken=people)
            people.append(person)
            _registration(meeting, person, attended=False, created_at=registered_at)
        attended = meeting.registrations.filter(attended=True).count()
        write(f"meetings: {meeting.slug} ({attended} attended)")

    now = timezone.now()
    member = User.objects.filter(email="member@demo.iapt.local").first()
    for spec in UPCOMING:
        existing = Meeting.objects.filter(slug=spec["slug"]).first()
        starts = existing.starts_at if existing and existing.starts_at > now else None
        if starts is None:
            day = (now + timedelta(days=spec["days"])).date()
            starts = datetime(day.year, day.month, day.day, 15, tzinfo=UTC)
        meeting = _meeting(
            spec,
            format=Meeting.Format.HYBRID if spec["capacity"] else Meeting.Format.ONLINE,
            place="CEPAL, Av. Dag Hammarskjöld 3477, Santiago" if spec["capacity"] else "",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            organiser_time_zone="America/Santiago",
            online_link="https://meet.example.org/iapt-" + spec["slug"],
            agenda_es=AGENDA,
            agenda_en=AGENDA_EN,
            capacity=spec["capacity"],
            status=Meeting.Status.SCHEDULED,
            published_at=min(now, starts - timedelta(days=10)),
            created_by=moderator,
        )
        if member is not None and spec["capacity"]:
            Registration.objects.get_or_create(
                meeting=meeting,
                email=member.email,
                defaults={
                    "user": member,
                    "name": member.get_full_name(),
                    "organisation": member.organisation,
                    "country": member.country,
                    "language": member.language,
                    "time_zone": member.time_zone,
                },
            )
        write(f"meetings: {meeting.slug} (upcoming)")


# meeting slug -> joint project slug (the projects come from matchmaking's seeder, which runs
# after this app's: see apps.py)
PROJECT_LINKS = {
    "webinar-economia-digital-para-clusteres": "ciberseguridad-agroexportadora-andina",
}


def seed_project_links(write) -> None:
    """Link demo meetings to demo joint projects; a missing meeting or project is skipped."""
    from initiatives.matchmaking.models import Project

    projects = {p.slug: p for p in Project.objects.filter(slug__in=PROJECT_LINKS.values())}
    linked = 0
    for meeting_slug, project_slug in PROJECT_LINKS.items():
        project = projects.get(project_slug)
        if project is None:
            write(f"meetings: no joint project {project_slug}, {meeting_slug} left unlinked")
            continue
        linked += Meeting.objects.filter(slug=meeting_slug).update(project=project)
    write(f"meetings: {linked} linked to joint projects")


MONTHLY_ATTENDANCE = [
    ("EC", 2, 2, 1),
    ("CL", 2, 1, 0),
    ("CO", 1, 2, 1),
    ("MX", 2, 1, 0),
    ("AR", 1, 1, 1),
    ("BR", 1, 1, 0),
]


@transaction.atomic
def seed_activity(write) -> None:
    """A monthly online session in each of the last nine months, with attendance, for the
    community dashboard's charts (idempotent: one session per month, the same people each run)."""
    from iapt_platform.lib.demo import months_ago

    rng = random.Random(2026)  # noqa: S311 (demo data: the same people on every run)
    pool: list[dict] = []
    members: set[str] = set()
    for back in range(8, -1, -1):
        starts = months_ago(back).replace(hour=15)
        spec = {
            "slug": f"sesion-mensual-{starts:%Y-%m}",
            "title_es": "Sesión mensual de la comunidad",
            "title_en": "Monthly community session",
            "title_pt_br": "Sessão mensal da comunidade",
            "description_es": "Un programa nacional cuenta un caso y la comunidad conversa.",
            "description_en": "A national programme tells a case and the community discusses it.",
            "description_pt_br": "Um programa nacional conta um caso e a comunidade conversa.",
            "kind": Meeting.Kind.COMMUNITY,
        }
        meeting = _meeting(
            spec,
            format=Meeting.Format.ONLINE,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1, minutes=30),
            organiser_time_zone="America/Santiago",
            online_link="https://meet.example.org/iapt-community",
            status=Meeting.Status.HELD,
            published_at=starts - timedelta(days=14),
        )
        for person in _people(rng, MONTHLY_ATTENDANCE, pool):
            person = {**person, "email": person["email"].replace("participant", "monthly")}
            registered = starts - timedelta(days=5)
            _registration(meeting, person, attended=True, created_at=registered)
            member = _member(person, joined=None if person["email"] in members else registered)
            members.add(person["email"])
            Registration.objects.filter(meeting=meeting, email=person["email"]).update(user=member)
    write(
        "meetings: a monthly session with attendance in each of the last nine months; "
        f"its {len(members)} participants are members who joined before their first session"
    )


def _member(person: dict, *, joined) -> User:
    """The account of a monthly session's participant (no password: the demo never signs them
    in), joined the day before their first registration: members joined and active each month."""
    user, created = User.objects.get_or_create(
        email=person["email"],
        defaults={
            "display_name": person["name"],
            "organisation": person["organisation"],
            "country": person["country"],
            "language": "pt-br" if person["country"] == "BR" else "es",
        },
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if joined is not None:
        User.objects.filter(pk=user.pk).update(date_joined=joined - timedelta(days=1))
    return user


TRAINING_SLUG = "formacion-de-gerentes-de-clusteres-evaluacion-de-impacto-2025-05-14"
# The demo personas who attended the training, one per language (their certificates show it).
TRAINING_ATTENDEES = [
    "promoter@demo.iapt.local",
    "member@demo.iapt.local",
    "member.en@demo.iapt.local",
]


@transaction.atomic
def seed_certificates(write) -> None:
    """The past training gives certificates: two hours, with three demo personas among its
    attendees, so that their meeting pages and accounts offer a certificate to download."""
    from .certificates.services import certificates_sync

    meeting = Meeting.objects.filter(slug=TRAINING_SLUG).first()
    if meeting is None:
        write("meetings: no training meeting, no certificates")
        return
    Meeting.objects.filter(pk=meeting.pk).update(is_training=True, training_hours=2)
    meeting.refresh_from_db()
    for user in User.objects.filter(email__in=TRAINING_ATTENDEES):
        Registration.objects.update_or_create(
            meeting=meeting,
            email=user.email,
            defaults={
                "user": user,
                "name": user.get_full_name(),
                "organisation": user.organisation,
                "country": user.country,
                "language": user.language,
                "time_zone": user.time_zone,
                "status": Registration.Status.REGISTERED,
                "attended": True,
                "created_at": meeting.starts_at - timedelta(days=7),
            },
        )
    certificates_sync(meeting=meeting)
    # Issued long ago in the story: nobody is emailed that these are ready.
    issued = meeting.certificates.all()
    issued.filter(notified_at__isnull=True).update(notified_at=timezone.now())
    write(f"meetings: {issued.count()} certificates of attendance for {meeting.slug}")
