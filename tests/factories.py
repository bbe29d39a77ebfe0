import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from iapt_platform.accounts import roles
from iapt_platform.accounts.models import User
from initiatives.models import Initiative, Programme, Sector

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Faker("name")
    organisation = "Clúster de Prueba"
    country = "EC"
    language = "en"  # tests read the English source strings unless they choose a language
    time_zone = "America/Guayaquil"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create:
            for role in extracted or [roles.MEMBER]:
                self.groups.add(Group.objects.get_or_create(name=role)[0])
            self.save()

    @factory.post_generation
    def totp(self, create, extracted, **kwargs):
        """Moderators work with an authenticator app (their role needs it); `totp=False` makes
        one who has not set it up yet, `totp=True` gives anyone an app."""
        wanted = (
            extracted
            if extracted is not None
            else self.groups.filter(name=roles.MODERATOR).exists()
        )
        if create and wanted:
            from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

            TOTP.activate(self, generate_totp_secret())


class TaxonomyFactory(factory.django.DjangoModelFactory):
    """A term of a taxonomy (an app's topic, a sector): a slug and a name in three languages."""

    class Meta:
        abstract = True
        django_get_or_create = ("slug",)

    class Params:
        words = ("topic", "Tema", "Topic", "Tópico")  # slug, Spanish, English, Portuguese

    slug = factory.LazyAttributeSequence(lambda o, n: f"{o.words[0]}-{n}")
    name_es = factory.LazyAttributeSequence(lambda o, n: f"{o.words[1]} {n}")
    name_en = factory.LazyAttributeSequence(lambda o, n: f"{o.words[2]} {n}")
    name_pt_br = factory.LazyAttributeSequence(lambda o, n: f"{o.words[3]} {n}")


class SectorFactory(TaxonomyFactory):
    class Meta:
        model = Sector

    class Params:
        words = ("sector", "Sector", "Sector", "Setor")


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    slug = factory.Sequence(lambda n: f"programme-{n}")
    name = factory.Sequence(lambda n: f"Programa {n}")
    country = "EC"


class InitiativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Initiative
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"initiative-{n}")
    name = factory.Sequence(lambda n: f"Clúster número {n}")
    country = "EC"
    city = "Quito"
    status = Initiative.Status.PUBLISHED
    published_at = factory.Faker("date_time_this_year", tzinfo=__import__("datetime").UTC)

    @factory.post_generation
    def sectors(self, create, extracted, **kwargs):
        if create:
            self.sectors.set(extracted if extracted is not None else [SectorFactory()])


def project_with_partners(*partners, slug="cyber-andes", title="Cyber Andes", status="published"):
    """A joint project with (initiative, confirmed, accepted) partners."""
    from django.utils import timezone

    from initiatives.matchmaking.models import Project, ProjectPartner

    project = Project.objects.create(
        slug=slug,
        title=title,
        summary="A regional training programme.",
        status=status,
        published_at=timezone.now() if status == "published" else None,
    )
    for initiative, confirmed, accepted in partners:
        ProjectPartner.objects.create(
            project=project, initiative=initiative, confirmed=confirmed, accepted=accepted
        )
    return project


def signed_in(email: str, **kwargs):
    """A member (`UserFactory`, reading in English unless `language` is given) and a test
    client signed in as them."""
    from django.test import Client

    user = UserFactory(email=email, **{"language": "en", **kwargs})
    client = Client()
    client.force_login(user)
    return user, client
