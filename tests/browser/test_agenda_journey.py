"""The agenda in Chromium: a moderator opens a round; two members propose (the first-timer's
proposal waits for the moderator, who approves it); in the prioritising period three members
distribute supports while the counts stay hidden; time travels past the end and the results show
by country; the moderator answers, and the accepted proposal becomes an agenda item whose
progress and linked meeting show on the public agenda in Spanish, English and Portuguese."""

import re
import zoneinfo
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from community.agenda import lines
from community.agenda.models import AgendaItem, LineOfWork, Proposal, Round, Support
from community.meetings.models import Meeting
from community.models import Category
from tests.community import factories as forum
from tests.factories import UserFactory

from .test_registry_journey import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LOCAL = "%Y-%m-%dT%H:%M"


def open_as(browser, live_server, user):
    context = browser.new_context(locale="en-US", base_url=live_server.url)
    context.set_default_timeout(10_000)
    sign_in_as(context, live_server, user)
    return context, context.new_page()


def member(email, name, country, handle):
    user = UserFactory(email=email, display_name=name, language="en", country=country)
    forum.profile(user, handle=handle)
    return user


def test_a_round_from_proposals_to_the_public_agenda(browser, live_server, moderator_with_totp):
    moderator = moderator_with_totp
    moderator.language = "en"
    moderator.save()
    lines.seed_lines(LineOfWork, Category)  # the flush of a browser test removed the seed
    alice = member("alice@example.org", "Alicia Núñez", "MX", "alicia")
    bruno = member("bruno@example.org", "Bruno Costa", "BR", "bruno")
    carla = member("carla@example.org", "Carla Pérez", "MX", "carla")
    # Bruno is known in the forum: his proposal needs no approval; Alicia's first one does.
    thread = forum.thread(bruno, title="Hello")
    forum.post(thread, bruno, "Second post")
    start = timezone.now()
    meeting = Meeting.objects.create(
        slug="taller-financiamiento",
        title="Taller de financiamiento",
        title_es="Taller de financiamiento",
        title_en="Financing workshop",
        title_pt_br="Oficina de financiamento",
        starts_at=start + timedelta(days=20),
        ends_at=start + timedelta(days=20, hours=2),
        published_at=start,
    )

    # --- The moderator opens a round ---------------------------------------------------------------
    mod_context, mod = open_as(browser, live_server, moderator)
    zone = zoneinfo.ZoneInfo(moderator.time_zone)
    local = timezone.localtime(start, zone).replace(second=0, microsecond=0)
    mod.goto("/en/agenda/staff/")
    mod.get_by_role("link", name="Open an agenda round").click()
    mod.get_by_label("Title in Spanish").fill("Agenda del primer semestre")
    mod.get_by_label("Title in English").fill("Agenda for the first half-year")
    mod.get_by_label("Title in Portuguese").fill("Agenda do primeiro semestre")
    mod.get_by_label("Description in English").fill("What should we do **next**?")
    for name in ("Information strategy", "Community of practice"):
        mod.get_by_label(name).check()
    mod.get_by_label("Proposals open").fill((local - timedelta(hours=1)).strftime(LOCAL))
    mod.get_by_label("Proposals close").fill((local + timedelta(days=2)).strftime(LOCAL))
    mod.get_by_label("Prioritising opens").fill((local + timedelta(days=3)).strftime(LOCAL))
    mod.get_by_label("Prioritising closes").fill((local + timedelta(days=5)).strftime(LOCAL))
    mod.get_by_label("Supports per member").fill("2")
    mod.get_by_role("button", name="Save").click()
    expect(mod.get_by_role("heading", level=1)).to_have_text("Agenda for the first half-year")
    agenda_round = Round.objects.get()
    assert agenda_round.supports_per_member == 2

    # --- Two members propose ----------------------------------------------------------------------
    contexts = [mod_context]
    pages = {}
    for person in (alice, bruno, carla):
        context, page = open_as(browser, live_server, person)
        contexts.append(context)
        pages[person.pk] = page
    proposals = {
        alice.pk: ("Workshop on financing clusters", "Two programmes explain **how**."),
        bruno.pk: ("Video interviews with managers", "Short interviews, subtitled."),
    }
    for person in (alice, bruno):
        page = pages[person.pk]
        title, body = proposals[person.pk]
        page.goto(agenda_round.get_absolute_url())
        page.get_by_role("link", name="Make a proposal").click()
        page.get_by_label("Title").fill(title)
        page.get_by_label("Description").fill(body)
        page.get_by_label("Community of practice").check()
        page.get_by_role("button", name="Send the proposal").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(pages[alice.pk].get_by_text("waits for a moderator").first).to_be_visible()
    workshop = Proposal.objects.get(author=alice)
    interviews = Proposal.objects.get(author=bruno)
    assert workshop.status == Proposal.Status.PENDING
    assert interviews.status == Proposal.Status.PUBLISHED

    # --- The moderator approves the first-timer's proposal from the one queue ---------------------
    mod.goto("/moderation/")
    mod.get_by_role("link", name=re.compile("Workshop on financing clusters")).click()
    mod.get_by_role("button", name="Approve").click()
    mod.wait_for_url(re.compile(r"/moderation/$"))
    workshop.refresh_from_db()
    assert workshop.status == Proposal.Status.PUBLISHED

    # --- Prioritising: three members distribute supports; the counts stay hidden ------------------
    with time_machine.travel(agenda_round.prioritising_open_at + timedelta(hours=1), tick=True):
        for person, titles in (
            (alice, ["Workshop on financing clusters", "Video interviews with managers"]),
            (bruno, ["Workshop on financing clusters"]),
            (carla, ["Video interviews with managers", "Workshop on financing clusters"]),
        ):
            page = pages[person.pk]
            page.goto(agenda_round.get_absolute_url())
            for title in titles:
                page.get_by_role("button", name=f"Support “{title}”", exact=True).click()
                expect(
                    page.get_by_role("button", name=f"Remove your support from “{title}”")
                ).to_be_visible()
        # Carla changes her mind about the interviews.
        page = pages[carla.pk]
        page.get_by_role(
            "button", name="Remove your support from “Video interviews with managers”"
        ).click()
        expect(page.get_by_text("You have 1 support left of 2.")).to_be_visible()
        expect(
            page.get_by_text("The number of supports is shown when prioritising closes")
        ).to_be_visible()
        expect(page.locator(".agenda-results")).to_have_count(0)
        expect(page.get_by_text(re.compile(r"\d+ supports?$"))).to_have_count(0)
        assert Support.objects.count() == 4

    # --- Past the end: the results, by country ----------------------------------------------------
    with time_machine.travel(agenda_round.prioritising_close_at + timedelta(hours=1), tick=True):
        visitor = browser.new_context(locale="en-US", base_url=live_server.url)
        contexts.append(visitor)
        view = visitor.new_page()
        view.goto(agenda_round.get_absolute_url())
        results = view.locator(".agenda-results tbody tr")
        expect(results.nth(0)).to_contain_text("Workshop on financing clusters")
        expect(results.nth(0)).to_contain_text("3")
        expect(results.nth(0)).to_contain_text("Mexico: 2; Brazil: 1")
        expect(results.nth(1)).to_contain_text("Video interviews with managers")
        # Supports can no longer change.
        page = pages[carla.pk]
        page.goto(workshop.get_absolute_url())
        expect(page.get_by_role("button", name=re.compile("Remove your support"))).to_have_count(0)

        # --- The moderator answers; the accepted proposal becomes an agenda item ------------------
        mod.goto(workshop.get_absolute_url())
        mod.get_by_role("link", name="Answer the proposal").click()
        mod.get_by_label("Accepted", exact=True).check()
        mod.get_by_label("Reason in English").fill("The topic most members asked for.")
        mod.get_by_label("Reason in Spanish").fill("El tema que más miembros pidieron.")
        mod.get_by_label("Reason in Portuguese").fill("O tema que mais membros pediram.")
        mod.get_by_role("button", name="Publish the answer").click()
        expect(mod.get_by_text("The topic most members asked for.")).to_be_visible()
        item = AgendaItem.objects.get(proposal=workshop)
        mod.get_by_role("link", name=re.compile("% done")).click()
        mod.get_by_role("link", name="Edit the agenda item").click()
        mod.get_by_label("Title in Spanish").fill("Taller sobre financiamiento de clústeres")
        mod.get_by_label("Title in Portuguese").fill("Oficina sobre financiamento de clusters")
        mod.get_by_label("Responsible person").select_option(label=str(moderator))
        mod.get_by_label("Meetings").select_option(value=str(meeting.pk))
        mod.get_by_role("button", name="Save").click()
        mod.get_by_role("link", name="Report progress").click()
        mod.get_by_label("Status").select_option(label="In progress")
        mod.get_by_label("Progress (%)").fill("40")
        mod.get_by_label("What happened, in Spanish").fill("Invitamos a los programas.")
        mod.get_by_label("What happened, in English").fill("We invited the programmes.")
        mod.get_by_role("button", name="Save").click()
        expect(mod.get_by_text("We invited the programmes.")).to_be_visible()
        item.refresh_from_db()
        assert (item.progress, list(item.meetings.all())) == (40, [meeting])

        # --- The public agenda, in three languages ------------------------------------------------
        for locale, path, title, meeting_title in (
            (
                "es-ES",
                "/agenda/",
                "Taller sobre financiamiento de clústeres",
                "Taller de financiamiento",
            ),
            ("en-US", "/en/agenda/", "Workshop on financing clusters", "Financing workshop"),
            (
                "pt-BR",
                "/pt-br/agenda/",
                "Oficina sobre financiamento de clusters",
                "Oficina de financiamento",
            ),
        ):
            reader = browser.new_context(locale=locale, base_url=live_server.url)
            contexts.append(reader)
            view = reader.new_page()
            view.goto(path)
            expect(view.locator("html")).to_have_attribute(
                "lang", path.strip("/").split("/")[0] if path != "/agenda/" else "es"
            )
            card = view.locator(f"#item-{item.pk}")
            expect(card.get_by_role("link", name=title)).to_be_visible()
            expect(card.locator("progress")).to_have_attribute("value", "40")
            expect(card.get_by_role("link", name=meeting_title)).to_have_attribute(
                "href", re.compile(r"/meetings/taller-financiamiento/$")
            )
    for context in contexts:
        context.close()
