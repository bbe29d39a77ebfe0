import datetime as dt

import factory
from django.utils import timezone

from initiatives.opportunities.models import Opportunity, Topic
from tests.factories import TaxonomyFactory


class OpportunityTopicFactory(TaxonomyFactory):
    class Meta:
        model = Topic


class OpportunityFactory(factory.django.DjangoModelFactory):
    """A published funding call, open now, closing in ten days, for Ecuador."""

    class Meta:
        model = Opportunity
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"opportunity-{n}")
    kind = Opportunity.Kind.FUNDING_CALL
    status = Opportunity.Status.PUBLISHED
    title_es = factory.Sequence(lambda n: f"Convocatoria {n}")
    title_en = factory.Sequence(lambda n: f"Call {n}")
    description_es = "Fondos para **clústeres**."
    description_en = "Funds for **clusters**."
    organiser = "CAF"
    countries = ["EC"]
    link = "https://example.org/call"
    opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=5))
    closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=10))
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def sectors(self, create, extracted, **kwargs):
        if create and extracted:
            self.sectors.set(extracted)

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.set(extracted)
