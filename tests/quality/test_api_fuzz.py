"""The read-only API fuzzed with schemathesis against its own OpenAPI schema: no 500, and every
response conforms to the schema."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from iapt_platform.wsgi import application
from tests.factories import InitiativeFactory, ProgrammeFactory, SectorFactory


@pytest.fixture(autouse=True)
def _keep_the_test_connection(wsgi_keeps_the_test_connection):
    pass


@pytest.fixture(autouse=True)
def _data(db):
    sector = SectorFactory(slug="agrifood")
    InitiativeFactory(
        slug="cluster-cacao", sectors=[sector], programme=ProgrammeFactory(slug="pce")
    )


@pytest.mark.django_db
def test_the_api_never_fails_and_matches_its_schema():
    # The schema is built in the test, with its data: it lists the sectors and programmes of the
    # day, which collection time (no database) cannot read.
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
        def call(case):
            # DRF's paginator is lenient with a malformed `page_size` (it falls back to the
            # default) and answers 404 for a page outside the results, as documented (page 0
            # included): neither "negative data accepted" nor "valid data refused" is a failure
            # here. A 500, an undocumented status or a response outside the schema still fails.
            case.call_and_validate(
                excluded_checks=[checks.negative_data_rejection, checks.positive_data_acceptance]
            )

        call()
