"""Agenda rounds, proposals, prioritising, official answers and agenda items (issue 20)."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.db import IntegrityError, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community.agenda import selectors, services
from community.agenda.models import (
    AgendaItem,
    AgendaUpdate,
    Answer,
    Ballot,
    LineOfWork,
    Proposal,
    Round,
    Support,
)
from community.models import Category, Post
from iapt_platform.accounts.personal_data import Closing
from iapt_platform.lib import news
from iapt_platform.moderation.models import ModerationItem
from iapt_platform.moderation.services import moderation_decide
from tests.addresses import address
from tests.factories import UserFactory

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    """What the agenda announced, as the listeners (community/following) receive it."""
    received: list[news.Announcement] = []
    news.listen(received.append)
    yield received
    news._listeners.remove(received.append)


def member_with(country: str, **kwargs):
    return UserFactory(country=country, **kwargs)


# --- Lines of work and rounds ---------------------------------------------------------------------


def test_the_lines_of_work_are_seeded_in_three_languages():
    lines = {line.slug: line for line in LineOfWork.objects.all()}
    assert set(lines) == {"information-strategy", "community-of-practice", "joint-projects"}
    assert lines["joint-projects"].name_en == "Joint projects in the digital economy"
    assert lines["joint-projects"].name_es.startswith("Proyectos conjuntos")
    assert lines["joint-projects"].name_pt_br.startswith("Projetos conjuntos")
    assert Category.objects.filter(slug="agenda").exists()


def round_post_data(**overrides):
    # Read in the moderator's own zone (America/Guayaquil): a day's margin either way.
    now = timezone.localtime() - timedelta(days=1)
    fmt = "%Y-%m-%dT%H:%M"
    data = {
        "title_es": "Agenda del semestre",
        "title_en": "Agenda of the half-year",
        "title_pt_br": "Agenda do semestre",
        "description_es": "Proponga lo que haremos.",
        "lines_of_work": [line.pk for line in LineOfWork.objects.all()],
        "proposals_open_at": now.strftime(fmt),
        "proposals_close_at": (now + timedelta(days=10)).strftime(fmt),
        "prioritising_open_at": (now + timedelta(days=11)).strftime(fmt),
        "prioritising_close_at": (now + timedelta(days=20)).strftime(fmt),
        "supports_per_member": 5,
    }
    data.update(overrides)
    return data


def test_a_moderator_opens_a_round_and_every_member_hears_of_it(
    client, moderator, member, heard, django_capture_on_commit_callbacks
):
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("agenda:round_create"), round_post_data())
    agenda_round = Round.objects.get()
    assert response.status_code == 302
    assert response["Location"] == agenda_round.get_absolute_url()
    assert agenda_round.title_en == "Agenda of the half-year"
    assert agenda_round.lines_of_work.count() == 3
    assert agenda_round.phase() == "proposals"
    [announcement] = heard
    assert announcement.kind == services.ROUND_NEWS
    assert announcement.actor_id == moderator.pk
    [subject] = announcement.subjects
    assert member.pk in news.audience(subject)


def test_only_moderators_open_rounds(client, member):
    client.force_login(member)
    assert client.get(reverse("agenda:round_create")).status_code == 403
    assert client.post(reverse("agenda:round_create"), round_post_data()).status_code == 403
    assert not Round.objects.exists()


def test_a_round_with_periods_in_the_wrong_order_is_refused_and_keeps_its_input(client, moderator):
    client.force_login(moderator)
    now = timezone.localtime()
    data = round_post_data(proposals_close_at=(now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    response = client.post(reverse("agenda:round_create"), data)
    assert response.status_code == 400
    assert b"Proposals must close after they open." in response.content
    assert b"Agenda of the half-year" in response.content
    assert not Round.objects.exists()


# --- Proposals ------------------------------------------------------------------------------------


def propose_data(**overrides):
    data = {
        "title": "A workshop on financing",
        "body": "Two programmes tell **how** they finance their clusters.",
        "line_of_work": factories.line().pk,
    }
    data.update(overrides)
    return data


def test_a_members_first_proposal_waits_for_a_moderator(
    client, member, moderator, django_capture_on_commit_callbacks
):
    agenda_round = factories.agenda_round("proposals")
    client.force_login(member)
    response = client.post(reverse("agenda:propose", args=[agenda_round.slug]), propose_data())
    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert proposal.status == Proposal.Status.PENDING
    assert proposal.discussion is None
    item = ModerationItem.objects.get(kind=services.PROPOSAL_KIND)
    # Visitors and other members do not see it; its author does.
    assert client.get(proposal.get_absolute_url()).status_code == 200
    client.logout()
    assert client.get(proposal.get_absolute_url()).status_code == 404
    page = client.get(agenda_round.get_absolute_url())
    assert b"A workshop on financing" not in page.content

    with django_capture_on_commit_callbacks(execute=True):
        moderation_decide(item=item, moderator=moderator, action="approve", comment="")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.PUBLISHED
    assert proposal.discussion.category.slug == "agenda"
    assert b"A workshop on financing" in client.get(agenda_round.get_absolute_url()).content


def test_a_trusted_members_proposal_is_published_at_once(client, member):
    agenda_round = factories.agenda_round("proposals")
    factories.proposal(agenda_round, member, title="An earlier one")
    client.force_login(member)
    client.post(reverse("agenda:propose", args=[agenda_round.slug]), propose_data())
    proposal = Proposal.objects.get(title="A workshop on financing")
    assert proposal.status == Proposal.Status.PUBLISHED
    assert proposal.language == member.language
    assert not ModerationItem.objects.filter(kind=services.PROPOSAL_KIND).exists()


def test_a_proposal_after_the_period_is_refused_and_the_form_keeps_its_input(
    client, member, time_machine
):
    agenda_round = factories.agenda_round("proposals")
    client.force_login(member)
    page = client.get(reverse("agenda:propose", args=[agenda_round.slug]))
    assert page.status_code == 200
    time_machine.move_to(agenda_round.proposals_close_at + timedelta(minutes=1))
    response = client.post(reverse("agenda:propose", args=[agenda_round.slug]), propose_data())
    assert response.status_code == 400
    assert b"no longer receives proposals" in response.content
    assert b"A workshop on financing" in response.content
    assert b"Two programmes tell **how**" in response.content
    assert not Proposal.objects.exists()


def test_a_proposal_links_to_initiatives_resources_and_threads_by_their_addresses(client, member):
    from tests.community import factories as forum

    thread = forum.thread(member, title="Financing")
    agenda_round = factories.agenda_round("proposals")
    client.force_login(member)
    links = f"https://iapt.example.org{address('community:thread', [thread.pk], language='pt-br')}"
    response = client.post(
        reverse("agenda:propose", args=[agenda_round.slug]),
        propose_data(links=links, countries=["EC", "CL"]),
    )
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert list(proposal.threads.all()) == [thread]
    assert {c.code for c in proposal.countries} == {"EC", "CL"}

    response = client.post(
        reverse("agenda:propose", args=[agenda_round.slug]),
        propose_data(title="Second", links="https://elsewhere.example.org/nothing/"),
    )
    assert response.status_code == 400
    assert b"is not the address of a published initiative" in response.content
    assert Proposal.objects.count() == 1


def test_a_proposal_in_a_line_of_work_the_round_lacks_is_refused(client, member):
    agenda_round = factories.agenda_round("proposals")
    agenda_round.lines_of_work.set([factories.line("information-strategy")])
    client.force_login(member)
    response = client.post(reverse("agenda:propose", args=[agenda_round.slug]), propose_data())
    assert response.status_code == 400
    assert not Proposal.objects.exists()


def test_the_description_goes_through_the_one_sanitiser(client, member):
    agenda_round = factories.agenda_round("proposals")
    proposal = factories.proposal(
        agenda_round, member, body="<script>alert(1)</script> [x](javascript:alert(1)) **bold**"
    )
    response = client.get(proposal.get_absolute_url())
    assert b"<script>alert(1)" not in response.content
    assert b'href="javascript:' not in response.content
    assert b"<strong>bold</strong>" in response.content


def test_comments_are_posts_of_the_proposals_forum_thread(client, member, monkeypatch):
    from community import services as forum

    monkeypatch.setattr(forum, "NEW_MEMBER_POSTS", 0)
    agenda_round = factories.agenda_round("proposals")
    proposal = factories.proposal(agenda_round)
    client.force_login(member)
    response = client.post(reverse("agenda:comment", args=[proposal.pk]), {"body": "I would come."})
    assert response.status_code == 302
    post = Post.objects.get(thread=proposal.discussion, is_opening=False)
    assert post.body == "I would come."
    assert b"I would come." in client.get(proposal.get_absolute_url()).content


def test_a_refused_comment_keeps_its_text(client, member):
    agenda_round = factories.agenda_round("proposals")
    proposal = factories.proposal(agenda_round)
    proposal.discussion.locked = True
    proposal.discussion.save()
    client.force_login(member)
    response = client.post(
        reverse("agenda:comment", args=[proposal.pk]), {"body": "My careful comment."}
    )
    assert response.status_code == 400
    assert b"closed to new replies" in response.content
    assert b"My careful comment." in response.content


# --- Prioritising ---------------------------------------------------------------------------------


def support(client, proposal, action="add", origin="round"):
    return client.post(
        reverse("agenda:support", args=[proposal.pk]), {"action": action, "from": origin}
    )


def test_a_member_distributes_and_changes_supports(client, member):
    agenda_round = factories.agenda_round("prioritising", supports=2)
    first, second = factories.proposal(agenda_round), factories.proposal(agenda_round)
    client.force_login(member)
    assert support(client, first).status_code == 302
    assert support(client, first).status_code == 302  # twice is still one
    assert support(client, second).status_code == 302
    assert selectors.supported_ids(agenda_round=agenda_round, user=member) == {first.pk, second.pk}
    assert support(client, first, "remove").status_code == 302
    assert selectors.supported_ids(agenda_round=agenda_round, user=member) == {second.pk}
    assert Ballot.objects.get(round=agenda_round, user=member).country == member.country.code


def test_supports_beyond_the_allowance_are_refused_and_the_others_kept(client, member):
    agenda_round = factories.agenda_round("prioritising", supports=2)
    proposals = [factories.proposal(agenda_round, title=f"P{i}") for i in range(3)]
    client.force_login(member)
    support(client, proposals[0])
    support(client, proposals[1])
    response = support(client, proposals[2])
    assert response.status_code == 409
    assert b"You have used your 2 supports in this round" in response.content
    assert selectors.supported_ids(agenda_round=agenda_round, user=member) == {
        proposals[0].pk,
        proposals[1].pk,
    }


def test_supports_after_the_period_are_refused(client, member, time_machine):
    agenda_round = factories.agenda_round("prioritising")
    proposal = factories.proposal(agenda_round)
    client.force_login(member)
    support(client, proposal)
    time_machine.move_to(agenda_round.prioritising_close_at + timedelta(seconds=1))
    response = support(client, proposal, "remove", origin="proposal")
    assert response.status_code == 409
    assert b"Prioritising ended on" in response.content
    assert Support.objects.count() == 1
    assert support(client, factories.proposal(agenda_round)).status_code == 409
    assert Support.objects.count() == 1


def test_supports_before_the_period_are_refused(client, member):
    agenda_round = factories.agenda_round("proposals")
    proposal = factories.proposal(agenda_round)
    client.force_login(member)
    response = support(client, proposal)
    assert response.status_code == 409
    assert b"Prioritising opens on" in response.content
    assert not Support.objects.exists()


def test_a_withdrawn_proposal_cannot_be_supported_even_by_its_author(client, member):
    agenda_round = factories.agenda_round("prioritising")
    own = factories.proposal(agenda_round, member)
    other_member = UserFactory()
    client.force_login(other_member)
    support(client, own)
    client.force_login(member)
    response = client.post(reverse("agenda:withdraw", args=[own.pk]))
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.status == Proposal.Status.WITHDRAWN
    assert not Support.objects.exists()  # the supporters got their supports back
    response = support(client, own, origin="proposal")
    assert response.status_code == 409
    assert b"You withdrew this proposal" in response.content
    client.force_login(other_member)
    response = support(client, own)
    assert b"Its author withdrew this proposal" in response.content
    assert not Support.objects.exists()


def test_an_unverified_account_cannot_support(client):
    agenda_round = factories.agenda_round("prioritising")
    proposal = factories.proposal(agenda_round)
    unverified = UserFactory(verified=False)
    assert not EmailAddress.objects.filter(user=unverified, verified=True).exists()
    client.force_login(unverified)
    page = client.get(agenda_round.get_absolute_url())
    assert b"Confirm your email address to support proposals" in page.content
    response = support(client, proposal)
    assert response.status_code == 409
    assert b"Confirm your email address before you support proposals" in response.content
    assert not Support.objects.exists()


def test_visitors_cannot_support(client):
    agenda_round = factories.agenda_round("prioritising")
    proposal = factories.proposal(agenda_round)
    response = support(client, proposal)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Support.objects.exists()


def test_the_database_holds_one_support_per_member_and_proposal(member):
    agenda_round = factories.agenda_round("prioritising")
    proposal = factories.proposal(agenda_round)
    ballot = Ballot.objects.create(round=agenda_round, user=member)
    Support.objects.create(ballot=ballot, proposal=proposal)
    with pytest.raises(IntegrityError), transaction.atomic():
        Support.objects.create(ballot=ballot, proposal=proposal)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(round=agenda_round, user=member)


def test_counts_stay_hidden_until_prioritising_ends_then_show_by_country(client, time_machine):
    agenda_round = factories.agenda_round("prioritising", supports=2)
    popular = factories.proposal(agenda_round, title="Popular one")
    quiet = factories.proposal(agenda_round, title="Quiet one")
    for country in ("EC", "EC", "BR"):
        services.support_add(user=member_with(country), proposal=popular)
    services.support_add(user=member_with("CL"), proposal=quiet)

    page = client.get(agenda_round.get_absolute_url())
    assert page.context["results"] == []
    assert b"How it was prioritised" not in page.content
    assert b"3 supports" not in page.content
    page = client.get(popular.get_absolute_url())
    assert b"Counts are shown when prioritising closes" in page.content
    assert page.context["support_count"] is None

    time_machine.move_to(agenda_round.prioritising_close_at + timedelta(minutes=1))
    page = client.get(agenda_round.get_absolute_url())
    results = page.context["results"]
    assert [(r.proposal.title, r.count) for r in results] == [("Popular one", 3), ("Quiet one", 1)]
    assert results[0].by_country == [("Ecuador", 2), ("Brazil", 1)]
    assert b"How it was prioritised" in page.content
    assert b"Ecuador: 2" in page.content
    assert client.get(popular.get_absolute_url()).context["support_count"] == 3


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_do_not_pass_the_allowance():
    """On PostgreSQL the ballot's row lock makes the second request wait and count again."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write: the race needs PostgreSQL's row locks")
    agenda_round = factories.agenda_round("prioritising", supports=1)
    proposals = [factories.proposal(agenda_round, title=f"P{i}") for i in range(4)]
    person = UserFactory()
    barrier = threading.Barrier(len(proposals))
    errors: list[str] = []

    def add(proposal):
        try:
            barrier.wait()
            services.support_add(user=person, proposal=proposal)
        except services.AgendaError as error:
            errors.append(str(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=add, args=(p,)) for p in proposals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Support.objects.filter(ballot__user=person).count() == 1
    assert len(errors) == 3


# --- Official answers and the agenda --------------------------------------------------------------


def answer_data(**overrides):
    data = {
        "answer": "accepted",
        "answer_reason_es": "La organizamos.",
        "answer_reason_en": "We organise it.",
        "answer_reason_pt_br": "Organizamos.",
    }
    data.update(overrides)
    return data


def test_staff_answer_and_an_accepted_proposal_becomes_an_agenda_item(
    client, moderator, heard, django_capture_on_commit_callbacks
):
    agenda_round = factories.agenda_round("closed")
    author = UserFactory(language="es")
    proposal = factories.proposal(agenda_round, author)
    supporter = UserFactory()
    Support.objects.create(
        ballot=Ballot.objects.create(round=agenda_round, user=supporter), proposal=proposal
    )
    client.force_login(moderator)
    page = client.get(reverse("agenda:answer", args=[proposal.pk]))
    fields = list(page.context["form"].fields)
    assert fields[:2] == ["answer", "answer_reason_es"]  # the author's language first
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("agenda:answer", args=[proposal.pk]), answer_data())
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.answer == Answer.ACCEPTED
    assert proposal.answer_reason_en == "We organise it."
    item = AgendaItem.objects.get(proposal=proposal)
    assert item.progress == 0 and item.year == timezone.localdate().year
    [announcement] = heard
    assert announcement.kind == services.ANSWER_NEWS
    assert set(announcement.recipients) == {author.pk, supporter.pk}
    assert news.audience(news.Subject("proposal", proposal.pk)) == {author.pk, supporter.pk}
    assert news.can_see(services.ANSWER_NEWS, supporter, proposal)
    assert b"We organise it." in client.get(proposal.get_absolute_url()).content


def test_an_answer_needs_its_reason_in_the_authors_language_and_keeps_the_others(client, moderator):
    proposal = factories.proposal(factories.agenda_round("closed"), UserFactory(language="pt-br"))
    client.force_login(moderator)
    response = client.post(
        reverse("agenda:answer", args=[proposal.pk]),
        answer_data(answer="not_accepted", answer_reason_pt_br=""),
    )
    assert response.status_code == 400
    assert b"La organizamos." in response.content
    proposal.refresh_from_db()
    assert proposal.answer == ""
    assert not AgendaItem.objects.exists()


def test_members_cannot_answer(client, member):
    proposal = factories.proposal(factories.agenda_round("closed"))
    client.force_login(member)
    assert (
        client.post(reverse("agenda:answer", args=[proposal.pk]), answer_data()).status_code == 403
    )
    assert Proposal.objects.get().answer == ""


def test_an_agenda_update_reaches_the_proposals_followers_and_shows_on_the_agenda(
    client, moderator, heard, django_capture_on_commit_callbacks
):
    from community.meetings.models import Meeting

    proposal = factories.proposal(factories.agenda_round("closed"))
    services.proposal_answer(
        moderator=moderator, proposal=proposal, answer="accepted", reasons={"en": "Yes."}
    )
    item = AgendaItem.objects.get()
    now = timezone.now()
    meeting = Meeting.objects.create(
        slug="workshop",
        title="Taller de financiamiento",
        title_en="Financing workshop",
        starts_at=now + timedelta(days=9),
        ends_at=now + timedelta(days=9, hours=2),
        published_at=now,
    )
    client.force_login(moderator)
    response = client.post(
        reverse("agenda:item_edit", args=[item.pk]),
        {
            "title_es": "Taller de financiamiento",
            "title_en": "Financing workshop",
            "title_pt_br": "Oficina de financiamento",
            "year": item.year,
            "responsible": moderator.pk,
            "target_date": (now + timedelta(days=30)).date().isoformat(),
            "meetings": [meeting.pk],
        },
    )
    assert response.status_code == 302
    heard.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("agenda:item_report", args=[item.pk]),
            {
                "status": "in_progress",
                "progress": 40,
                "body_es": "Fijamos la fecha.",
                "body_en": "We set the date.",
            },
        )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.progress) == ("in_progress", 40)
    update = AgendaUpdate.objects.get()
    [announcement] = heard
    assert announcement.kind == services.UPDATE_NEWS
    assert announcement.object_id == update.pk
    assert news.Subject("proposal", proposal.pk) in announcement.subjects

    client.logout()
    page = client.get(reverse("agenda:index"))
    assert b"Financing workshop" in page.content
    assert b'value="40"' in page.content
    assert b"40% done" in page.content
    assert b'href="/en/meetings/workshop/"' in page.content
    for language, title in (
        ("es", "Taller de financiamiento"),
        ("pt-br", "Oficina de financiamento"),
    ):
        page = client.get(address("agenda:index", language=language))
        assert page.status_code == 200
        assert title.encode() in page.content
    page = client.get(address("agenda:item", [item.pk], language="en"))
    assert b"We set the date." in page.content
    # No Portuguese text: the Spanish one, saying so.
    page = client.get(address("agenda:item", [item.pk], language="pt-br"))
    assert b"Fijamos la fecha." in page.content
    assert b"translation-notice" in page.content


def test_progress_beyond_a_hundred_is_refused(client, moderator):
    proposal = factories.proposal(factories.agenda_round("closed"))
    services.proposal_answer(
        moderator=moderator, proposal=proposal, answer="accepted", reasons={"en": "Yes."}
    )
    item = AgendaItem.objects.get()
    client.force_login(moderator)
    response = client.post(
        reverse("agenda:item_report", args=[item.pk]),
        {"status": "done", "progress": 140, "body_es": "Listo."},
    )
    assert response.status_code == 400
    assert b"Listo." in response.content
    item.refresh_from_db()
    assert item.progress == 0
    with pytest.raises(IntegrityError), transaction.atomic():
        AgendaItem.objects.filter(pk=item.pk).update(progress=140)


def test_the_news_kinds_are_registered_with_their_visibility():
    kinds = news.kinds()
    for name in (services.ROUND_NEWS, services.ANSWER_NEWS, services.UPDATE_NEWS):
        assert name in kinds
    pending = Proposal(status=Proposal.Status.PENDING)
    assert not kinds[services.ANSWER_NEWS].visible(None, pending)


# --- Pages, addresses and the sitemap -------------------------------------------------------------


def test_the_pages_have_an_address_in_each_language(client):
    agenda_round = factories.agenda_round("proposals", slug="semestre")
    proposal = factories.proposal(agenda_round)
    for language in ("es", "en", "pt-br"):
        for name, args in (
            ("agenda:index", None),
            ("agenda:round", [agenda_round.slug]),
            ("agenda:proposal", [proposal.pk]),
        ):
            path = address(name, args, language=language)
            assert client.get(path).status_code == 200, path
    assert (
        address("agenda:round", ["semestre"], language="pt-br") == "/pt-br/agenda/rounds/semestre/"
    )


def test_the_sitemap_lists_rounds_and_proposals(client):
    agenda_round = factories.agenda_round("proposals", slug="semestre")
    factories.proposal(agenda_round)
    response = client.get("/sitemap-agenda-rounds.xml")
    assert response.status_code == 200
    assert b"/agenda/rounds/semestre/" in response.content
    assert b"/pt-br/agenda/rounds/semestre/" in response.content
    assert b"/agenda/proposals/" in client.get("/sitemap-agenda-proposals.xml").content


def test_visitors_get_a_kept_copy_until_the_agenda_changes(
    client, moderator, django_capture_on_commit_callbacks, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)  # the kept copy's minute does not turn
    agenda_round = factories.agenda_round("closed")
    proposal = factories.proposal(agenda_round, title="Kept proposal")
    assert b"Kept proposal" in client.get(agenda_round.get_absolute_url()).content
    Proposal.objects.filter(pk=proposal.pk).update(title="Changed behind the cache")
    assert b"Kept proposal" in client.get(agenda_round.get_absolute_url()).content
    proposal.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_answer(
            moderator=moderator, proposal=proposal, answer="evaluating", reasons={"en": "Soon."}
        )
    page = client.get(agenda_round.get_absolute_url())
    assert b"Changed behind the cache" in page.content
    assert b"Being evaluated" in page.content


def _queries(client, path) -> int:
    with CaptureQueriesContext(__import__("django.db", fromlist=["connection"]).connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def _grow(agenda_round, n, moderator):
    for i in range(n):
        proposal = factories.proposal(agenda_round, title=f"Proposal {i}")
        Support.objects.create(
            ballot=Ballot.objects.get_or_create(round=agenda_round, user=UserFactory())[0],
            proposal=proposal,
        )
        services.proposal_answer(
            moderator=moderator, proposal=proposal, answer="accepted", reasons={"en": "Yes."}
        )


def test_the_round_and_agenda_pages_keep_their_query_count(client, moderator):
    agenda_round = factories.agenda_round("closed")
    _grow(agenda_round, 2, moderator)
    client.force_login(moderator)
    client.get("/en/agenda/")  # warm: the frame's unread count is then kept
    small = [_queries(client, agenda_round.get_absolute_url()), _queries(client, "/en/agenda/")]
    _grow(agenda_round, 6, moderator)
    large = [_queries(client, agenda_round.get_absolute_url()), _queries(client, "/en/agenda/")]
    assert small == large


def test_the_proposal_page_keeps_its_query_count(client, member, monkeypatch):
    from community import services as forum

    monkeypatch.setattr(forum, "NEW_MEMBER_POSTS", 0)
    monkeypatch.setattr(forum, "RATE_LIMITS", ((60, 1000), (3600, 1000)))
    agenda_round = factories.agenda_round("prioritising")
    proposal = factories.proposal(agenda_round)
    client.force_login(member)
    forum.post_reply(user=member, thread=proposal.discussion, body="One")
    small = _queries(client, proposal.get_absolute_url())
    for i in range(6):
        forum.post_reply(user=UserFactory(), thread=proposal.discussion, body=f"More {i}")
    assert _queries(client, proposal.get_absolute_url()) == small


# --- Personal data --------------------------------------------------------------------------------


def test_the_export_holds_ones_proposals_and_supports(member):
    agenda_round = factories.agenda_round("prioritising")
    mine = factories.proposal(agenda_round, member, title="Mine")
    other = factories.proposal(agenda_round, title="Theirs")
    services.support_add(user=member, proposal=other)
    data = selectors.personal_data_of(member).data
    assert [p["title"] for p in data["proposals"]] == ["Mine"]
    assert data["proposals"][0]["id"] == mine.pk
    assert [s["proposal"] for s in data["supports"]] == ["Theirs"]


def test_closing_an_account_keeps_published_proposals_and_closed_rounds_results(member):
    closed = factories.agenda_round("closed", slug="closed")
    open_round = factories.agenda_round("prioritising", slug="open")
    published = factories.proposal(closed, member, title="Published")
    pending = Proposal.objects.create(
        round=open_round,
        author=member,
        title="Pending",
        body=".",
        line_of_work=factories.line(),
        status=Proposal.Status.PENDING,
    )
    Support.objects.create(
        ballot=Ballot.objects.create(round=closed, user=member, country="EC"),
        proposal=published,
    )
    services.support_add(user=member, proposal=factories.proposal(open_round))
    services.member_depart(closing=Closing(user=member))
    member.delete()
    assert not Proposal.objects.filter(pk=pending.pk).exists()
    published.refresh_from_db()
    assert published.author is None
    assert Support.objects.filter(proposal__round=closed).count() == 1
    assert Ballot.objects.get(round=closed).user is None
    assert not Support.objects.filter(proposal__round=open_round).exists()


# --- Demo data ------------------------------------------------------------------------------------


def test_the_demo_has_a_closed_round_with_results_and_an_open_round_and_runs_twice():
    from community.agenda import demo
    from iapt_platform.accounts import demo as accounts_demo

    accounts_demo.seed(lambda line: None)
    for person in ("EC", "BR", "CL", "MX", "EC"):
        UserFactory(country=person)
    demo.seed(lambda line: None)
    demo.seed(lambda line: None)
    closed = Round.objects.get(slug=demo.PAST["slug"])
    current = Round.objects.get(slug=demo.OPEN["slug"])
    assert closed.phase() == "closed" and current.phase() == "proposals"
    results = selectors.round_results(agenda_round=closed)
    assert [r.count for r in results] == sorted((r.count for r in results), reverse=True)
    assert results[0].count > 0 and results[0].by_country
    assert AgendaItem.objects.count() == 2
    assert AgendaItem.objects.filter(title_en__startswith="Workshop").exists()
    assert current.proposals.published().count() == 2


# --- The proposal's forum thread opens with a link to it, working in every reader's language -------


def test_the_proposals_thread_opens_with_a_link_to_it_in_every_readers_language(client):
    agenda_round = factories.agenda_round("proposals")
    author = UserFactory(language="en")
    proposal = factories.proposal(agenda_round, author, title="A [draft] *workshop* & more")
    opening = Post.objects.get(thread=proposal.discussion, is_opening=True)
    assert opening.language == "en"  # the proposal's own words, in its language
    # The unprefixed address: each reader is sent to the page in their language (LanguageMiddleware).
    neutral = address("agenda:proposal", args=[proposal.pk])
    for language in ("pt-br", "en", "es"):
        client.force_login(UserFactory(language=language))
        thread = client.get(reverse("community:thread", args=[proposal.discussion.pk]))
        assert thread.status_code == 200
        links = re.findall(r'<a href="([^"]*)"[^>]*>([^<]*)</a>', thread.content.decode())
        assert (neutral, "A [draft] *workshop* &amp; more") in links, language
        page = client.get(neutral, follow=True)
        assert page.status_code == 200
        wanted = address("agenda:proposal", args=[proposal.pk], language=language)
        assert page.request["PATH_INFO"] == wanted
        assert "A [draft] *workshop* &amp; more" in page.content.decode()
