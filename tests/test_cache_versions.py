"""One cache-version helper (iapt_platform.lib.cache.CacheVersion) behind the registry's and the
library's cached reads: a bump makes every read cached before it a miss."""

import pytest
from django.core.cache import cache
from django.http import QueryDict

from iapt_platform.lib.cache import CacheVersion
from initiatives import selectors as registry
from initiatives import services as registry_services
from initiatives.models import Initiative
from library import selectors as library
from library import services as library_services
from library.models import Resource
from tests.factories import InitiativeFactory
from tests.library.factories import ResourceFactory


def test_a_version_starts_at_one_and_each_bump_changes_it():
    version = CacheVersion("tests:version")
    assert version.get() == 1
    version.bump()
    assert version.get() == 2
    version.bump()
    assert version.get() == 3
    assert CacheVersion("tests:other").get() == 1  # each counter is its own


def test_a_bump_of_a_missing_counter_still_moves_past_the_first_version():
    version = CacheVersion("tests:version")
    version.bump()  # nothing stored yet (a flushed cache): a read cached under 1 must not survive
    assert version.get() == 2


def test_the_apps_keep_their_keys_so_a_deploy_reads_the_counters_already_stored():
    cache.set("initiatives:registry-version", 41, None)
    cache.set("library:version", 7, None)
    assert (registry.registry_version(), library.library_version()) == (41, 7)
    registry.registry_changed()
    library.library_changed()
    assert (registry.registry_version(), library.library_version()) == (42, 8)


def _directory_count() -> int:
    return registry.initiative_directory(QueryDict(), page_number=None).page.paginator.count


def _library_count() -> int:
    return library.resource_browse(QueryDict(), page_number=None).page.paginator.count


@pytest.mark.django_db
def test_a_bump_invalidates_the_cached_reads_of_its_app_and_only_those():
    first, _second = InitiativeFactory(), InitiativeFactory()
    resource, _other = ResourceFactory(), ResourceFactory()
    registry.registry_changed()
    library.library_changed()
    assert (_directory_count(), _library_count()) == (2, 2)

    # Writes that bypass the signals leave both cached counts behind...
    Initiative.objects.filter(pk=first.pk).update(status=Initiative.Status.DRAFT)
    Resource.objects.filter(pk=resource.pk).update(status=Resource.Status.DRAFT)
    # (The search listings are derived rows: rebuilt as the README tells operators after such
    # writes; rebuilding bumps nothing.)
    registry_services.search_listings_rebuild()
    library_services.search_listings_rebuild()
    assert (_directory_count(), _library_count()) == (2, 2)

    # ...until each app's version is bumped: the registry's first, the library's untouched.
    registry.registry_changed()
    assert (_directory_count(), _library_count()) == (1, 2)
    library.library_changed()
    assert (_directory_count(), _library_count()) == (1, 1)
