"""Forms of the notification pages: they check what a person chose; services apply it."""

from django import forms

from notifications.models import Delivery, Kind


class PreferencesForm(forms.Form):
    """One choice per kind: off, an email at once, or the daily digest."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in Kind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label, choices=Delivery.choices, widget=forms.RadioSelect
            )


class MarkReadForm(forms.Form):
    # Ids are 64-bit: a larger number is refused here, not by SQLite (a 500).
    id = forms.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    all = forms.BooleanField(required=False)
