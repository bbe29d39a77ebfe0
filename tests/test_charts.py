"""The server-side bar chart (iapt_platform.lib.charts) and its templates, shared by the registry's
statistics and the meetings' statistics."""

import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from iapt_platform.lib.charts import MAX_BAR_PERCENT, bar_chart, chart_section


def test_bar_chart_scales_bars_to_the_largest_value():
    chart = bar_chart([("Ecuador", 10), ("Perú", 5)], title="Por país", description="Barras")

    assert [bar.percent for bar in chart.bars] == [MAX_BAR_PERCENT, MAX_BAR_PERCENT / 2]
    assert [bar.width for bar in chart.bars] == ["86.00%", "43.00%"]
    assert chart.bars[1].y > chart.bars[0].y
    assert chart.height > chart.bars[-1].value_y
    assert chart.total == 15
    assert chart.id == "chart-por-pais"


def test_bar_chart_breaks_long_labels_into_lines_and_makes_room_for_them():
    long_label = "Programa de cadeia de valor ou de desenvolvimento de fornecedores"
    chart = bar_chart([(long_label, 2), ("Rede", 1)], title="T", description="D")

    first, second = chart.bars
    assert len(first.lines) == 2
    assert " ".join(line for line, _y in first.lines) == long_label
    assert first.lines[1][1] > first.lines[0][1]
    assert first.bar_y > first.lines[-1][1]
    assert second.y > first.bar_y + chart.bar_height
    assert chart.height > second.value_y
    html = render_to_string("includes/chart_bar.html", {"chart": chart})
    assert html.count("<tspan") == 3


def test_bar_chart_draws_no_bar_for_a_zero_and_a_visible_one_for_a_tiny_count():
    chart = bar_chart([("Mucho", 10_000), ("Poco", 1), ("Nada", 0)], title="T", description="D")

    assert [bar.percent > 0 for bar in chart.bars] == [True, True, False]
    assert chart.bars[1].percent >= 0.5


def test_bar_chart_of_only_zeros_has_no_bars_wider_than_nothing_and_counts_as_empty():
    chart = bar_chart([("A", 0), ("B", 0)], title="T", description="D")

    assert [bar.percent for bar in chart.bars] == [0.0, 0.0]
    assert chart.is_empty


def test_bar_chart_of_no_rows_is_empty_and_renders_a_sentence_instead_of_an_svg():
    chart = bar_chart([], title="T", description="D")

    assert chart.is_empty
    assert chart.height == 0
    html = render_to_string("includes/chart_bar.html", {"chart": chart})
    assert "<svg" not in html


def test_bar_chart_template_escapes_labels_title_and_description():
    chart = bar_chart(
        [("<script>alert(1)</script>", 3)],
        title='"><img src=x onerror=alert(1)>',
        description="<b>bold</b>",
        chart_id="xss",
    )

    html = render_to_string("includes/chart_bar.html", {"chart": chart})

    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html
    assert "<b>" not in html
    assert 'role="img"' in html
    assert '<title id="chart-xss-title">' in html
    assert 'width="86.00%"' in html


def test_a_chart_section_is_an_accessible_chart_followed_by_a_table_of_the_same_values():
    section = chart_section(
        [("Ecuador", 10), ("Perú", 5), ("Chile", 0)],
        title="Por país",
        description="Barras por país",
        key="country",
        category="País",
        value_label="Iniciativas",
        links=["/ec/", "/pe/", "/cl/"],
    )
    assert section.rows == [("Ecuador", 10, "/ec/"), ("Perú", 5, "/pe/"), ("Chile", 0, "")]

    html = render_to_string("includes/chart_section.html", {"section": section, "table_class": "t"})

    assert '<section class="statistics-section" aria-labelledby="chart-country-heading">' in html
    assert '<h2 id="chart-country-heading">Por país</h2>' in html
    assert 'role="img" aria-labelledby="chart-country-title chart-country-desc"' in html
    assert '<desc id="chart-country-desc">Barras por país</desc>' in html
    drawn = re.findall(r'<text class="chart-value"[^>]*>(\d+)</text>', html)
    tabled = re.findall(r'<td class="number">(\d+)</td>', html)
    assert drawn == tabled == ["10", "5", "0"]
    assert '<table class="t">' in html and "<caption>Por país</caption>" in html
    assert '<th scope="col">País</th><th scope="col" class="number">Iniciativas</th>' in html
    assert '<th scope="row"><a href="/ec/">Ecuador</a></th>' in html
    assert '<th scope="row">Chile</th>' in html  # a zero never links


def test_an_empty_chart_section_has_its_heading_and_a_sentence_but_no_table():
    section = chart_section([], title="T", description="D", key="k", category="C", value_label="V")
    html = render_to_string("includes/chart_section.html", {"section": section})
    assert '<h2 id="chart-k-heading">T</h2>' in html
    assert "<svg" not in html and "<table" not in html


@pytest.mark.django_db
def test_the_registry_and_the_meetings_draw_the_same_chart_markup(client, moderator_with_totp):
    from tests.factories import InitiativeFactory
    from tests.meetings.factories import MeetingFactory, RegistrationFactory

    InitiativeFactory(country="EC")
    meeting = MeetingFactory()
    RegistrationFactory(meeting=meeting, attended=True, country="EC", gender_category="woman")
    registry = client.get(reverse("initiatives:statistics")).content.decode()
    client.force_login(moderator_with_totp)
    meetings = client.get(
        reverse("meetings:staff_meeting_statistics", args=[meeting.pk])
    ).content.decode()

    svg = '<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" role="img"'
    assert svg in registry and svg in meetings
    assert '<table class="explore-table">' in registry
    assert '<table class="stats-table">' in meetings
    for html in (registry, meetings):
        sections = re.findall(r'<section class="statistics-section".*?</section>', html, re.S)
        assert sections
        for part in sections:  # each chart and its table show the same numbers
            drawn = re.findall(r'<text class="chart-value"[^>]*>(\d+)</text>', part)
            assert drawn == re.findall(r'<td class="number">(\d+)</td>', part)
