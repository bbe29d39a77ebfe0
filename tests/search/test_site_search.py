"""The one search (iapt_platform/lib/site_search.py, /search/, /api/search/): every kind found,
accents ignored, only what the reader may open, counts per kind, a fixed number of queries."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community.models import Post
from initiatives import services as registry
from initiatives.matchmaking.models import CollaborationPost, Project
from initiatives.models import Initiative
from library import services as library
from library.models import Resource
from newsletter.models import Edition, Issue
from tests.addresses import address
from tests.community import factories as forum
from tests.factories import InitiativeFactory, SectorFactory, UserFactory
from tests.library.factories import ResourceFactory, pdf_bytes
from tests.meetings.factories import MeetingFactory
from tests.newsletter.factories import IssueFactory
from tests.opportunities.factories import OpportunityFactory
from tests.stories.factories import StoryFactory

pytestmark = pytest.mark.django_db

KINDS = [
    "initiatives",
    "stories",
    "opportunities",
    "resources",
    "threads",
    "meetings",
    "collaboration",
    "projects",
    "bulletin",
]


def search(client, q, *, path="/en/search/", **params):
    return client.get(path, {"q": q, **params})


def counts(response) -> dict[str, int]:
    """Counts of the kinds above (other apps may register more kinds)."""
    return {
        facet.key: facet.count for facet in response.context["results"].facets if facet.key in KINDS
    }


def found(response) -> list[tuple[str, str]]:
    return [(item.hit.kind, item.hit.title) for item in response.context["results"].items]


def initiative(name, description="", **kwargs) -> Initiative:
    made = InitiativeFactory(name=name, description=description, **kwargs)
    registry.initiative_refresh_search(initiative=made)
    return made


def resource_with_pdf(title, *lines) -> Resource:
    resource = ResourceFactory(title=title, summary="Una guía práctica.")
    data = pdf_bytes(*lines)
    resource.file.save("0123456789abcdef.pdf", ContentFile(data), save=False)
    resource.file_name, resource.file_kind = "guia.pdf", "pdf"
    resource.file_mimetype, resource.file_size = "application/pdf", len(data)
    resource.save()
    library.resource_process_file(resource_id=resource.pk)
    return resource


def sent_issue(subject, text, number=None) -> Issue:
    issue = IssueFactory(languages=["es"], **({"number": number} if number else {}))
    issue.status, issue.sent_at = Issue.Status.SENT, timezone.now()
    issue.save()
    edition = issue.editions.get()
    edition.rendered_subject, edition.rendered_text = subject, text
    edition.save()
    return issue


def one_of_each(author, word="quimera") -> None:
    """Something of every kind that holds `word` (each in its own way)."""
    place = initiative(f"Clúster {word}", "Una iniciativa de prueba.")
    StoryFactory(title_es=f"La {word} del cacao", title_en=f"The {word} of cocoa")
    resource_with_pdf("Guía sin la palabra en el título", f"Anexo: la {word} escondida.")
    forum.thread(author, title=f"Hilo sobre la {word}", body="¿Alguien sabe?")
    forum.post(forum.thread(author, title="Otra pregunta"), author, f"Respuesta con {word}.")
    MeetingFactory(title_es=f"Encuentro {word}", title_en=f"Meeting {word}")
    CollaborationPost.objects.create(
        initiative=place,
        direction="offer",
        kind="training",
        title=f"Ofrecemos formación {word}",
        text="Detalles.",
        expires_at=timezone.now() + timedelta(days=30),
        status=CollaborationPost.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    Project.objects.create(
        slug=f"proyecto-{word}-{Project.objects.count()}",
        title=f"Proyecto {word}",
        summary="Un proyecto conjunto.",
        status=Project.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    sent_issue(f"Boletín {word}", "Novedades del mes.")
    OpportunityFactory(title_es=f"Convocatoria {word}", title_en=f"Call {word}")
    OpportunityFactory(  # closed: the list no longer shows it, nor does the search
        title_es=f"Convocatoria {word} vencida",
        opens_at=timezone.now() - timedelta(days=40),
        closes_at=timezone.now() - timedelta(days=1),
    )


def test_a_member_finds_every_kind_in_one_ranked_list_with_counts(member_client, member):
    one_of_each(member)
    forum.thread(member, title="Otro hilo", body="Sin la palabra.")

    response = search(member_client, "quimera")

    assert response.status_code == 200
    assert counts(response) == {**dict.fromkeys(KINDS, 1), "threads": 2}
    assert sorted({kind for kind, _title in found(response)}) == sorted(KINDS)
    assert response.context["results"].total == 10  # nine kinds, two threads
    page = response.content.decode()
    assert 'aria-current="page">All <span class="count">10</span>' in page


def test_narrowing_to_a_kind_lists_only_it_and_links_its_own_filters(member_client, member):
    one_of_each(member)
    initiative("Segunda quimera")

    response = search(member_client, "quimera", kind="initiatives")

    assert {kind for kind, _title in found(response)} == {"initiatives"}
    assert counts(response)["initiatives"] == 2
    assert counts(response)["stories"] == 1  # the other counts stay, to widen again
    assert '/en/initiatives/?q=quimera"' in response.content.decode()


def test_accents_and_capitals_do_not_matter_and_words_are_marked(client):
    StoryFactory(
        title_es="Financiación de clústeres en Ecuador",
        summary_es="La financiación pública y privada.",
    )

    for query in ("financiacion", "FINANCIACIÓN", "Financ"):
        response = search(client, query, path="/search/")
        assert [kind for kind, _title in found(response)] == ["stories"], query
    item = search(client, "financiacion", path="/search/").context["results"].items[0]
    assert "<mark>Financiación</mark>" in item.title
    assert "<mark>financiación</mark>" in item.snippet


def test_an_opportunity_is_found_by_its_organiser_kind_and_sectors_in_the_readers_language(
    client,
):
    call = OpportunityFactory(
        title_es="Fondo para clústeres", title_en="", organiser="BID Lab", kind="grant"
    )
    call.sectors.set([SectorFactory(name_es="Agroindustria", name_en="Agrifood")])

    for query in ("bid lab", "agrifood", "grant"):
        assert found(search(client, query)) == [("opportunities", "Fondo para clústeres")], query
    hit = search(client, "agroindustria").context["results"].items[0].hit
    assert (hit.language, hit.detail, hit.url) == ("es", "BID Lab", call.get_absolute_url())


def test_a_word_inside_a_pdf_finds_its_resource_and_the_snippet_shows_it(client):
    resource_with_pdf("Guía de gestión", "Capítulo 3: la financiación mixta de la gerencia.")

    response = search(client, "financiacion")

    assert found(response) == [("resources", "Guía de gestión")]
    assert "<mark>financiación</mark> mixta" in response.context["results"].items[0].snippet


def test_snippets_escape_what_people_wrote(member_client, member):
    forum.thread(member, title="<script>alert(1)</script> quimera", body="<img src=x onerror=1>")

    page = search(member_client, "quimera").content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>quimera</mark>" in page
    assert "<img src=x" not in page


def test_a_visitor_never_finds_a_thread_a_draft_or_an_unsent_bulletin(client, member):
    forum.thread(member, title="Hilo quimera")
    initiative("Borrador quimera", status=Initiative.Status.DRAFT)
    StoryFactory(title_es="Historia quimera en borrador", status="draft")
    StoryFactory(
        title_es="Historia quimera programada", published_at=timezone.now() + timedelta(days=2)
    )
    ResourceFactory(title="Recurso quimera en revisión", status=Resource.Status.IN_REVIEW)
    MeetingFactory(title_es="Encuentro quimera sin publicar", published_at=None)
    OpportunityFactory(title_es="Convocatoria quimera pendiente", status="pending")
    OpportunityFactory(title_es="Convocatoria quimera retirada", status="withdrawn")
    draft = IssueFactory(languages=["es"])
    Edition.objects.filter(issue=draft).update(subject="Boletín quimera")
    edition = draft.editions.get()
    edition.rendered_subject = "Boletín quimera"
    edition.save()

    response = search(client, "quimera")

    assert counts(response) == dict.fromkeys(KINDS, 0)
    assert found(response) == []
    assert 'class="search-hit"' not in response.content.decode()
    assert client.get("/api/search/", {"q": "quimera"}).json()["count"] == 0


def test_private_threads_are_found_by_the_group_only_and_hidden_ones_by_nobody(client, member):
    outsider = UserFactory(email="outsider@example.org")
    group = forum.category("working-group", is_private=True)
    group.members.add(member)
    forum.thread(member, title="Quimera del grupo", cat=group)
    hidden = forum.thread(outsider, title="Quimera oculta")
    Post.objects.filter(thread=hidden).update(hidden=True)
    waiting = forum.thread(outsider, title="Quimera en espera")
    Post.objects.filter(thread=waiting).update(status=Post.Status.PENDING)
    waiting.is_published = False
    waiting.save()

    client.force_login(member)
    assert found(search(client, "quimera")) == [("threads", "Quimera del grupo")]
    client.force_login(outsider)
    assert found(search(client, "quimera")) == []


def test_the_readers_language_is_shown_with_a_fallback_and_said_so(client):
    StoryFactory(title_es="Quimera en español", title_en="Chimera in English", summary_en="x")
    StoryFactory(title_es="Quimera solo en español", title_en="", summary_en="", body_en="")

    response = search(client, "quimera")

    titles = {item.hit.title: item.hit.language for item in response.context["results"].items}
    assert titles == {"Chimera in English": "", "Quimera solo en español": "es"}
    assert "In Spanish" in response.content.decode()


def test_the_number_of_queries_does_not_grow_with_the_results(member_client, member):
    def queries() -> int:
        cache.clear()  # the registry's and the library's answers are kept until they change
        search(member_client, "warm-up")  # the session and the cache versions
        with CaptureQueriesContext(connection) as captured:
            assert search(member_client, "quimera").status_code == 200
        return len(captured)

    one_of_each(member, "quimera")
    few = queries()
    for n in range(6):
        one_of_each(member, "quimera")
        initiative(f"Quimera {n}")
    assert queries() == few


def test_htmx_gets_the_results_fragment_and_the_header_its_suggestions(client):
    StoryFactory(title_es="Quimera", title_en="Chimera quimera")

    fragment = client.get("/en/search/", {"q": "quimera"}, HTTP_HX_REQUEST="true")
    suggestions = client.get(
        "/en/search/", {"q": "quimera", "suggest": "1"}, HTTP_HX_REQUEST="true"
    )
    empty = client.get("/en/search/", {"q": "", "suggest": "1"}, HTTP_HX_REQUEST="true")

    assert fragment.content.decode().lstrip().startswith('<div id="search-results"')
    assert "<html" not in suggestions.content.decode()
    assert "See 1 result" in suggestions.content.decode()
    assert "/en/stories/" in suggestions.content.decode()
    assert empty.content.decode().strip() == ""


def test_every_page_has_the_labelled_search_box_and_the_page_works_in_every_language(client):
    home = client.get(address("home")).content.decode()
    assert '<form class="header-search" role="search" method="get" action="/search/">' in home
    assert '<label for="header-q"' in home
    for path in ("/search/", "/en/search/", "/pt-br/search/"):
        response = client.get(path, {"q": "nada"})
        assert response.status_code == 200
        assert '<meta name="robots" content="noindex">' in response.content.decode()


def test_searches_are_rate_limited_per_address(client, settings):
    settings.SITE_SEARCH_RATE = 2
    assert search(client, "uno").status_code == 200
    assert search(client, "dos").status_code == 200
    assert search(client, "tres").status_code == 429
    assert client.get("/en/search/").status_code == 200  # the empty form costs nothing


def test_the_api_searches_as_a_visitor_and_documents_its_parameters(client, member):
    one_of_each(member)

    answer = client.get("/api/search/", {"q": "quimera"}).json()
    narrowed = client.get("/api/search/", {"q": "quimera", "kind": "resources"}).json()

    assert answer["count"] == 8  # everything but the forum's threads
    assert {k["kind"]: k["count"] for k in answer["kinds"]}["threads"] == 0
    assert {r["kind"] for r in answer["results"]} == set(KINDS) - {"threads"}
    assert [r["kind"] for r in narrowed["results"]] == ["resources"]
    assert "quimera escondida" in narrowed["results"][0]["snippet"]
    assert narrowed["results"][0]["url"].startswith("http://testserver/")
    assert client.get("/api/search/", {"kind": "nothing"}).status_code == 400
    assert client.get("/api/search/", {"page": "0"}).status_code == 400
    schema = client.get("/api/schema/?format=json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/search/"]["get"]["parameters"]}
    assert set(parameters["kind"]["schema"]["enum"]) >= set(KINDS)
    assert {k["kind"] for k in answer["kinds"]} >= set(KINDS)


def test_the_rebuild_command_reads_unread_pdfs_and_rewrites_every_document(client):
    resource = ResourceFactory(title="Guía antigua", indexed=False)
    data = pdf_bytes("La palabra quimera vive en el anexo.")
    resource.file.save("0123456789abcdef.pdf", ContentFile(data), save=False)
    resource.file_kind, resource.file_size = "pdf", len(data)
    resource.save()
    story = StoryFactory(title_es="Quimera vieja")
    # As rows written before this version: no document, no vector, the PDF never read.
    Resource.objects.filter(pk=resource.pk).update(
        search_document="", search_vector=None, extracted_text=""
    )
    type(story).objects.filter(pk=story.pk).update(search_document="", search_vector=None)
    call = OpportunityFactory(title_es="Convocatoria quimera antigua")
    type(call).objects.filter(pk=call.pk).update(search_document="", search_vector=None)
    assert counts(search(client, "quimera")) == dict.fromkeys(KINDS, 0)

    call_command("search_rebuild")

    cache.clear()
    assert sorted(kind for kind, _title in found(search(client, "quimera"))) == [
        "opportunities",
        "resources",
        "stories",
    ]
    assert "quimera" in Resource.objects.get(pk=resource.pk).extracted_text


def test_counting_stops_at_the_cap_and_says_more(client, monkeypatch):
    from iapt_platform.lib import search as lib_search

    monkeypatch.setattr(lib_search, "COUNT_CAP", 2)
    for n in range(4):
        initiative(f"Quimera {n}")

    response = search(client, "quimera", kind="initiatives")

    facet = next(f for f in response.context["results"].facets if f.key == "initiatives")
    assert (facet.count, facet.more) == (2, True)
    page = response.content.decode()
    assert "More than 2 results for “quimera”" in page
    assert 'Initiatives <span class="count">2+</span>' in page
    assert len(found(response)) == 4  # the list is not capped, only the counting
    assert client.get("/api/search/", {"q": "quimera"}).json()["kinds"][0]["more"] is True


def test_every_kind_a_visitor_searches_shows_a_change_at_the_next_search(client, member):
    # Each kind's answer is kept under its content's version: nothing matches, then, once
    # something of every kind holds the word, each is found at once.
    assert sum(counts(search(client, "quimera")).values()) == 0
    assert sum(counts(search(client, "quimera", kind="stories")).values()) == 0

    one_of_each(member)

    assert counts(search(client, "quimera")) == {**dict.fromkeys(KINDS, 1), "threads": 0}
    assert {kind for kind, _ in found(search(client, "quimera", kind="stories"))} == {"stories"}


def test_the_kinds_a_visitor_reads_alike_keep_their_answers(client, member):
    """Every kind but the forum (which depends on the reader) names its content's version, so a
    repeated search asks the database nothing but the forum's count."""
    from iapt_platform.lib import site_search as lib_site_search

    unversioned = {kind.key for kind in lib_site_search.kinds() if kind.version is None}
    assert unversioned <= {"threads"}


def test_a_kind_is_counted_and_listed_in_one_statement_with_the_same_answer(client):
    for n in range(3):
        StoryFactory(title_es=f"Quimera {n}", title_en=f"Chimera quimera {n}")
    StoryFactory(title_es="Otra cosa", title_en="Something else")

    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = search(client, "quimera")

    assert counts(response)["stories"] == 3
    assert sorted(title for kind, title in found(response) if kind == "stories") == [
        "Chimera quimera 0",
        "Chimera quimera 1",
        "Chimera quimera 2",
    ]
    assert 'Stories <span class="count">3</span>' in response.content.decode()
    # Its ids in their order with their count (no COUNT of its own), then its rows.
    stories = [q["sql"] for q in captured.captured_queries if 'FROM "stories_story"' in q["sql"]]
    assert len(stories) == 2
    assert not any(sql.startswith("SELECT COUNT(") for sql in stories)


def test_a_files_excerpt_starts_near_its_first_matching_word_whatever_its_accents():
    from iapt_platform.lib.site_search import excerpt

    text = "Informe anual. " * 40 + "El CLÚSTER de café y la ﬁnanciación rural. " + "Fin. " * 40
    stretch = excerpt(text, ("cluster",), length=90)
    assert "CLÚSTER de café" in stretch
    assert stretch.startswith(text[text.index("CLÚSTER") - 30 :][:10])
    assert "ﬁnanciación" in excerpt(text, ("financiacion",))  # a ligature, an accent
    assert "Informe" in excerpt(text, ("inform",))
    # A file without any of the words gives no excerpt (its summary is shown).
    assert excerpt(text, ("xilofono",)) == ""
    assert excerpt(text, ("xilofono", "cafe")) != ""
    assert excerpt("", ("cluster",)) == ""
