from django import template

from iapt_platform.lib.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str):
    """{{ post.body|markdown }}: the platform's one Markdown-then-sanitise path."""
    return render_markdown(text)


@register.filter
def awaits_second_factor(user) -> bool:
    """{% if user|awaits_second_factor %}: a moderator whose role waits for an authenticator."""
    from iapt_platform.accounts import roles

    return roles.awaits_second_factor(user)
