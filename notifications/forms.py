"""Forms of the notification pages: they check what a person chose; services apply it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import Kind, deliveries_of

# What a kind is, where its label alone does not say.
HELP = {
    Kind.ASK_FOR_YOU: _(
        "Open asks tagged with a skill you list in your account settings, in your daily "
        "digest. Off unless you turn it on."
    ),
}


class PreferencesForm(forms.Form):
    """One choice per kind: off, an email at once, or the daily digest (off or the digest,
    for the kinds that come only in it)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in Kind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label, choices=deliveries_of(kind), widget=forms.RadioSelect,
                help_text=HELP.get(kind, ""),
            )  # fmt: skip


class MarkReadForm(forms.Form):
    # Ids are 64-bit: a larger number is refused here, not by SQLite (a 500).
    id = forms.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    all = forms.BooleanField(required=False)
