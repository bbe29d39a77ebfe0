from django import forms
from django.utils.translation import gettext_lazy as _

from .models import User, available_time_zones


def time_zone_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    # The region's zones first, since that is where most members live; then every other zone.
    zones = sorted(available_time_zones())
    america = [z for z in zones if z.startswith("America/")]
    others = [z for z in zones if not z.startswith("America/")]
    return [
        (str(_("The Americas")), [(z, z.replace("_", " ")) for z in america]),
        (str(_("Other zones")), [(z, z.replace("_", " ")) for z in others]),
    ]


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)

    class Meta:
        model = User
        fields = ["display_name", "organisation", "position", "country", "language", "time_zone"]
        help_texts = {
            "display_name": _("How other members see you. Leave empty to use your email's name.")
        }
