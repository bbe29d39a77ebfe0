"""`{% meeting_survey meeting %}` on a meeting's page: the link for its attendees to answer.
The tag belongs to surveys (which imports meetings), so meetings never imports surveys."""

from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("surveys/partials/meeting_survey.html", takes_context=True)
def meeting_survey(context, meeting):
    request = context.get("request")
    found = selectors.meeting_survey_for(meeting=meeting, user=request.user) if request else None
    return {"survey": found[0] if found else None, "answered": found[1] if found else False}
