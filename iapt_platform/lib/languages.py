"""One address per language for the public pages.

The public pages are inside `i18n_patterns(prefix_default_language=False)` (iapt_platform/urls.py):
Spanish, the default, at `/initiatives/…`, English at `/en/initiatives/…`, Brazilian Portuguese at
`/pt-br/initiatives/…`. Everything else (the account, the API, staff tools) has one address and
speaks the reader's language. This module says which language an address is in, what the same page
is called in another language (the switcher, the `hreflang` links, the sitemap) and what the
reader's own language is (LanguageMiddleware).

A page whose address names a content language (a bulletin edition, `/bulletin/issues/3/en/`) calls
that argument `language` or `lang`: when it names the page's own language it follows the page into
the other language, so the English page of issue 3 is `/en/bulletin/issues/3/en/` and its
Portuguese one `/pt-br/bulletin/issues/3/pt-br/`.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote, urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpRequest
from django.urls import (
    NoReverseMatch,
    Resolver404,
    ResolverMatch,
    get_script_prefix,
    resolve,
    reverse,
)
from django.utils import translation

DEFAULT = settings.LANGUAGE_CODE
CODES = tuple(code for code, _name in settings.LANGUAGES)
PREFIXED = frozenset(code for code in CODES if code != DEFAULT)
# Arguments of a route that name the language of its content (see the module's docstring).
CONTENT_LANGUAGE_ARGUMENTS = ("language", "lang")


def hreflang(code: str) -> str:
    """BCP 47 as search engines write it: pt-br -> pt-BR."""
    language, _dash, region = code.partition("-")
    return f"{language}-{region.upper()}" if region else language


def language_from_path(path: str) -> str | None:
    """The language a prefixed address names (`/en/…` -> "en"); None for an unprefixed one."""
    first = path.lstrip("/").split("/", 1)[0]
    return first if first in PREFIXED else None


def path_language(path: str) -> str:
    return language_from_path(path) or DEFAULT


def with_prefix(path: str, language: str) -> str:
    """The Spanish address `path` of a public page, as `language`'s (the patterns are not
    translated: only the prefix differs)."""
    if language == DEFAULT:
        return path
    script_prefix = get_script_prefix()
    return f"{script_prefix}{language}/{path.removeprefix(script_prefix)}"


def reader_language(request: HttpRequest) -> str:
    """The member's profile language, else the language cookie, else the browser's languages."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and getattr(user, "language", "") in CODES:
        return user.language
    return translation.get_language_from_request(request)


def language_neutral(view: Callable) -> Callable:
    """Marks a public view whose answer is the same in every language (a counted redirect): its
    unprefixed address is answered in place, never sent to the reader's prefix first."""
    view.language_neutral = True  # type: ignore[attr-defined]
    return view


def public_page(path: str) -> ResolverMatch | None:
    """The public view an unprefixed `path` names (one that exists under every prefix), or None."""
    some_prefix = next(iter(sorted(PREFIXED)))
    try:
        with translation.override(some_prefix):
            return resolve(f"/{some_prefix}{path}")
    except Resolver404:
        return None


def is_language_neutral(match: ResolverMatch) -> bool:
    return getattr(match.func, "language_neutral", False)


def _name(match: ResolverMatch) -> str:
    return f"{match.namespace}:{match.url_name}" if match.namespace else (match.url_name or "")


def _path_for(match: ResolverMatch, current: str, language: str) -> str | None:
    kwargs = dict(match.kwargs)
    for argument in CONTENT_LANGUAGE_ARGUMENTS:
        if kwargs.get(argument) == current:
            kwargs[argument] = language
    try:
        with translation.override(language):
            return reverse(_name(match), args=match.args, kwargs=kwargs)
    except NoReverseMatch:
        return None


def translated_paths(match: ResolverMatch, current: str) -> dict[str, str]:
    """{language: path} of the page that `match` resolved in `current`; {} when it has one
    address for every language (it is not a public page)."""
    paths = {code: _path_for(match, current, code) for code in CODES}
    found = {code: path for code, path in paths.items() if path is not None}
    if len(set(found.values())) < len(found):
        return {}
    return found


def translate_path(url: str, language: str) -> str:
    """The same page as `url` (a local address, query kept) in `language`; `url` itself when the
    page has one address for every language or does not exist."""
    parts = urlsplit(url)
    current = path_language(parts.path)
    try:
        with translation.override(current):
            match = resolve(unquote(parts.path))
    except Resolver404:
        return url
    path = translated_paths(match, current).get(language)
    return urlunsplit(parts._replace(path=path)) if path else url


# What a view sets when its page exists in fewer languages (a bulletin issue without a Portuguese
# edition): the `hreflang` links then name only those.
_PAGE_LANGUAGES = "_page_languages"


def set_page_languages(request: HttpRequest, languages: list[str]) -> None:
    setattr(request, _PAGE_LANGUAGES, [code for code in CODES if code in languages])


def alternates(request: HttpRequest) -> list[tuple[str, str]]:
    """[(hreflang, absolute address)] of the page's language versions, then x-default (the
    unprefixed address, which sends each reader to their own language); [] on a page that is the
    same address in every language."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.url_name:
        return []
    current = path_language(request.path_info)
    paths = translated_paths(match, current)
    languages = getattr(request, _PAGE_LANGUAGES, None)
    if languages is not None:
        paths = {code: path for code, path in paths.items() if code in languages}
    if len(paths) < 2:
        return []
    query = request.META.get("QUERY_STRING", "")
    suffix = f"?{query}" if query else ""
    links = [(hreflang(code), f"{settings.SITE_URL}{path}{suffix}") for code, path in paths.items()]
    if DEFAULT in paths:
        links.append(("x-default", f"{settings.SITE_URL}{paths[DEFAULT]}{suffix}"))
    return links
