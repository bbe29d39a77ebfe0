from datetime import UTC, datetime, timedelta

import factory
from django.utils import timezone

from community.meetings.models import Meeting, Registration


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"meeting-{n}")
    title_es = factory.Sequence(lambda n: f"Encuentro {n}")
    title_en = factory.Sequence(lambda n: f"Meeting {n}")
    title_pt_br = factory.Sequence(lambda n: f"Encontro {n}")
    kind = Meeting.Kind.COMMUNITY
    format = Meeting.Format.ONLINE
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    )
    ends_at = factory.LazyAttribute(lambda m: m.starts_at + timedelta(hours=2))
    organiser_time_zone = "America/Santiago"
    online_link = "https://meet.example.org/abc-defg-hij"
    status = Meeting.Status.SCHEDULED
    published_at = factory.LazyFunction(timezone.now)


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    meeting = factory.SubFactory(MeetingFactory)
    name = factory.Sequence(lambda n: f"Persona {n}")
    email = factory.Sequence(lambda n: f"persona{n}@example.net")
    organisation = "Clúster de Prueba"
    country = "EC"
    language = "es"
    time_zone = "America/Guayaquil"
    status = Registration.Status.REGISTERED
    created_at = factory.LazyFunction(lambda: datetime(2020, 1, 1, tzinfo=UTC))
