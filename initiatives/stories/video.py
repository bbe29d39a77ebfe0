"""Video links: YouTube and Vimeo only, reduced to (provider, id) by strict patterns.

Nothing else of the link is kept, so no address a person typed ever reaches a page: the embed and
watch addresses are rebuilt from the id. Embeds use the privacy-enhanced hosts.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

YOUTUBE = "youtube"
VIMEO = "vimeo"
PROVIDERS = [(YOUTUBE, "YouTube"), (VIMEO, "Vimeo")]
# The only hosts a story page may frame (see the story view's Content-Security-Policy).
FRAME_HOSTS = ["https://www.youtube-nocookie.com", "https://player.vimeo.com"]

YOUTUBE_ID = r"(?P<id>[A-Za-z0-9_-]{11})"
VIMEO_ID = r"(?P<id>[0-9]{6,12})"
_TAIL = r"(?:[?&#][^\s]*)?"
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        YOUTUBE,
        re.compile(
            r"^https://(?:www\.|m\.)?youtube\.com/watch\?(?:[^\s#]*&)?v="
            + YOUTUBE_ID
            + r"(?:[&#][^\s]*)?$"
        ),
    ),
    (YOUTUBE, re.compile(r"^https://youtu\.be/" + YOUTUBE_ID + _TAIL + "$")),
    (
        YOUTUBE,
        re.compile(
            r"^https://(?:www\.)?youtube(?:-nocookie)?\.com/(?:embed|shorts|live)/"
            + YOUTUBE_ID
            + _TAIL
            + "$"
        ),
    ),
    (VIMEO, re.compile(r"^https://(?:www\.)?vimeo\.com/" + VIMEO_ID + r"/?" + _TAIL + "$")),
    (VIMEO, re.compile(r"^https://player\.vimeo\.com/video/" + VIMEO_ID + _TAIL + "$")),
]
ID_PATTERNS = {YOUTUBE: re.compile("^" + YOUTUBE_ID + "$"), VIMEO: re.compile("^" + VIMEO_ID + "$")}


def parse_video_url(url: str) -> tuple[str, str]:
    """(provider, id) of a YouTube or Vimeo link; any other link raises ValidationError."""
    url = (url or "").strip()
    if url.startswith("http://"):
        url = "https://" + url[len("http://") :]
    for provider, pattern in PATTERNS:
        match = pattern.match(url)
        if match:
            return provider, match.group("id")
    raise ValidationError(
        _(
            "Only YouTube and Vimeo links are accepted, such as "
            "https://www.youtube.com/watch?v=… or https://vimeo.com/…. "
            "Other video sites are not allowed, because they would track readers."
        ),
        code="video_host",
    )


def is_valid_id(provider: str, video_id: str) -> bool:
    pattern = ID_PATTERNS.get(provider)
    return bool(pattern and pattern.match(video_id or ""))


def embed_url(provider: str, video_id: str) -> str:
    if not is_valid_id(provider, video_id):
        return ""
    if provider == YOUTUBE:
        return f"https://www.youtube-nocookie.com/embed/{video_id}?autoplay=1&rel=0"
    return f"https://player.vimeo.com/video/{video_id}?dnt=1&autoplay=1"


def watch_url(provider: str, video_id: str) -> str:
    if not is_valid_id(provider, video_id):
        return ""
    if provider == YOUTUBE:
        return f"https://www.youtube.com/watch?v={video_id}"
    return f"https://vimeo.com/{video_id}"


def provider_label(provider: str) -> str:
    return dict(PROVIDERS).get(provider, "")
