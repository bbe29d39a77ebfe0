from django import forms
from django.utils.translation import gettext_lazy as _


class DecisionForm(forms.Form):
    """The comment of a decision; the decision itself is the submit button pressed (`action`)."""

    comment = forms.CharField(
        label=_("Comment for the submitter"),
        required=False,  # the service says when it is required, and why
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Sent to the submitter by email. Required to request changes or to reject."),
    )
