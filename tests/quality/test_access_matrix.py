"""The access matrix: every URL pattern of the project, for every persona, has a declared outcome.

A URL pattern with no declaration fails the test, so a new view cannot ship without someone saying
who may see it. Objects that belong to another promoter are part of the matrix.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core import signing
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from iapt_platform.moderation.models import ModerationItem
from initiatives import services as registry
from tests.factories import InitiativeFactory, ProgrammeFactory, SectorFactory

from ..initiatives.helpers import complete_draft

pytestmark = pytest.mark.django_db

PERSONAS = ("visitor", "member", "promoter", "other_promoter", "moderator")
LOGIN = 302  # a redirect to the sign-in page


def everyone(status: int = 200) -> dict[str, int]:
    return dict.fromkeys(PERSONAS, status)


def signed_in(status: int = 200) -> dict[str, int]:
    return {**everyone(status), "visitor": LOGIN}


def moderators_only() -> dict[str, int]:
    return {
        "visitor": LOGIN,
        "member": 403,
        "promoter": 403,
        "other_promoter": 403,
        "moderator": 200,
    }


def owner_only(*, moderator: int = 403) -> dict[str, int]:
    return {
        "visitor": LOGIN,
        "member": 403,
        "promoter": 200,
        "other_promoter": 403,
        "moderator": moderator,
    }


@dataclass
class Rule:
    expect: dict[str, int]
    kwargs: Callable[[dict], dict] = field(default=lambda objects: {})
    query: str = ""


# Third-party URL sets with their own tests and permission model.
IGNORED_PREFIXES = ("admin:", "account_", "mfa_", "socialaccount_", "usersessions_")

RULES: dict[str, Rule] = {
    "home": Rule(everyone()),
    "healthz": Rule(everyone()),
    "set_language": Rule(everyone(405)),  # POST only
    "accounts:home": Rule(signed_in()),
    "accounts:profile": Rule(signed_in()),
    # Registry, public
    "initiatives:list": Rule(everyone()),
    "initiatives:map": Rule(everyone()),
    "initiatives:statistics": Rule(everyone()),
    "initiatives:export": Rule(everyone(), lambda o: {"fmt": "csv"}),
    "initiatives:map_data": Rule(everyone()),
    "initiatives:country_shapes": Rule(everyone()),
    "initiatives:country": Rule(everyone(), lambda o: {"code": "EC"}),
    "initiatives:sector": Rule(everyone(), lambda o: {"slug": o["sector"].slug}),
    "initiatives:programme": Rule(everyone(), lambda o: {"slug": o["programme"].slug}),
    "initiatives:detail": Rule(everyone(), lambda o: {"slug": o["published"].slug}),
    # Registry, promoters: the draft and the published initiative belong to `promoter`
    "initiatives:mine": Rule(signed_in()),
    "initiatives:register": Rule(signed_in()),
    "initiatives:draft_step": Rule(owner_only(), lambda o: {"pk": o["draft"].pk, "step": 1}),
    "initiatives:draft_submit": Rule(signed_in(405), lambda o: {"pk": o["draft"].pk}),
    "initiatives:draft_preview": Rule(owner_only(moderator=200), lambda o: {"pk": o["draft"].pk}),
    "initiatives:edit": Rule(signed_in(405), lambda o: {"slug": o["published"].slug}),
    "initiatives:managers": Rule(owner_only(), lambda o: {"slug": o["published"].slug}),
    "initiatives:request_management": Rule(signed_in(), lambda o: {"slug": o["published"].slug}),
    "initiatives:invitation_accept": Rule(signed_in(), lambda o: {"token": o["invitation_token"]}),
    "initiatives:confirm_fresh": Rule(everyone(), lambda o: {"token": o["fresh_token"]}),
    # Open data API
    "api:initiative-list": Rule(everyone()),
    "api:initiative-detail": Rule(everyone(), lambda o: {"slug": o["published"].slug}),
    "api:sector-list": Rule(everyone()),
    "api:programme-list": Rule(everyone()),
    "api:schema": Rule(everyone()),
    "api:docs": Rule(everyone()),
    # Other areas
    "community:index": Rule(everyone()),
    "library:index": Rule(everyone()),
    "newsletter:index": Rule(everyone()),
    # Moderation
    "moderation:queue": Rule(moderators_only()),
    "moderation:item": Rule(moderators_only(), lambda o: {"pk": o["item"].pk}),
}


def url_names() -> list[str]:
    names: list[str] = []

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace
                ns = f"{namespace}:{inner}" if namespace and inner else inner or namespace
                walk(pattern.url_patterns, ns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns)
    return sorted(set(names))


def test_every_url_pattern_has_a_declared_outcome():
    undeclared = [n for n in url_names() if n not in RULES and not n.startswith(IGNORED_PREFIXES)]
    assert undeclared == [], "declare who may reach these URLs in RULES"
    stale = [n for n in RULES if n not in url_names()]
    assert stale == []


@pytest.fixture
def objects(promoter, other_promoter, moderator):
    sector = SectorFactory(slug="agrifood")
    programme = ProgrammeFactory()
    published = InitiativeFactory(programme=programme, sectors=[sector])
    published.managers.add(promoter)
    draft = complete_draft(promoter, submit=False)
    submitted = complete_draft(promoter, name="Clúster en revisión", submit=True)
    invitation = registry.initiative_invite(
        initiative=published, inviter=promoter, email="x@example.org"
    )
    return {
        "sector": sector,
        "programme": programme,
        "published": published,
        "draft": draft,
        "item": ModerationItem.objects.get(object_id=submitted.pk),
        "invitation_token": signing.dumps(invitation.pk, salt=registry.INVITATION_SALT),
        "fresh_token": registry.freshness_token(published),
    }


@pytest.fixture
def clients(member, promoter, other_promoter, moderator_with_totp):
    users = {
        "member": member,
        "promoter": promoter,
        "other_promoter": other_promoter,
        "moderator": moderator_with_totp,
    }
    result = {"visitor": Client()}
    for persona, user in users.items():
        client = Client()
        client.force_login(user)
        result[persona] = client
    return result


def test_each_persona_gets_the_declared_outcome(objects, clients):
    wrong = []
    for name, rule in sorted(RULES.items()):
        url = reverse(name, kwargs=rule.kwargs(objects)) + rule.query
        for persona in PERSONAS:
            response = clients[persona].get(url)
            expected = rule.expect[persona]
            if response.status_code != expected:
                wrong.append(
                    f"{name} {url} as {persona}: {response.status_code}, expected {expected}"
                )
            elif expected == LOGIN and "/accounts/login/" not in response["Location"]:
                wrong.append(
                    f"{name} as {persona}: redirected to {response['Location']}, not sign-in"
                )
    assert wrong == []
