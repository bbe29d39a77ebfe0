from django import template
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from iapt_platform.lib.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str, mention_links=None):
    """{{ post.body|markdown }}: the platform's one Markdown-then-sanitise path.

    `{{ post.body|markdown:mention_links }}` also links the mentions the view resolved for this
    reader (a missing variable is an empty string: no links).
    """
    return render_markdown(text, mention_links=mention_links or None)


@register.simple_tag
def facet_items(name: str, options) -> SafeString:
    """{% facet_items name options %}: the <li> of each option of a facet (a checkbox, its label
    and its count when counted), for templates/includes/facet.html. Built here rather than in a
    template loop: a broad search lists a hundred options, and each variable of a loop costs more
    than the whole line does here."""
    return format_html_join(
        "\n",
        '<li><label class="check"><input type="checkbox" name="{}" value="{}"{}> {}{}</label></li>',
        (
            (
                name,
                option.value,
                mark_safe(" checked") if option.selected else "",
                option.label,
                format_html(' <span class="count">({})</span>', localize(option.count))
                if option.count is not None
                else "",
            )
            for option in options
        ),
    )


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


class KeptFrameNode(template.Node):
    def __init__(self, name: str, values: list, nodelist: template.NodeList):
        self.name, self.values, self.nodelist = name, values, nodelist

    def render(self, context) -> str:
        from django.utils.safestring import mark_safe

        from iapt_platform.lib.framecache import kept

        request = context.get("request")
        if request is None:  # an e-mail or a page rendered outside a request: nothing to share
            with context.push(FRAME_PATH=""):
                return self.nodelist.render(context)

        def render(token: str, path: str) -> str:
            with context.push(csrf_token=token, FRAME_PATH=path):
                return self.nodelist.render(context)

        # The template's own output, kept; what goes into it is escaped (framecache.kept).
        return mark_safe(  # noqa: S308
            kept(
                self.name,
                [value.resolve(context) for value in self.values],
                request=request,
                csrf_token=context.get("csrf_token", ""),
                render=render,
            )
        )


@register.tag
def kept_frame(parser, token):
    """{% kept_frame "header" NAV_SECTION user.is_authenticated %}...{% endkept_frame %}: a part
    of the site frame kept rendered per language, time zone and the values named (see
    iapt_platform/lib/framecache.py); inside, {{ FRAME_PATH }} is the address being read."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("kept_frame needs a name")
    nodelist = parser.parse(("endkept_frame",))
    parser.delete_first_token()
    name = bits[1].strip("\"'")
    return KeptFrameNode(name, [parser.compile_filter(bit) for bit in bits[2:]], nodelist)
