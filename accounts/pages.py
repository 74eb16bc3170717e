"""Page routes of accounts beyond log in and sign up (mounted at the site root): settings."""

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from accounts.models import DataExport
from accounts.services import account_delete, data_export_request

app_name = "accounts"

# How many of a person's past exports the page lists.
RECENT_EXPORTS = 5


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label="Your password, to confirm",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def _settings_page(request, *, delete_form: AccountDeleteForm, status: int = 200):
    exports = list(DataExport.objects.filter(user=request.user)[:RECENT_EXPORTS])
    following = next((export for export in exports if export.is_in_progress), None)
    return render(
        request,
        "accounts/settings.html",
        {
            "exports": exports,
            "following": following,
            "status_url": reverse("api:me-export", args=[following.id]) if following else "",
            "delete_form": delete_form,
        },
        status=status,
    )


@login_required
def account_settings(request):
    return _settings_page(request, delete_form=AccountDeleteForm())


@login_required
@require_POST
def account_export(request):
    export = data_export_request(user=request.user)
    messages.success(
        request, f"Your archive #{export.id} is being prepared; it appears here when ready."
    )
    return redirect("accounts:settings")


@login_required
@require_POST
def account_delete_page(request):
    form = AccountDeleteForm(request.POST)
    if form.is_valid():
        try:
            account_delete(user=request.user, password=form.cleaned_data["password"])
        except ValidationError as exc:
            for message in exc.message_dict.get("password", exc.messages):
                form.add_error("password", message)
        else:
            logout(request)
            messages.success(request, "Your account was deleted. Thank you for making things here.")
            return redirect("web:home")
    return _settings_page(request, delete_form=form, status=400)


urlpatterns = [
    path("settings/account/", account_settings, name="settings"),
    path("settings/account/export/", account_export, name="export"),
    path("settings/account/delete/", account_delete_page, name="delete"),
]
