"""Demo data: each app registers a seeder; `manage.py seed_demo` runs them in order.

Seeders must be idempotent (get_or_create / update_or_create on natural keys), so that `make run`
can call the command on every start.
"""

from collections.abc import Callable
from dataclasses import dataclass


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
