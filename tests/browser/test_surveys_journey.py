"""The surveys journey in Chromium: a moderator builds a survey for a meeting; the meeting ends
(time travels); its attendees receive the survey once each, in their language, however often the
task runs; two attendees answer (one from the emailed link without an account, one from the
meeting page); a second answer is refused; the moderator's results page matches the answers."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from playwright.sync_api import expect

from community.meetings.models import Meeting, Registration
from community.surveys import tasks
from community.surveys.models import Invitation, Response, Survey
from tests.factories import UserFactory

from .test_meetings_journey import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START = datetime(2030, 5, 20, 15, 0, tzinfo=UTC)
END = datetime(2030, 5, 20, 17, 0, tzinfo=UTC)


def new_page(browser, live_server, user=None, locale="en-US"):
    context = browser.new_context(locale=locale, base_url=live_server.url)
    context.set_default_timeout(15_000)
    if user is not None:
        sign_in_as(context, live_server, user)
    return context.new_page()


def test_a_meeting_ends_its_attendees_answer_once_and_the_results_match(
    browser, live_server, moderator_with_totp
):
    moderator_with_totp.language = "en"
    moderator_with_totp.save()
    meeting = Meeting.objects.create(
        slug="taller-digital",
        title_es="Taller de economía digital",
        title_en="Digital economy workshop",
        title_pt_br="Oficina de economia digital",
        starts_at=START,
        ends_at=END,
        published_at=START - timedelta(days=10),
    )
    marta = UserFactory(email="marta@example.org", display_name="Marta Ruiz", language="en")
    [
        Registration.objects.create(
            meeting=meeting, user=marta, name="Marta Ruiz", email=marta.email, attended=True
        ),
        Registration.objects.create(
            meeting=meeting,
            name="João Lima",
            email="joao@example.net",
            language="pt-br",
            attended=True,
        ),
        Registration.objects.create(
            meeting=meeting,
            name="Rosa Díaz",
            email="rosa@example.net",
            language="es",
            attended=True,
        ),
        Registration.objects.create(
            meeting=meeting, name="Nadie", email="noshow@example.net", attended=False
        ),
    ]

    with time_machine.travel(END - timedelta(hours=1), tick=True) as clock:
        # --- The moderator builds the survey while the meeting is on -----------------------------
        staff = new_page(browser, live_server, moderator_with_totp)
        staff.goto("/en/surveys/staff/")
        staff.get_by_role("link", name="New survey").click()
        staff.get_by_label("Title in Spanish").fill("¿Cómo estuvo el taller?")
        staff.get_by_label("Title in English").fill("How was the workshop?")
        staff.get_by_label("Title in Portuguese").fill("Como foi a oficina?")
        staff.get_by_label(re.compile(r"^Who answers")).select_option("attendees")
        staff.get_by_label("Meeting", exact=True).select_option(str(meeting.pk))
        first, second = staff.locator("fieldset.survey-question").all()
        first.get_by_label(re.compile(r"^Kind")).select_option("single")
        first.get_by_label("Question in Spanish").fill("¿Volverías?")
        first.get_by_label("Question in English").fill("Would you come again?")
        first.get_by_label("Choices in Spanish").fill("Sí\nNo")
        first.get_by_label("Choices in English").fill("Yes\nNo")
        first.get_by_label("Choices in Portuguese").fill("Sim\nNão")
        second.get_by_label(re.compile(r"^Kind")).select_option("scale")
        second.get_by_label("Question in Spanish").fill("Utilidad del taller")
        second.get_by_label("Question in English").fill("Usefulness of the workshop")
        staff.get_by_role("button", name="Save").click()
        expect(staff.get_by_text("The survey is saved.")).to_be_visible()
        staff.get_by_role("button", name="Publish").click()
        expect(staff.get_by_text("The survey is published.")).to_be_visible()
        survey = Survey.objects.get()
        assert survey.meeting == meeting and survey.questions.count() == 2
        mail.outbox.clear()
        tasks.send_due_invitations.delay()
        assert mail.outbox == []  # the meeting has not ended

        # --- The meeting ends: each attendee gets the survey once, in their language -----------
        clock.move_to(END + timedelta(minutes=10))
        tasks.send_due_invitations.delay()
        tasks.send_due_invitations.delay()
        by_address = {m.to[0]: m for m in mail.outbox}
        assert len(mail.outbox) == 3
        assert set(by_address) == {"marta@example.org", "joao@example.net", "rosa@example.net"}
        assert "How was the workshop?" in by_address["marta@example.org"].subject
        assert "Como foi a oficina?" in by_address["joao@example.net"].subject
        assert "¿Cómo estuvo el taller?" in by_address["rosa@example.net"].subject
        assert Invitation.objects.count() == 3

        # --- João (no account) answers from the link in his email -----------------------------
        [link] = re.findall(
            r"http://testserver(/pt-br/surveys/i/[\w-]+/)", by_address["joao@example.net"].body
        )
        joao = new_page(browser, live_server, locale="pt-BR")
        joao.goto(link)
        expect(joao.get_by_role("heading", name="Como foi a oficina?")).to_be_visible()
        joao.get_by_label("Sim").check()
        joao.locator("ul.survey-scale").get_by_label("5").check()
        joao.locator("form.survey-answer button[type=submit]").click()
        assert Response.objects.count() == 1

        # --- Marta answers from the meeting page, signed in; a second try is refused -----------
        clock.move_to(END + timedelta(hours=2))
        # She opened her emailed link first, and left that tab open.
        [own] = re.findall(
            r"http://testserver(/en/surveys/i/[\w-]+/)", by_address["marta@example.org"].body
        )
        other = new_page(browser, live_server)
        other.goto(own)
        marta_page = new_page(browser, live_server, marta)
        marta_page.goto(meeting.get_absolute_url())
        marta_page.get_by_role("link", name="Answer the survey").click()
        expect(marta_page.get_by_role("heading", name="How was the workshop?")).to_be_visible()
        marta_page.get_by_label("No", exact=True).check()
        marta_page.locator("ul.survey-scale").get_by_label("3").check()
        marta_page.get_by_role("button", name="Send my answers").click()
        expect(marta_page.get_by_text("Thank you: your answers were recorded.")).to_be_visible()
        expect(marta_page.get_by_text("You answered this survey on")).to_be_visible()
        # The tab of her emailed link is the same person: refused, with her choices still ticked.
        other.get_by_label("Yes", exact=True).check()
        other.locator("ul.survey-scale").get_by_label("1").check()
        other.get_by_role("button", name="Send my answers").click()
        expect(other.get_by_text("You already answered this survey")).to_be_visible()
        expect(other.get_by_label("Yes", exact=True)).to_be_checked()
        assert Response.objects.count() == 2
        assert len(mail.outbox) == 3  # nobody got the survey twice

        # --- The moderator's results match the two answers ------------------------------------
        staff = new_page(browser, live_server, moderator_with_totp)
        staff.goto(f"/en/surveys/staff/{survey.pk}/results/")
        expect(staff.get_by_text("2 people answered")).to_be_visible()
        expect(staff.get_by_text("sent to 3 attendees")).to_be_visible()
        come_again = staff.locator(
            "table", has=staff.locator("caption", has_text="Would you come again?")
        )
        expect(
            come_again.locator("tr", has=staff.locator("th", has_text=re.compile("^Yes$")))
        ).to_contain_text("1")
        expect(
            come_again.locator("tr", has=staff.locator("th", has_text=re.compile("^No$")))
        ).to_contain_text("1")
        usefulness = staff.locator("table", has=staff.locator("caption", has_text="Usefulness"))
        rows = usefulness.locator("tbody tr")
        assert [rows.nth(i).locator("td").inner_text() for i in range(5)] == [
            "0",
            "0",
            "1",
            "0",
            "1",
        ]
        expect(usefulness.locator("tfoot")).to_contain_text("4.00")
        assert staff.locator("svg").count() >= 2


AXE_RUN = (
    "async () => (await axe.run(document, {runOnly: {type: 'tag', values: "
    "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})).violations"
    ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))"
    ".slice(0, 3)}))"
)


@pytest.mark.parametrize("language", ["es", "en", "pt-br"])
def test_survey_pages_have_no_serious_accessibility_violation(
    browser, live_server, moderator_with_totp, member, language
):
    from pathlib import Path

    from community.surveys.models import Answer
    from iapt_platform.lib.languages import translate_path
    from tests.surveys.conftest import make_survey

    axe = (Path(__file__).resolve().parent.parent / "vendor" / "axe.min.js").read_text()
    survey = make_survey(audience=Survey.Audience.MEMBERS)
    response = Response.objects.create(survey=survey, user=moderator_with_totp, language="es")
    text = survey.questions.get(kind="text")
    Answer.objects.create(response=response, question=text, text="Más tiempo")
    locale = {"es": "es-ES", "en": "en-US", "pt-br": "pt-BR"}[language]
    problems = []
    for user, path in [
        (member, f"/surveys/{survey.pk}/"),
        (moderator_with_totp, f"/surveys/staff/{survey.pk}/"),
        (moderator_with_totp, f"/surveys/staff/{survey.pk}/results/"),
        (moderator_with_totp, "/surveys/staff/"),
    ]:
        context = browser.new_context(locale=locale, base_url=live_server.url, bypass_csp=True)
        sign_in_as(context, live_server, user)
        page = context.new_page()
        address = translate_path(path, language)
        assert page.goto(address).status == 200
        page.evaluate(axe)
        problems += [
            (path, v) for v in page.evaluate(AXE_RUN) if v["impact"] in ("serious", "critical")
        ]
        context.close()
    assert problems == []
