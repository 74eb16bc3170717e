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
    id = forms.IntegerField(min_value=1, required=False)
    all = forms.BooleanField(required=False)
