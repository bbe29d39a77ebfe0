"""The links of a member's account page. Each app adds its own in its AppConfig.ready()."""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class AccountLink:
    label: str
    url_name: str
    order: int
    description: str = ""

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_links: dict[str, AccountLink] = {}


def register_account_link(label, url_name: str, *, order: int = 100, description="") -> None:
    _links[url_name] = AccountLink(
        label=label, url_name=url_name, order=order, description=description
    )


def account_links() -> list[AccountLink]:
    return sorted(_links.values(), key=lambda link: link.order)
