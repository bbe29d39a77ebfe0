"""The rules of an opportunity: it closes after it opens, an amount has a currency, and the
queryset's phases follow the clock with no job."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from initiatives.opportunities.models import Opportunity

from .factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def test_it_refuses_a_closing_date_before_the_opening_one():
    opportunity = OpportunityFactory.build(
        opens_at=timezone.now(), closes_at=timezone.now() - dt.timedelta(hours=1)
    )
    with pytest.raises(ValidationError) as error:
        opportunity.full_clean(exclude=["sectors", "topics"])
    assert "closes_at" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        opportunity.save()


def test_an_amount_needs_its_currency():
    opportunity = OpportunityFactory.build(amount=Decimal("1000"), currency="")
    with pytest.raises(ValidationError) as error:
        opportunity.full_clean()
    assert "currency" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        opportunity.save()
    opportunity.currency = "USD"
    opportunity.full_clean()
    opportunity.save()
    assert opportunity.amount_display == "USD 1,000"


def test_a_published_one_needs_countries_or_the_whole_region():
    opportunity = OpportunityFactory.build(countries=[], whole_region=False)
    with pytest.raises(ValidationError) as error:
        opportunity.full_clean()
    assert "countries" in error.value.message_dict
    opportunity.whole_region = True
    opportunity.full_clean()
    assert "EC" in opportunity.country_codes() and "BR" in opportunity.country_codes()


def test_phases_follow_the_clock(time_machine):
    now = timezone.now()
    opportunity = OpportunityFactory(
        opens_at=now + dt.timedelta(days=1), closes_at=now + dt.timedelta(days=3)
    )
    assert opportunity.phase() == "upcoming"
    assert list(Opportunity.objects.upcoming()) == [opportunity]
    assert not Opportunity.objects.open().exists()
    time_machine.move_to(now + dt.timedelta(days=2))
    assert opportunity.phase() == "open" and opportunity.is_open
    assert list(Opportunity.objects.open()) == [opportunity]
    time_machine.move_to(now + dt.timedelta(days=4))
    assert opportunity.phase() == "closed"
    assert not Opportunity.objects.current().exists()
    assert list(Opportunity.objects.closed()) == [opportunity]


def test_a_reader_gets_their_language_else_the_one_it_was_written_in():
    opportunity = OpportunityFactory(
        title_es="", title_en="", title_pt_br="Chamada", description_pt_br="Texto", language="pt-br"
    )
    assert opportunity.reading("en") == ("Chamada", "Texto", "pt-br")
