"""Account pages beyond log in and sign up: settings, addresses, passwords, tokens, two-factor
sign-in, the data export, closing the account."""

import base64

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.exceptions import Throttled

from accounts.emails import user_of_reset_link
from accounts.forms import (
    AccountDeleteForm,
    ApiTokenForm,
    EmailChangeForm,
    LanguageForm,
    LanguagePreferenceForm,
    PasswordChangeForm,
    PasswordResetForm,
    PasswordResetRequestForm,
    SecondFactorCodeForm,
    SecondFactorRemoveForm,
    SkillsForm,
)
from accounts.selectors import api_tokens_of, data_exports_recent, skills_of
from accounts.services import (
    account_delete,
    address_verification_request,
    address_verify,
    api_token_create,
    api_token_revoke,
    data_export_request,
    email_change,
    password_change,
    password_reset_confirm,
    password_reset_request,
    recovery_codes_renew,
    second_factor_begin,
    second_factor_check,
    second_factor_confirm,
    second_factor_remove,
    user_profile_update,
)
from accounts.two_factor import remember_devices, second_factor_passed
from hitrec.pages import form_errors_apply
from hitrec.throttles import (
    LOGIN_BLOCKED_MESSAGE,
    AuthRateThrottle,
    CountersUnavailable,
    client_address,
    login_failure_record,
    login_failures_clear,
    login_wait,
)


def _settings_page(
    request,
    *,
    delete_form: AccountDeleteForm | None = None,
    language_form: LanguagePreferenceForm | None = None,
    token_form: ApiTokenForm | None = None,
    password_form: PasswordChangeForm | None = None,
    email_form: EmailChangeForm | None = None,
    skills_form: SkillsForm | None = None,
    new_key: str = "",
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
            "tokens": api_tokens_of(user=request.user),
            "two_factor": user_has_device(request.user, confirmed=True),
            "email_form": email_form or EmailChangeForm(),
            "skills_form": skills_form
            or SkillsForm(initial={"skills": skills_of(user=request.user)}),
            "token_form": token_form or ApiTokenForm(),
            "password_form": password_form or PasswordChangeForm(),
            # A new token's key, shown in this answer only (never in a redirect's message,
            # which would keep it in a cookie).
            "new_key": new_key,
            "now": timezone.now(),
        },
        status=status,
    )


@require_POST
def language_choose(request):
    """The language switch on every page: kept in a cookie, and in the person's settings
    when they are signed in, so that their emails and statements follow it too."""
    form = LanguageForm(request.POST)
    next_url = _safe_next(request, reverse("web:home"))
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
def account_skills(request):
    form = SkillsForm(request.POST)
    if form.is_valid():
        try:
            user_profile_update(user=request.user, skills=form.cleaned_data["skills"])
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("Saved: open asks for your skills show on your home page."))
            return redirect(reverse("accounts:settings") + "#skills")
    return _settings_page(request, skills_form=form, status=400)


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


@login_required
@require_POST
def account_token_create(request):
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            token, key = api_token_create(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            return _settings_page(request, new_key=key, status=201)
    return _settings_page(request, token_form=form, status=400)


@login_required
@require_POST
def account_token_revoke(request, token_id: int):
    try:
        token = api_token_revoke(user=request.user, token_id=token_id)
    except ValidationError as exc:
        raise Http404(" ".join(exc.messages)) from exc
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect(reverse("accounts:settings") + "#tokens")


@login_required
@require_POST
def account_password(request):
    form = PasswordChangeForm(request.POST)
    if form.is_valid():
        try:
            user = password_change(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            update_session_auth_hash(request, user)  # this session stays; the others end
            messages.success(
                request,
                _("Your password was changed. Your API tokens were revoked; make new ones."),
            )
            return redirect(reverse("accounts:settings") + "#password")
    return _settings_page(request, password_form=form, status=400)


def _throttled(request) -> HttpResponse | None:
    """The pages that get people in are limited per address like the API's (scope auth)."""
    try:
        AuthRateThrottle().allow_request(request, None)
    except (Throttled, CountersUnavailable) as exc:
        response = render(
            request, "accounts/refused.html", {"problem": exc.detail}, status=exc.status_code
        )
        response["Retry-After"] = str(exc.wait)
        return response
    return None


def password_reset(request):
    """Forgot one's password: the same answer whether or not an account has the address."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST":
        if refused := _throttled(request):
            return refused
        if form.is_valid():
            password_reset_request(email=form.cleaned_data["email"])
            return render(
                request, "accounts/password_reset_sent.html", {"email": form.cleaned_data["email"]}
            )
    return render(
        request, "accounts/password_reset.html", {"form": form}, status=400 if form.errors else 200
    )


def password_reset_confirm_page(request, uid: str, token: str):
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST":
        if refused := _throttled(request):
            return refused
        if form.is_valid():
            try:
                password_reset_confirm(uid=uid, token=token, **form.cleaned_data)
            except ValidationError as exc:
                form_errors_apply(form, exc)
            else:
                messages.success(
                    request,
                    _("Your new password is set; you were signed out everywhere. Log in with it."),
                )
                return redirect("web:login")
    problem = ""
    if request.method != "POST" and user_of_reset_link(uid=uid, token=token) is None:
        problem = _("This link is invalid or has expired; ask for a new one.")
    return render(
        request, "accounts/password_reset_confirm.html", {"form": form, "problem": problem},
        status=400 if problem or form.errors else 200,
    )  # fmt: skip


@login_required
@require_POST
def account_email(request):
    form = EmailChangeForm(request.POST)
    if form.is_valid():
        try:
            email_change(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(
                request,
                _("Your address is changed. Open the link sent to it to verify it."),
            )
            return redirect(reverse("accounts:settings") + "#email")
    return _settings_page(request, email_form=form, status=400)


@login_required
@require_POST
def account_email_verification(request):
    """Send the verification link again, for the login or the payout address."""
    field = request.POST.get("field", "email")
    try:
        address_verification_request(user=request.user, field=field)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("A new link is on its way to that address."))
    return redirect(reverse("accounts:settings") + "#email")


def address_verify_page(request, token: str):
    """The link in the email: a page with one button, so that a mail scanner that opens
    links does not verify the address on its owner's behalf."""
    if request.method == "POST":
        try:
            user, field = address_verify(token=token)
        except ValidationError as exc:
            problem = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("Thank you: %(address)s is verified.") % {"address": getattr(user, field)},
            )
            return redirect("accounts:settings" if request.user == user else "web:login")
        return render(request, "accounts/verify_address.html", {"problem": problem}, status=400)
    return render(request, "accounts/verify_address.html", {})


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
def second_factor_page(request):
    """Signing in, step two: a code from the person's authenticator app or a recovery code."""
    form = SecondFactorCodeForm(request.POST or None)
    next_url = _safe_next(request, reverse("web:dashboard"))
    if request.method == "POST":
        if refused := _throttled(request):
            return refused
        address = client_address(request)
        if login_wait(username=request.user.username, address=address) is not None:
            form.add_error(None, LOGIN_BLOCKED_MESSAGE)
        elif form.is_valid():
            device = second_factor_check(user=request.user, code=form.cleaned_data["code"])
            if device is not None:
                otp_login(request, device)
                login_failures_clear(username=request.user.username, address=address)
                return redirect(next_url)
            login_failure_record(username=request.user.username, address=address)
            form.add_error("code", _("That code is not right; codes change every 30 seconds."))
    return render(
        request, "accounts/second_factor.html", {"form": form, "next": next_url},
        status=400 if form.errors else 200,
    )  # fmt: skip


def _two_factor_page(request, *, status: int = 200, **context):
    return render(
        request,
        "accounts/two_factor.html",
        {
            "enabled": user_has_device(request.user, confirmed=True),
            "remove_form": context.pop("remove_form", None) or SecondFactorRemoveForm(),
            "code_form": context.pop("code_form", None) or SecondFactorCodeForm(),
            **context,
        },
        status=status,
    )


def _scan(device) -> dict:
    return {
        "device": device,
        "qr": segno.make(device.config_url, error="m").svg_inline(scale=4, title=_("QR code")),
        "secret": base64.b32encode(device.bin_key).decode(),
    }


@login_required
def account_two_factor(request):
    """Set up two-factor sign-in: scan a code, type one back, keep the recovery codes."""
    if request.method != "POST":
        return _two_factor_page(request)
    if request.POST.get("step") == "begin":
        return _two_factor_page(request, **_scan(second_factor_begin(user=request.user)))
    form = SecondFactorCodeForm(request.POST)
    if form.is_valid():
        try:
            device, codes = second_factor_confirm(user=request.user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            otp_login(request, device)  # this session has just proved the factor
            remember_devices(request, request.user)
            return _two_factor_page(request, codes=codes, status=201)
    pending = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    scan = _scan(pending) if pending else {}
    return _two_factor_page(request, code_form=form, status=400, **scan)


@login_required
@require_POST
def account_recovery_codes(request):
    if not second_factor_passed(request.user):
        raise PermissionDenied(_("Sign in with your second factor first."))
    return _two_factor_page(request, codes=recovery_codes_renew(user=request.user), status=201)


@login_required
@require_POST
def account_two_factor_remove(request):
    form = SecondFactorRemoveForm(request.POST)
    if form.is_valid():
        try:
            second_factor_remove(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            remember_devices(request, request.user)
            messages.success(request, _("Two-factor sign-in is off."))
            return redirect("accounts:two-factor")
    return _two_factor_page(request, remove_form=form, status=400)
