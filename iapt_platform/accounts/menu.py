"""The links of a member's account page. Each app adds its own in its AppConfig.ready()."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse


def _everyone(user: Any) -> bool:
    return True


@dataclass(frozen=True)
class AccountLink:
    label: Any
    url_name: str
    order: int
    description: Any = ""
    visible: Callable[[Any], bool] = _everyone

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_links: dict[str, AccountLink] = {}


def register_account_link(
    label,
    url_name: str,
    *,
    order: int = 100,
    description="",
    visible: Callable[[Any], bool] = _everyone,
) -> None:
    _links[url_name] = AccountLink(
        label=label, url_name=url_name, order=order, description=description, visible=visible
    )


def account_links(user: Any) -> list[AccountLink]:
    """The links `user` may follow, in order."""
    return sorted(
        (link for link in _links.values() if link.visible(user)), key=lambda link: link.order
    )
