"""Forms of the account pages."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label=_("Your password, to confirm"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES, label=_("Language"))


class LanguagePreferenceForm(forms.Form):
    """On the settings page, where the person may also leave it to their browser."""

    language = forms.ChoiceField(
        choices=[("", _("As my browser asks"))] + list(settings.LANGUAGES),
        required=False,
        label=_("The language hitrec writes to you in"),
        help_text=_(
            "Pages, emails and statements. Without a choice, pages follow your browser and emails are in English."
        ),
    )
