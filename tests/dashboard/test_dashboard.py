"""The community dashboard: each metric against fixtures, the period before, the country filter,
downloads equal to the page, small cells withheld, and a query count that data size does not move."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from community.meetings.models import Meeting
from iapt_platform.dashboard import figures, periods
from iapt_platform.dashboard.registry import COUNT, PEOPLE, SHARE, Share
from iapt_platform.lib.counters import flush_pending
from initiatives.stories.models import Story, StoryDailyStat
from initiatives.stories.services import story_record_read
from newsletter.models import Subscriber
from tests.factories import InitiativeFactory, UserFactory
from tests.meetings.factories import MeetingFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

# A custom period of three months (Q1 2026), compared with Q4 2025; the tests' zone is UTC.
PERIOD = {"period": "custom", "start": "2026-01-01", "end": "2026-03-31"}
FEWER = "fewer than 5"


def at(month: int, day: int = 10, year: int = 2026) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


def page_summary(client, **params) -> dict[str, list[str]]:
    """The headline table as the page shows it: {key: [this period, before, change]}."""
    response = client.get(reverse("dashboard:index"), {**PERIOD, **params})
    assert response.status_code == 200
    html = response.content.decode()
    rows = {}
    for chunk in html.split('<tr data-metric="')[1:]:
        key = chunk.split('"', 1)[0]
        cells = [c.split("</td>", 1)[0] for c in chunk.split('<td class="number">')[1:4]]
        rows[key] = cells
    return rows


def attend(meeting: Meeting, n: int, *, prefix: str, gender: str = "", country: str = "EC"):
    for i in range(n):
        RegistrationFactory(
            meeting=meeting,
            email=f"{prefix}{i}@example.net",
            attended=True,
            gender_category=gender,
            country=country,
        )


def held(when: datetime) -> Meeting:
    return MeetingFactory(starts_at=when, status=Meeting.Status.HELD)


# --- Suppression ------------------------------------------------------------------------------------


def test_it_withholds_a_small_cell_and_the_month_that_would_give_it_away_by_subtraction():
    # 7 + 3 + 6 = 16: the 3 is withheld, and 16 - 7 - 6 would show it: the 6 goes too.
    hidden, total_hidden = figures.suppress(PEOPLE, [7, 3, 6], 16)
    assert hidden == [False, True, True]
    assert total_hidden is False
    # Two small months together hold five people: nothing more to hide.
    assert figures.suppress(PEOPLE, [8, 3, 2], 13) == ([False, True, True], False)
    # One small month and only zeros beside it: the total would equal it, so the total goes.
    assert figures.suppress(PEOPLE, [0, 2, 0], 2) == ([False, True, False], True)
    assert figures.suppress(PEOPLE, [9, 4, 0], 13) == ([True, True, False], False)
    # Things (threads, initiatives) are not people: nothing is withheld.
    assert figures.suppress(COUNT, [1, 2, 3], 6) == ([False, False, False], False)


def test_a_share_of_women_is_withheld_when_either_side_has_fewer_than_five_people():
    assert figures.is_small(Share(4, 20, 20), SHARE)  # four women
    assert figures.is_small(Share(17, 20, 85), SHARE)  # three who are not
    assert figures.is_small(Share(0, 3, 0), SHARE)  # three people in all
    assert not figures.is_small(Share(5, 12, 42), SHARE)
    assert not figures.is_small(Share(0, 0, None), SHARE)  # nobody stated a gender: "—"


def test_the_page_and_its_downloads_show_fewer_than_5_for_small_cells_of_people(client, moderator):
    client.force_login(moderator)
    # January: 12 participants (6 women, 6 men); February: 3 participants (all women).
    january, february = held(at(1)), held(at(2))
    attend(january, 6, prefix="w", gender="woman")
    attend(january, 6, prefix="m", gender="man")
    attend(february, 3, prefix="f", gender="woman")

    response = client.get(reverse("dashboard:index"), PERIOD)
    html = response.content.decode()
    section = html.split('id="chart-meeting_participants-heading"')[1].split("</section>")[0]
    # February's 3 is withheld; January's 12 would give it away from the total (15): it goes too.
    assert FEWER in section
    assert ">3<" not in section
    assert ">12<" not in section
    assert ">15<" in section  # the period's total, which now reveals nobody
    women = html.split('id="chart-meeting_women-heading"')[1].split("</section>")[0]
    # February's three women are withheld, and so is January (6 of 12): with the period's
    # 60% (9 of 15) it would give February away.
    assert ">60%<" in women
    assert ">50<" not in women
    assert ">100<" not in women
    # The countries of February's three people are withheld with them.
    countries = html.split('id="chart-meeting_countries-heading"')[1].split("</section>")[0]
    assert FEWER in countries

    rows = download_csv(client, "meeting_participants")
    assert rows[1:4] == [["January 2026", FEWER], ["February 2026", FEWER], ["March 2026", "0"]]
    sheet = download_xlsx(client, "meeting_women")
    assert sheet[2] == ["February 2026", FEWER]
    assert sheet[1] == ["January 2026", FEWER]
    assert sheet[4] == ["This period", 60]


# --- Metrics against fixtures, the period before, the country filter -------------------------------


def download_csv(client, key: str, **params) -> list[list[str]]:
    response = client.get(reverse("dashboard:download", args=[key, "csv"]), {**PERIOD, **params})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def download_xlsx(client, key: str, **params) -> list[list]:
    response = client.get(reverse("dashboard:download", args=[key, "xlsx"]), {**PERIOD, **params})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def activity(db):
    """Q1 2026 and Q4 2025 in two countries."""
    for month, country in ((1, "EC"), (2, "EC"), (3, "AR"), (11, "EC")):
        year = 2025 if month == 11 else 2026
        InitiativeFactory(
            country=country, created_at=at(month, 1, year), published_at=at(month, 5, year)
        )
    InitiativeFactory(status="draft", published_at=None, created_at=at(1))  # never submitted
    for i in range(7):
        Subscriber.objects.create(
            email=f"s{i}@example.net", country="EC" if i < 6 else "AR", confirmed_at=at(2)
        )
    for i in range(5):
        Subscriber.objects.create(
            email=f"old{i}@example.net",
            country="EC",
            confirmed_at=at(10, 3, 2025),
            unsubscribed_at=at(3, 3),
        )
    story = Story.objects.create(
        slug="s", title_es="Historia", status="published", published_at=at(2)
    )
    StoryDailyStat.objects.create(story=story, date=date(2026, 2, 1), reads=40)
    StoryDailyStat.objects.create(story=story, date=date(2025, 12, 31), reads=9)
    StoryDailyStat.objects.create(story=story, date=date(2026, 4, 1), reads=1000)  # after


def test_each_metric_counts_its_fixtures_and_the_period_before(client, moderator, activity):
    client.force_login(moderator)
    rows = page_summary(client)
    # 3 initiatives registered and published in the period, 1 in the quarter before (↑ 200%).
    assert rows["initiatives_registered"] == ["3", "1", "↑ 200%"]
    assert rows["initiatives_published"] == ["3", "1", "↑ 200%"]
    assert rows["subscribers_gained"] == ["7", "5", "↑ 40%"]
    assert rows["subscribers_lost"] == ["5", "0", "new"]
    assert rows["stories_published"] == ["1", "0", "new"]
    assert rows["stories_read"] == ["40", "9", "↑ 344%"]
    chart = download_csv(client, "initiatives_published")
    assert chart == [
        ["Month", "Initiatives published"],
        ["January 2026", "1"],
        ["February 2026", "1"],
        ["March 2026", "1"],
        ["This period", "3"],
        ["Period before", "1"],
    ]


def test_the_country_filter_counts_only_that_country(client, moderator, activity):
    client.force_login(moderator)
    rows = page_summary(client, country="AR")
    assert rows["initiatives_published"] == ["1", "0", "new"]
    assert rows["subscribers_gained"] == [FEWER, "0", "—"]
    rows = page_summary(client, country="EC")
    assert rows["initiatives_published"] == ["2", "1", "↑ 100%"]
    assert rows["subscribers_gained"] == ["6", "5", "↑ 20%"]


def test_meetings_figures_count_people_once_and_first_timers_once(client, moderator):
    client.force_login(moderator)
    january, february = held(at(1)), held(at(2))
    attend(january, 6, prefix="a", gender="woman")
    attend(january, 6, prefix="b", gender="man", country="CL")
    attend(february, 6, prefix="a", gender="woman")  # the same six women come back
    attend(february, 5, prefix="c", gender="man", country="PE")
    rows = page_summary(client)
    assert rows["meetings_held"][0] == "2"
    assert rows["meeting_participants"][0] == "17"
    assert rows["meeting_first_time"][0] == "17"
    assert rows["meeting_women"][0] == "35%"  # 6 of 17, rounded as community.meetings.stats
    assert rows["meeting_countries"][0] == "3"
    chart = download_csv(client, "meeting_first_time")
    assert chart[1:3] == [["January 2026", "12"], ["February 2026", "5"]]


def test_the_summary_downloads_equal_the_page_table(client, moderator, activity):
    client.force_login(moderator)
    page = page_summary(client, country="EC")
    csv_rows = download_csv(client, "summary", country="EC")
    xlsx_rows = download_xlsx(client, "summary", country="EC")
    assert csv_rows[0] == ["Figure", "This period", "Period before", "Change"]
    assert len(csv_rows) - 1 == len(page) == len(xlsx_rows) - 1
    for csv_row, xlsx_row, values in zip(csv_rows[1:], xlsx_rows[1:], page.values(), strict=True):
        assert csv_row[1:] == values
        assert [str(v) for v in xlsx_row[1:]] == values


def test_the_printable_summary_is_in_the_readers_language(client, moderator, activity):
    moderator.language = "es"
    moderator.save()
    client.force_login(moderator)
    response = client.get(
        reverse("dashboard:summary"), {**PERIOD, "country": "EC"}, HTTP_ACCEPT_LANGUAGE="es"
    )
    assert response.status_code == 200
    assert "@media print" not in response.content.decode()  # in the stylesheet, not inline
    assert 'id="dashboard-summary"' in response.content.decode()


def test_presets_are_complete_calendar_months_quarters_and_years():
    today = date(2026, 12, 7)
    assert periods.preset("last_month", today) == periods.Period(
        date(2026, 11, 1), date(2026, 11, 30)
    )
    quarter = periods.preset("last_quarter", today)
    assert quarter == periods.Period(date(2026, 7, 1), date(2026, 9, 30))
    assert quarter.before() == periods.Period(date(2026, 4, 1), date(2026, 6, 30))
    assert periods.preset("last_year", today).before() == periods.Period(
        date(2024, 1, 1), date(2024, 12, 31)
    )
    custom = periods.Period(date(2026, 1, 10), date(2026, 1, 19))
    assert custom.before() == periods.Period(date(2025, 12, 31), date(2026, 1, 9))


def test_a_story_reading_is_counted_once_per_request_and_robots_are_not():
    story = Story.objects.create(
        slug="t", title_es="Historia", status="published", published_at=at(1)
    )
    assert story_record_read(story=story, user_agent="Mozilla/5.0 (X11; Linux) Firefox/130")
    assert story_record_read(story=story, user_agent="Mozilla/5.0 (Android) Chrome/120")
    assert not story_record_read(
        story=story, user_agent="Googlebot/2.1 (+http://www.google.com/bot.html)"
    )
    assert not story_record_read(story=story, user_agent="")
    # Counted in Redis until the minute's flush (tests/stories/test_read_counts.py), else at once.
    flush_pending()
    assert StoryDailyStat.objects.get(story=story).reads == 2


def test_the_dashboard_query_count_does_not_grow_with_the_data(client, moderator):
    client.force_login(moderator)

    def queries() -> int:
        cache.clear()  # both measured with nothing kept (the frame's unread count included)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("dashboard:index"), PERIOD).status_code == 200
        return len(captured)

    def add(n: int) -> None:
        for i in range(n):
            user = UserFactory(date_joined=at(1 + i % 3))
            meeting = held(at(1 + i % 3, 1 + i))
            attend(meeting, 2, prefix=f"q{n}-{i}-")
            InitiativeFactory(created_at=at(1 + i % 3), published_at=at(1 + i % 3))
            Subscriber.objects.create(email=f"x{n}-{i}@example.net", confirmed_at=at(2))
            assert user.pk

    add(2)
    small = queries()
    add(12)
    assert queries() == small


def test_moderators_find_it_in_their_account_menu(client, moderator, member):
    client.force_login(moderator)
    assert reverse("dashboard:index") in client.get(reverse("accounts:home")).content.decode()
    client.force_login(member)
    assert reverse("dashboard:index") not in client.get(reverse("accounts:home")).content.decode()
    assert client.get(reverse("dashboard:index")).status_code == 403


def test_first_timers_beside_participants_do_not_give_away_the_few_who_came_back(client, moderator):
    client.force_login(moderator)
    january, february = held(at(1)), held(at(2))
    attend(january, 10, prefix="a", gender="woman")
    attend(february, 3, prefix="a", gender="woman")  # three of January's people come back
    attend(february, 7, prefix="c", gender="man")
    participants = download_csv(client, "meeting_participants")[1:]
    first_time = download_csv(client, "meeting_first_time")[1:]
    assert participants[1] == ["February 2026", "10"]
    assert first_time[1] == ["February 2026", FEWER]
    # No cell, month or total, sets first-timers beside participants so that the difference,
    # those who came back, is one to four people.
    for (label, everyone), (_label, new) in zip(participants, first_time, strict=True):
        if everyone.isdigit() and new.isdigit():
            assert not 0 < int(everyone) - int(new) < 5, label
    # February's first-timers would be the period's less January's: the period's goes too.
    assert first_time[3] == ["This period", FEWER]


def test_with_a_country_chosen_a_meeting_held_does_not_say_that_a_few_came_from_it(
    client, moderator
):
    client.force_login(moderator)
    january = held(at(1))
    attend(january, 12, prefix="e", country="EC")
    attend(january, 2, prefix="t", country="TT")
    assert page_summary(client, country="EC")["meetings_held"][0] == "1"
    rows = page_summary(client, country="TT")
    assert rows["meeting_participants"][0] == FEWER
    assert rows["meetings_held"][0] == FEWER
    assert download_csv(client, "meetings_held", country="TT")[1] == ["January 2026", FEWER]
