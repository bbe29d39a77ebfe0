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
