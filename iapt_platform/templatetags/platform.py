from django import template

from iapt_platform.lib.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str):
    """{{ post.body|markdown }}: the platform's one Markdown-then-sanitise path."""
    return render_markdown(text)
