"""Demo data: each app registers a seeder; `manage.py seed_demo` runs them in order.

Seeders must be idempotent (get_or_create / update_or_create on natural keys), so that `make run`
can call the command on every start.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Seeder:
    order: int
    name: str
    run: Callable[[Callable[[str], None]], None]  # receives a function that prints a line


_seeders: dict[str, Seeder] = {}


def register_seeder(name: str, run: Callable[[Callable[[str], None]], None], *, order: int) -> None:
    _seeders[name] = Seeder(order=order, name=name, run=run)


def seeders() -> list[Seeder]:
    return sorted(_seeders.values(), key=lambda s: s.order)


def months_ago(index: int, *, months: int = 9, now: datetime | None = None) -> datetime:
    """A moment in one of the last `months` complete months, picked by `index` (0 is last month),
    between the 3rd and the 24th at noon UTC: demo figures over time (the community dashboard's
    charts) for the last quarter and the quarter before, whatever day the demo is seeded."""
    from django.utils import timezone

    now = now or timezone.now()
    back = 1 + index % months
    year, month = now.year, now.month - back
    while month < 1:
        year, month = year - 1, month + 12
    return datetime(year, month, 3 + (index * 7) % 22, 12, tzinfo=UTC)
