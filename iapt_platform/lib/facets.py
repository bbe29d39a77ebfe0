"""Lists filtered by facets with counts (the registry's directory, the library): the option one
facet shows, drawn by templates/includes/facet.html, and a paginator that is told its count
(the total is cached with the facet counts, so a page need not count again)."""

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.core.paginator import Paginator


@dataclass
class FacetOption:
    value: str
    label: str
    count: int | None  # None: not counted (a search past search.COUNT_CAP)
    selected: bool


class CountedPaginator(Paginator):
    """A paginator that can be told the count (read from the cache)."""

    def __init__(self, *args: Any, known_count: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._known_count = known_count

    @cached_property
    def count(self) -> int:
        return self._known_count if self._known_count is not None else super().count
