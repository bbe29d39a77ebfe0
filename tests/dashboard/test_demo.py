"""The demo (`make run`) shows every chart of the dashboard with something in it: every figure of
the last quarter and of the quarter before is a number above zero, none withheld, and running the
seeders again changes nothing."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from iapt_platform.dashboard import figures, periods
from iapt_platform.lib import demo
from newsletter.models import Subscriber

pytestmark = pytest.mark.django_db


def quarter_figures(period: periods.Period) -> dict[str, list[str]]:
    window = periods.window(period, zone=timezone.get_current_timezone())
    return {
        row.metric.key: [cell.text for cell in (*row.months, row.total)]
        for row in figures.compute(window)
    }


def test_every_figure_of_the_last_quarter_and_the_one_before_is_shown_and_above_zero():
    call_command("seed_demo", stdout=io.StringIO())
    quarter = periods.preset(periods.LAST_QUARTER, timezone.localdate())
    for period in (quarter, quarter.before()):
        shown = quarter_figures(period)
        assert len(shown) >= 20
        for key, (*months, total) in shown.items():
            assert total not in ("0", "0%", "—", str(figures.FEWER)), (period, key, total)
            # Some month has a bar; none is withheld (the demo shows numbers, not "fewer than 5").
            assert any(m not in ("0", "0%", "—") for m in months), (period, key, months)
            assert str(figures.FEWER) not in months, (period, key, months)

    before = quarter_figures(quarter)
    counts = (get_user_model().objects.count(), Subscriber.objects.count())
    for seeder in demo.seeders():
        if seeder.name.endswith("_activity"):
            with transaction.atomic():
                seeder.run(lambda _line: None)
    assert quarter_figures(quarter) == before
    assert (get_user_model().objects.count(), Subscriber.objects.count()) == counts
