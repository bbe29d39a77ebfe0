from django import template

from iapt_platform.lib.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str, mention_links=None):
    """{{ post.body|markdown }}: the platform's one Markdown-then-sanitise path.

    `{{ post.body|markdown:mention_links }}` also links the mentions the view resolved for this
    reader (a missing variable is an empty string: no links).
    """
    return render_markdown(text, mention_links=mention_links or None)


@register.filter
def awaits_second_factor(user) -> bool:
    """{% if user|awaits_second_factor %}: a moderator whose role waits for an authenticator."""
    from iapt_platform.accounts import roles

    return roles.awaits_second_factor(user)


@register.simple_tag(takes_context=True)
def language_alternates(context) -> list[tuple[str, str]]:
    """{% language_alternates as links %}: (hreflang, absolute address) of the page's language
    versions and x-default, none on a page with one address for every language."""
    from iapt_platform.lib.languages import alternates

    request = context.get("request")
    return alternates(request) if request is not None else []
