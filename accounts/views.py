"""Account pages beyond log in and sign up: settings, the data export, closing the account."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import AccountDeleteForm, LanguageForm, LanguagePreferenceForm
from accounts.selectors import data_exports_recent
from accounts.services import account_delete, data_export_request, user_profile_update


def _settings_page(
    request,
    *,
    delete_form: AccountDeleteForm | None = None,
    language_form: LanguagePreferenceForm | None = None,
    status: int = 200,
):
    exports = data_exports_recent(user=request.user)
    following = next((export for export in exports if export.is_in_progress), None)
    return render(
        request,
        "accounts/settings.html",
        {
            "exports": exports,
            "following": following,
            "status_url": reverse("api:me-export", args=[following.id]) if following else "",
            "delete_form": delete_form or AccountDeleteForm(),
            "language_form": language_form
            or LanguagePreferenceForm(initial={"language": request.user.language}),
        },
        status=status,
    )


@require_POST
def language_choose(request):
    """The language switch on every page: kept in a cookie, and in the person's settings
    when they are signed in, so that their emails and statements follow it too."""
    form = LanguageForm(request.POST)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("web:home")
    if not form.is_valid():
        return HttpResponseBadRequest(form.errors["language"][0])
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        user_profile_update(user=request.user, language=language)
    response = redirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE, secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )  # fmt: skip
    return response


@login_required
def account_settings(request):
    return _settings_page(request)


@login_required
@require_POST
def account_language(request):
    form = LanguagePreferenceForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, language_form=form, status=400)
    user_profile_update(user=request.user, language=form.cleaned_data["language"])
    messages.success(request, _("Saved: hitrec writes to you in the language you chose."))
    response = redirect("accounts:settings")
    # The cookie is what LocaleMiddleware reads; cleared, the browser's language takes over.
    response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
    return response


@login_required
@require_POST
def account_export(request):
    export = data_export_request(user=request.user)
    messages.success(
        request,
        _("Your archive #%(id)s is being prepared; it appears here when ready.")
        % {"id": export.id},
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
            messages.success(
                request, _("Your account was deleted. Thank you for making things here.")
            )
            return redirect("web:home")
    return _settings_page(request, delete_form=form, status=400)
