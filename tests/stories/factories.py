import datetime

import factory
from django.utils import timezone

from initiatives.stories.models import InterviewBlock, Story, Topic
from tests.factories import TaxonomyFactory

TopicFactory = factory.make_factory(Topic, FACTORY_CLASS=TaxonomyFactory)


class StoryFactory(factory.django.DjangoModelFactory):
    """A public story in Spanish and English (no Portuguese unless given)."""

    class Meta:
        model = Story
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"historia-{n}")
    kind = Story.Kind.SUCCESS
    status = Story.Status.PUBLISHED
    title_es = factory.Sequence(lambda n: f"Historia número {n}")
    title_en = factory.Sequence(lambda n: f"Story number {n}")
    summary_es = "Un resumen en español."
    summary_en = "A summary in English."
    body_es = "Texto en **español**."
    body_en = "Text in **English**."
    published_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))

    @factory.post_generation
    def initiatives(self, create, extracted, **kwargs):
        if create and extracted:
            self.initiatives.set(extracted)

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.set(extracted)

    @factory.post_generation
    def sectors(self, create, extracted, **kwargs):
        if create and extracted:
            self.sectors.set(extracted)


class InterviewBlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InterviewBlock

    story = factory.SubFactory(StoryFactory, kind=Story.Kind.INTERVIEW)
    order = factory.Sequence(lambda n: n)
    question_es = "¿Pregunta?"
    question_en = "Question?"
    answer_es = "Respuesta."
    answer_en = "Answer."
