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


# The months (indices for `months_ago`) the rare rows take first: three and six months back lie in
# the last complete quarter and in the quarter before whatever the month of seeding, four and
# seven in both when seeded in a quarter's first two months, and so on.
RARE_FIRST = (2, 5, 3, 6, 1, 4, 7, 0, 8)


def month_indices(rare: list[bool]) -> list[int]:
    """An index for `months_ago` for each row in order: the rare rows (questions, connections that
    reached an outcome) take RARE_FIRST's months, so that the last quarter and the quarter before
    both have some; the others run through the months from last month back."""
    result = []
    taken = ordinary = 0
    for is_rare in rare:
        if is_rare:
            result.append(RARE_FIRST[taken % len(RARE_FIRST)] + len(RARE_FIRST) * (taken // 9))
            taken += 1
        else:
            result.append(ordinary)
            ordinary += 1
    return result
