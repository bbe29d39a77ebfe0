"""The member directory and profiles: members only, search and filters, contact visibility,
avatars through the upload validator."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community.models import MemberProfile, Topic
from tests.factories import UserFactory

from . import factories
from .conftest import png_upload

pytestmark = pytest.mark.django_db


def test_the_directory_and_profiles_are_for_members_only(client, alice):
    for url in (reverse("community:directory"), reverse("community:member", args=["alicia"])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        client.force_login(UserFactory(roles=["promoter"]))
        assert client.get(url).status_code == 403
        client.logout()


def test_search_is_accent_insensitive_and_filters_combine(client_for, alice, bruno, carla):
    finance = Topic.objects.get(slug="financing")
    alice.member_profile.expertise.add(finance)
    factories.profile(alice, organisation_type="initiative", bio="Gestión de clústeres")
    factories.profile(bruno, organisation_type="academia")
    bruno.member_profile.interests.add(finance)
    client = client_for(carla)

    def names(**params):
        page = client.get(reverse("community:directory"), params).context["page"]
        return sorted(p.handle for p in page)

    assert names(q="nunez") == ["alicia"]
    assert names(q="gestion clusteres") == ["alicia"]
    assert names(topic="financing") == ["alicia", "bruno"]
    assert names(topic="financing", country="BR") == ["bruno"]
    assert names(organisation_type="initiative") == ["alicia"]
    assert names() == ["alicia", "bruno", "carla"]


def test_the_directory_uses_a_fixed_number_of_queries(client_for, alice):
    topics = list(Topic.objects.all()[:3])

    def add(n):
        for _ in range(n):
            user = UserFactory()
            profile = factories.profile(user)
            profile.expertise.set(topics)
            profile.interests.set(topics[:1])

    client = client_for(alice)
    add(3)
    client.get(reverse("community:directory"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("community:directory"))
    add(20)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("community:directory"))
    assert len(few) == len(many)


def test_contact_details_follow_each_visibility(client_for, alice, bruno):
    factories.profile(
        alice,
        phone="+52 81 5555 0000",
        phone_visibility="hidden",
        website="https://linkedin.com/in/alicia",
        website_visibility="members",
        email_visibility="hidden",
    )
    page = client_for(bruno).get(reverse("community:member", args=["alicia"])).content.decode()
    assert "linkedin.com/in/alicia" in page
    assert "5555" not in page and alice.email not in page
    own = client_for(alice).get(reverse("community:member", args=["alicia"])).content.decode()
    assert "5555" in own and alice.email in own


def test_editing_the_profile_re_encodes_the_avatar_and_refuses_bad_files(client_for, alice):
    client = client_for(alice)
    data = {
        "display_name": "Alicia Núñez",
        "handle": "alicia",
        "organisation": "Clúster de Monterrey",
        "country": "MX",
        "email_visibility": "members",
        "phone_visibility": "hidden",
        "website_visibility": "members",
        "email_frequency": "weekly",
        "expertise": [Topic.objects.get(slug="impact-evaluation").pk],
        "languages": ["es", "en"],
    }
    bad = client.post(
        reverse("community:profile_edit"),
        {**data, "avatar": SimpleUploadedFile("me.png", b"<svg onload=alert(1)>")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert bad.status_code == 200 and bad.context["form"].errors["avatar"]
    response = client.post(
        reverse("community:profile_edit"), {**data, "avatar": png_upload("me.png", (300, 300))}
    )
    assert response.status_code == 302
    profile = MemberProfile.objects.get(user=alice)
    assert (
        profile.avatar.name.startswith("community/avatars/") and "me.png" not in profile.avatar.name
    )
    assert profile.email_frequency == "weekly" and profile.languages == ["es", "en"]
    alice.refresh_from_db()
    assert alice.organisation == "Clúster de Monterrey"
    assert (
        "impacto" in profile.search_document
        or "impact" in MemberProfile.objects.get(pk=profile.pk).search_document
    )


def test_handles_are_unique(client_for, alice, bruno):
    response = client_for(bruno).post(
        reverse("community:profile_edit"),
        {
            "display_name": "Bruno",
            "handle": "alicia",
            "email_visibility": "hidden",
            "phone_visibility": "hidden",
            "website_visibility": "hidden",
            "email_frequency": "none",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["handle"]


VISIBILITY_FIELDS = ("email_visibility", "phone_visibility", "website_visibility")


def test_visibility_offers_only_choices_that_mean_something_on_a_members_only_directory(
    client_for, alice
):
    client = client_for(alice)
    response = client.get(reverse("community:profile_edit"), HTTP_ACCEPT_LANGUAGE="en")
    form = response.context["form"]
    for name in VISIBILITY_FIELDS:
        assert [value for value, _label in form.fields[name].choices] == ["members", "hidden"]
    page = response.content.decode()
    assert 'value="public"' not in page and ">Everyone<" not in page
    # A forged "public" is refused, and nothing changes.
    data = {
        "display_name": "Alicia Núñez",
        "handle": "alicia",
        "email_visibility": "public",
        "phone_visibility": "hidden",
        "website_visibility": "members",
        "email_frequency": "none",
    }
    refused = client.post(reverse("community:profile_edit"), data)
    assert refused.status_code == 200 and refused.context["form"].errors["email_visibility"]
    assert MemberProfile.objects.get(user=alice).email_visibility == "hidden"


def test_a_stored_everyone_becomes_members_only(alice, bruno):
    from importlib import import_module

    from django.apps import apps

    MemberProfile.objects.filter(user=alice).update(
        email_visibility="public", phone_visibility="public", website_visibility="hidden"
    )
    MemberProfile.objects.filter(user=bruno).update(
        email_visibility="members", phone_visibility="hidden", website_visibility="public"
    )
    migration = import_module("community.migrations.0005_profile_visibility_members_or_nobody")
    migration.everyone_to_members(apps, None)

    rows = dict(
        (p.user_id, tuple(getattr(p, f) for f in VISIBILITY_FIELDS))
        for p in MemberProfile.objects.all()
    )
    assert rows[alice.pk] == ("members", "members", "hidden")
    assert rows[bruno.pk] == ("members", "hidden", "members")


def test_the_directory_and_a_profile_show_a_member_only_what_they_may_see(client_for, alice, bruno):
    factories.profile(
        alice,
        phone="+52 81 5555 0000",
        phone_visibility="hidden",
        website="https://linkedin.com/in/alicia",
        website_visibility="hidden",
        email_visibility="members",
    )
    client = client_for(bruno)
    directory = client.get(reverse("community:directory")).content.decode()
    assert "Alicia Núñez" in directory
    assert "5555" not in directory and "linkedin.com/in/alicia" not in directory
    profile = client.get(reverse("community:member", args=["alicia"])).content.decode()
    assert alice.email in profile
    assert "5555" not in profile and "linkedin.com/in/alicia" not in profile
