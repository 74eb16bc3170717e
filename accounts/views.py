"""Account pages beyond log in and sign up: settings, the data export, closing the account."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.forms import AccountDeleteForm
from accounts.selectors import data_exports_recent
from accounts.services import account_delete, data_export_request


def _settings_page(request, *, delete_form: AccountDeleteForm, status: int = 200):
    exports = data_exports_recent(user=request.user)
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
