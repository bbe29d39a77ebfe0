from django.db import models


class WebAddressField(models.URLField):
    """A URL field whose form field reads a bare domain as https:// (Django 6's default)."""

    def formfield(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        return super().formfield(**kwargs)
