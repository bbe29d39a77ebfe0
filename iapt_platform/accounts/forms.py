from django import forms
from django.utils.translation import gettext_lazy as _

from iapt_platform.lib.timezones import canonical, time_zone_choices

from .models import User

__all__ = ["ProfileForm", "time_zone_choices"]  # the meetings' forms take the choices from here


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)

    class Meta:
        model = User
        fields = ["display_name", "organisation", "position", "country", "language", "time_zone"]
        help_texts = {
            "display_name": _("How other members see you. Leave empty to use your email's name.")
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A zone saved under an old name (some browsers report aliases) is shown as its zone.
        if self.instance.time_zone:
            self.initial["time_zone"] = canonical(self.instance.time_zone)
