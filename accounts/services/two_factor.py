"""Setting up, using and removing a second factor: an authenticator app's codes (TOTP), and
ten single-use recovery codes for the day the phone is lost."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User

RECOVERY_CODES = 10


@transaction.atomic
def second_factor_begin(*, user: User) -> TOTPDevice:
    """A new authenticator secret to scan, not in use until a code from it confirms it."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)


@transaction.atomic
def second_factor_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """The person typed a code from the app they scanned: the factor is on. Returns it and
    the recovery codes, shown once (earlier devices and codes are replaced)."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        raise ValidationError({"code": [_("Start again: scan a new code first.")]})
    if not device.verify_token((code or "").replace(" ", "")):
        raise ValidationError(
            {"code": [_("That code is not right; codes change every 30 seconds.")]}
        )
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device, recovery_codes_renew(user=user)


@transaction.atomic
def recovery_codes_renew(*, user: User) -> list[str]:
    """Ten new single-use codes; the old ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_("Recovery codes"), confirmed=True)
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def second_factor_check(*, user: User, code: str):
    """The device that accepts this code (an app's code, or a recovery code, which is then
    used up), or None."""
    return match_token(user, (code or "").replace(" ", "").lower()) if code else None


@transaction.atomic
def second_factor_remove(*, user: User, password: str) -> None:
    """The person turns two-factor sign-in off, proving it is them (a staff member then
    loses staff powers until they set it up again)."""
    if not user.check_password(password):
        raise ValidationError({"password": [_("That is not your password.")]})
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
