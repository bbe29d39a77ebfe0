"""Moderators do their management work in the admin, with TOTP, without being staff or superusers,
and every change there is recorded with who and when."""

import re

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile

from community.models import Category
from iapt_platform.accounts import roles
from initiatives.models import Programme, Sector
from library.models import Collection
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator_admin(client, moderator_with_totp):
    moderator_with_totp.language = "en"
    moderator_with_totp.save()
    client.force_login(moderator_with_totp)
    return client


def sector_form(**extra):
    return {
        "slug": "creative-industries",
        "name_es": "Industrias creativas",
        "name_en": "Creative industries",
        "name_pt_br": "Indústrias criativas",
        "isic_code": "R90",
        "order": "3",
        **extra,
    }


def last_log(obj) -> LogEntry:
    return LogEntry.objects.filter(object_id=str(obj.pk)).latest("action_time")


def test_a_moderator_with_totp_reaches_the_admin_without_being_staff(
    moderator_admin, moderator_with_totp
):
    response = moderator_admin.get("/admin/")
    assert response.status_code == 200
    for section in ["Sectors", "Programmes", "Forum categories", "Collections", "Users"]:
        assert section in response.text, section
    moderator_with_totp.refresh_from_db()
    assert not moderator_with_totp.is_staff and not moderator_with_totp.is_superuser


def test_a_moderator_creates_a_sector_and_the_admin_records_who_and_when(
    moderator_admin, moderator_with_totp
):
    response = moderator_admin.post("/admin/initiatives/sector/add/", sector_form())
    assert response.status_code == 302
    sector = Sector.objects.get(slug="creative-industries")
    assert sector.name_pt_br == "Indústrias criativas"
    log = last_log(sector)
    assert log.user == moderator_with_totp and log.action_flag == ADDITION
    assert log.action_time is not None
    # The object's history page shows it to the next moderator.
    history = moderator_admin.get(f"/admin/initiatives/sector/{sector.pk}/history/")
    assert history.status_code == 200
    assert moderator_with_totp.display_name in history.text


def test_a_moderator_manages_a_private_group_and_its_members(
    moderator_admin, moderator_with_totp, member
):
    response = moderator_admin.post(
        "/admin/community/category/add/",
        {
            "slug": "financing-working-group",
            "name_es": "Financiamiento",
            "name_en": "Financing",
            "name_pt_br": "Financiamento",
            "description_es": "",
            "description_en": "",
            "description_pt_br": "",
            "order": "0",
            "is_private": "on",
            "members": [str(member.pk)],
        },
    )
    assert response.status_code == 302, [str(e) for e in response.context["errors"]]
    category = Category.objects.get(slug="financing-working-group")
    assert category.is_private and list(category.members.all()) == [member]
    assert last_log(category).user == moderator_with_totp


def test_a_moderator_adds_a_programme_and_a_collection(moderator_admin, moderator_with_totp):
    response = moderator_admin.post(
        "/admin/initiatives/programme/add/",
        {
            "name": "Programa de Clústeres",
            "slug": "programa-clusteres",
            "kind": "national",
            "country": "EC",
            "acronym": "PC",
            "website": "",
            "description": "",
            "description_language": "es",
        },
    )
    assert response.status_code == 302, [str(e) for e in response.context["errors"]]
    assert last_log(Programme.objects.get(slug="programa-clusteres")).user == moderator_with_totp
    response = moderator_admin.post(
        "/admin/library/collection/add/",
        {
            "slug": "financing-clusters",
            "title_es": "Financiar clústeres",
            "title_en": "Financing clusters",
            "title_pt_br": "Financiar clusters",
            "description_es": "",
            "description_en": "",
            "description_pt_br": "",
            "order": "0",
            "items-TOTAL_FORMS": "0",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content[:3000]
    assert last_log(Collection.objects.get(slug="financing-clusters")).user == moderator_with_totp


def test_a_moderator_can_open_the_bulk_imports(moderator_admin):
    for url in [
        "/admin/initiatives/initiative/import/",
        "/admin/initiatives/sector/import/",
        "/admin/community/category/import/",
        "/admin/library/collection/import/",
    ]:
        assert moderator_admin.get(url).status_code == 200, url


def test_a_moderator_grants_and_withdraws_roles_and_the_change_is_recorded(
    moderator_admin, moderator_with_totp
):
    account = UserFactory(email="nueva@example.org", display_name="Nueva Promotora")
    response = moderator_admin.post(
        "/admin/accounts/user/",
        {"action": "grant_promoter", "_selected_action": [str(account.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Roles changed for 1 of 1 accounts." in response.text
    account = type(account).objects.get(pk=account.pk)
    assert roles.has_role(account, roles.PROMOTER)
    log = last_log(account)
    assert log.user == moderator_with_totp and log.action_flag == CHANGE
    assert log.get_change_message() == "Granted the promoter role."

    moderator_admin.post(
        "/admin/accounts/user/",
        {"action": "grant_moderator", "_selected_action": [str(account.pk)]},
    )
    account = type(account).objects.get(pk=account.pk)
    assert account.groups.filter(name=roles.MODERATOR).exists()  # the power waits for TOTP
    moderator_admin.post(
        "/admin/accounts/user/",
        {"action": "withdraw_moderator", "_selected_action": [str(account.pk)]},
    )
    account = type(account).objects.get(pk=account.pk)
    assert not account.groups.filter(name=roles.MODERATOR).exists()
    assert not account.is_staff and not account.is_superuser


def test_a_moderator_sees_no_password_and_cannot_make_anyone_staff_or_superuser(
    moderator_admin, member
):
    page = moderator_admin.get(f"/admin/accounts/user/{member.pk}/change/")
    assert page.status_code == 200
    assert "is_superuser" not in page.text and "pbkdf2" not in page.text.lower()
    assert "md5$" not in page.text
    response = moderator_admin.post(
        f"/admin/accounts/user/{member.pk}/change/",
        {"email": member.email, "is_staff": "on", "is_superuser": "on"},
    )
    assert response.status_code == 403
    assert moderator_admin.get(f"/admin/accounts/user/{member.pk}/password/").status_code == 403
    member.refresh_from_db()
    assert not member.is_staff and not member.is_superuser


def test_a_moderator_imports_sectors_from_a_csv_and_each_row_is_recorded(
    moderator_admin, moderator_with_totp
):
    csv = (
        "slug,name_es,name_en,name_pt_br,isic_code,order\n"
        "creative-industries,Industrias creativas,Creative industries,Indústrias criativas,R90,3\n"
    )
    upload = SimpleUploadedFile("sectors.csv", csv.encode(), content_type="text/csv")
    preview = moderator_admin.post(
        "/admin/initiatives/sector/import/", {"import_file": upload, "format": "0"}
    )
    assert preview.status_code == 200
    assert "Industrias creativas" in preview.text
    assert not Sector.objects.filter(slug="creative-industries").exists()  # a dry run first
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', preview.text))
    hidden.pop("csrfmiddlewaretoken", None)
    response = moderator_admin.post("/admin/initiatives/sector/process_import/", hidden)
    assert response.status_code == 302
    sector = Sector.objects.get(slug="creative-industries")
    assert sector.name_en == "Creative industries"
    assert last_log(sector).user == moderator_with_totp


@pytest.mark.parametrize("persona", ["moderator_without_totp", "member"])
def test_a_moderator_without_totp_or_a_member_cannot_use_the_admin(client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    target = UserFactory(email="target@example.org")
    assert client.get("/admin/").status_code == 302
    response = client.post("/admin/initiatives/sector/add/", sector_form())
    assert response.status_code == 302
    assert not Sector.objects.filter(slug="creative-industries").exists()
    response = client.post(
        "/admin/accounts/user/",
        {"action": "grant_moderator", "_selected_action": [str(target.pk)]},
    )
    assert response.status_code == 302
    target = type(target).objects.get(pk=target.pk)
    assert not target.groups.filter(name=roles.MODERATOR).exists()
    assert not LogEntry.objects.exists()
