"""The public pages of each type, as (name, url-name, kwargs from the objects, persona).

Each persona asks the page in their own language (lib/languages.py): a visitor the Spanish one, at
the unprefixed address; a member (tests/factories.py: English) the English one, at /en/…, since
their unprefixed address would send them there."""

from collections.abc import Callable
from dataclasses import dataclass, field

from tests.addresses import address


@dataclass(frozen=True)
class PublicPage:
    name: str
    kwargs: Callable[[dict], dict] = field(default=lambda o: {})
    persona: str = "visitor"  # the forum's categories and threads are for members

    @property
    def language(self) -> str:
        return "en" if self.persona == "member" else "es"

    def url(self, objects: dict) -> str:
        return address(self.name, kwargs=self.kwargs(objects), language=self.language)


PUBLIC_PAGES = [
    PublicPage("home"),
    PublicPage("initiatives:list"),
    PublicPage("initiatives:map"),
    PublicPage("initiatives:statistics"),
    PublicPage("initiatives:country", lambda o: {"code": "EC"}),
    PublicPage("initiatives:sector", lambda o: {"slug": o["sector"].slug}),
    PublicPage("initiatives:programme", lambda o: {"slug": o["programme"].slug}),
    PublicPage("initiatives:detail", lambda o: {"slug": o["published"].slug}),
    PublicPage("stories:list"),
    PublicPage("stories:detail", lambda o: {"slug": o["story"].slug}),
    PublicPage("opportunities:list"),
    PublicPage("opportunities:detail", lambda o: {"slug": o["opportunity"].slug}),
    PublicPage("library:index"),
    PublicPage("library:evidence_map"),
    PublicPage("library:collections"),
    PublicPage("library:collection", lambda o: {"slug": o["collection"].slug}),
    PublicPage("library:detail", lambda o: {"slug": o["resource"].slug}),
    PublicPage("meetings:calendar"),
    PublicPage("meetings:detail", lambda o: {"slug": o["meeting"].slug}),
    PublicPage("community:index"),
    PublicPage("community:category", lambda o: {"slug": o["category"].slug}, "member"),
    PublicPage("community:thread", lambda o: {"pk": o["thread"].pk}, "member"),
    PublicPage("matchmaking:list"),
    PublicPage("matchmaking:projects"),
    PublicPage("matchmaking:post", lambda o: {"pk": o["collab_post"].pk}),
    PublicPage("matchmaking:project", lambda o: {"slug": o["project"].slug}),
    PublicPage("newsletter:index"),
    PublicPage("newsletter:archive", lambda o: {"language": "es"}),
    PublicPage("newsletter:issue", lambda o: {"number": o["sent_issue"].number, "language": "es"}),
]
