from django import forms


class RetryForm(forms.Form):
    """One row (`pk`), or every failed row when `pk` is absent."""

    pk = forms.IntegerField(required=False, min_value=1)
