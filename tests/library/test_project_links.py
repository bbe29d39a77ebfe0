"""Library resources linked to joint projects: who may link them, what the project's page shows
(published resources only), and the way back from the resource's page."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from iapt_platform.moderation.models import ModerationItem
from iapt_platform.moderation.services import moderation_decide
from library import demo, services
from library.models import Resource
from tests.factories import InitiativeFactory, project_with_partners

from .factories import ResourceFactory
from .test_contribute import form_data, propose

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
REFUSAL = "You can link a resource only to joint projects in which you manage a partner initiative."


make_project = project_with_partners


@pytest.fixture
def partner_initiative(en_member):
    initiative = InitiativeFactory(name="Clúster del Cacao de Esmeraldas")
    initiative.managers.add(en_member)
    return initiative


@pytest.fixture
def project(partner_initiative):
    return make_project((partner_initiative, True, True))


def resources_section(body: str) -> str:
    """The library section of a project's page, or "" when the page has none."""
    if 'id="project-resources"' not in body:
        return ""
    return body.split('id="project-resources"')[1].split("</section>")[0]


def test_a_partner_links_a_resource_and_visitors_see_it_once_published(
    en_member_client, project, lib_moderator, django_capture_on_commit_callbacks
):
    client = Client()  # a visitor
    form = en_member_client.get(f"/en/library/propose/?project={project.pk}", **EN).content.decode()
    assert "Joint projects" in form
    assert f'value="{project.pk}" id="id_projects_0" checked>' in form

    response = propose(
        en_member_client,
        django_capture_on_commit_callbacks,
        **form_data(external_url="https://example.org/cyber", projects=[project.pk]),
    )
    assert response.status_code == 302
    resource = Resource.objects.get()
    assert list(resource.projects.all()) == [project]

    # In review: not on the project's page.
    section = resources_section(client.get(project.get_absolute_url(), **EN).content.decode())
    assert resource.title not in section

    item = ModerationItem.objects.get(kind="resource")
    with django_capture_on_commit_callbacks(execute=True):
        moderation_decide(item=item, moderator=lib_moderator, action="approve", comment="")

    section = resources_section(client.get(project.get_absolute_url(), **EN).content.decode())
    assert resource.title in section
    assert resource.get_absolute_url() in section
    assert "Propose a resource for this project" not in section  # visitors get no such link
    page = client.get(resource.get_absolute_url(), **EN).content.decode()
    assert "Part of the joint project" in page
    assert f'<a href="{project.get_absolute_url()}" lang="es">Cyber Andes</a>' in page


def test_only_published_resources_show_on_the_project_page(client, project):
    for status in ("draft", "in_review", "rejected"):
        ResourceFactory(title=f"Resource {status}", status=status, published_at=None).projects.add(
            project
        )
    ResourceFactory(title="The published guide").projects.add(project)
    ResourceFactory(title="Another project's guide")

    section = resources_section(client.get(project.get_absolute_url(), **EN).content.decode())
    assert "The published guide" in section
    for text in ("Resource draft", "Resource in_review", "Resource rejected", "Another project"):
        assert text not in section


def test_without_resources_the_section_is_left_out_but_a_partner_is_shown_how_to_add_one(
    en_member_client, project
):
    client = Client()  # a visitor
    ResourceFactory(title="Still in review", status="in_review").projects.add(project)
    assert resources_section(client.get(project.get_absolute_url(), **EN).content.decode()) == ""

    section = resources_section(
        en_member_client.get(project.get_absolute_url(), **EN).content.decode()
    )
    assert "No library resource is linked to this project yet." in section
    assert f'href="/en/library/propose/?project={project.pk}"' in section


def test_someone_who_is_not_a_partner_cannot_link_a_resource(
    en_member, en_member_client, django_capture_on_commit_callbacks
):
    outsider = InitiativeFactory()
    outsider.managers.add(en_member)
    theirs = make_project((InitiativeFactory(), True, True), slug="theirs", title="Theirs")
    invited = make_project((outsider, False, True), slug="invited", title="Invited")
    asking = make_project((outsider, True, False), slug="asking", title="Asking to join")

    form = en_member_client.get("/en/library/propose/", **EN).content.decode()
    assert "Joint projects" not in form  # no project to offer: no empty group of boxes
    for project in (theirs, invited, asking):
        response = propose(
            en_member_client,
            django_capture_on_commit_callbacks,
            **form_data(external_url="https://example.org/x", projects=[project.pk]),
        )
        assert response.status_code == 200
        assert REFUSAL in response.content.decode()
    assert not Resource.objects.exists()
    assert not ModerationItem.objects.exists()

    # The service refuses too, whatever calls it.
    data = services.ResourceData(
        fields={"title": "Guide", "summary": "S", "type": "guide"}, projects=[theirs]
    )
    with pytest.raises(ValidationError, match="only to joint projects in which you manage"):
        services.resource_propose(user=en_member, data=data)
    assert not Resource.objects.exists()


def test_editing_a_draft_keeps_its_projects_and_refuses_new_ones_of_others(
    en_member, en_member_client, project, django_capture_on_commit_callbacks
):
    theirs = make_project((InitiativeFactory(), True, True), slug="theirs", title="Theirs")
    resource = ResourceFactory(
        contributed_by=en_member, status="draft", published_at=None, title="My draft"
    )
    resource.projects.add(project)

    form = en_member_client.get(f"/en/library/{resource.slug}/edit/", **EN).content.decode()
    assert f'value="{project.pk}" id="id_projects_0" checked>' in form

    edit = form_data(external_url="https://example.org/x", projects=[project.pk, theirs.pk])
    response = en_member_client.post(f"/library/{resource.slug}/edit/", edit, **EN)
    assert REFUSAL in response.content.decode()
    resource.refresh_from_db()
    assert resource.status == "draft" and list(resource.projects.all()) == [project]

    edit["projects"] = [project.pk]
    with django_capture_on_commit_callbacks(execute=True):
        response = en_member_client.post(f"/library/{resource.slug}/edit/", edit)
    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.status == "in_review" and list(resource.projects.all()) == [project]


def test_a_resource_page_links_only_to_published_projects(client, project):
    resource = ResourceFactory()
    waiting = make_project(slug="waiting", title="Waiting for review", status="in_review")
    resource.projects.add(project, waiting)
    page = client.get(resource.get_absolute_url(), **EN).content.decode()
    assert "Cyber Andes" in page
    assert "Waiting for review" not in page


def _page_queries(client, project) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(project.get_absolute_url()).status_code == 200
    return len(ctx.captured_queries)


def test_the_project_page_takes_as_many_queries_for_many_resources_as_for_few(
    en_member_client, project, django_assert_max_num_queries
):
    client = Client()  # a visitor

    def add(n):
        for _i in range(n):
            ResourceFactory(languages=["es", "en"], countries=["EC"]).projects.add(project)

    add(2)
    few_visitor = _page_queries(client, project)
    few_partner = _page_queries(en_member_client, project)
    add(10)
    with django_assert_max_num_queries(few_partner):
        en_member_client.get(project.get_absolute_url())
    with django_assert_max_num_queries(few_visitor):
        body = client.get(project.get_absolute_url()).content.decode()
    assert resources_section(body).count('class="resource-item"') == 12


def test_the_demo_links_resources_once_the_projects_exist(partner_initiative):
    slug, [project_slug] = next(iter(demo.PROJECT_LINKS.items()))
    resource = ResourceFactory(slug=slug)
    lines = []
    demo.seed_project_links(lines.append)  # matchmaking's seeder has not run: nothing breaks
    assert not resource.projects.exists()

    project = make_project((partner_initiative, True, True), slug=project_slug)
    demo.seed_project_links(lines.append)
    demo.seed_project_links(lines.append)
    assert list(resource.projects.all()) == [project]
