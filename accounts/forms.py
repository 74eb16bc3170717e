"""Forms of the account pages."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from hitrec.tag_fields import TagsTextField


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


class SkillsForm(forms.Form):
    """The skills a person offers, as tags typed in one box."""

    skills = TagsTextField(label=_("Skills you offer"))


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, label=_("Name"), help_text=_("What will use it, e.g. “my upload script”.")
    )
    days = forms.IntegerField(
        min_value=1,
        max_value=settings.HITREC_API_TOKEN_MAX_DAYS,
        initial=settings.HITREC_API_TOKEN_DAYS,
        label=_("Days it lives"),
    )


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(
        label=_("Your current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("A new password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        max_length=254,
        label=_("The email address of your account"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class PasswordResetForm(forms.Form):
    new_password = forms.CharField(
        label=_("A new password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class EmailChangeForm(forms.Form):
    email = forms.EmailField(
        max_length=254, label=_("A new email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )  # fmt: skip
    password = forms.CharField(
        label=_("Your password, to confirm"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class SecondFactorCodeForm(forms.Form):
    code = forms.CharField(
        max_length=20,
        label=_("The code from your authenticator app, or a recovery code"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text"}),
    )


class SecondFactorRemoveForm(forms.Form):
    password = forms.CharField(
        label=_("Your password, to confirm"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
