import factory
from django.utils import timezone

from newsletter.consent import CONSENT_VERSION
from newsletter.models import Block, Contribution, Edition, Issue, Subscriber, Topic
from tests.factories import TaxonomyFactory

TopicFactory = factory.make_factory(Topic, FACTORY_CLASS=TaxonomyFactory)


class SubscriberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscriber
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"reader{n}@example.org")
    language = "es"
    status = Subscriber.Status.CONFIRMED
    consent_text_version = CONSENT_VERSION
    consent_at = factory.LazyFunction(timezone.now)
    confirmed_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.set(extracted)


class IssueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Issue
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: n + 1)

    @factory.post_generation
    def languages(self, create, extracted, **kwargs):
        if create:
            for code in extracted if extracted is not None else ["es", "en"]:
                Edition.objects.create(
                    issue=self, language=code, subject=f"Subject {self.number} ({code})"
                )


class BlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Block

    issue = factory.SubFactory(IssueFactory)
    kind = Block.Kind.INTRO
    order = factory.Sequence(lambda n: n)
    content = factory.LazyFunction(
        lambda: {
            "es": {"title": "Hola", "body": "Texto en **español**.", "image_alt": ""},
            "en": {"title": "Hello", "body": "Text in **English**.", "image_alt": ""},
            "pt-br": {"title": "Olá", "body": "Texto em **português**.", "image_alt": ""},
        }
    )


class ContributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contribution

    kind = Contribution.Kind.EVENT
    title = factory.Sequence(lambda n: f"Encuentro {n}")
    body = "Un encuentro de clústeres."
    language = "es"
    status = Contribution.Status.ACCEPTED
