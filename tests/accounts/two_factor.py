"""Test helpers for two-factor sign-in: give someone an authenticator, read its current code,
and a signed-in session that has passed the second factor (as staff need)."""

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor import HAS_DEVICE


def authenticator_for(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def code_of(device: TOTPDevice) -> str:
    """What the person's app shows now, computed as the app does (RFC 6238)."""
    return str(totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)).zfill(
        device.digits
    )


def signed_in_with_second_factor(client: Client, user) -> Client:
    """The test client signed in with a session that passed the person's authenticator."""
    cookies, _headers = second_factor_session(user)
    for name, value in cookies.items():
        client.cookies[name] = value
    return client


def second_factor_session(user) -> tuple[dict[str, str], dict[str, str]]:
    """Cookies and headers of a browser session that passed the person's second factor, for
    HTTP clients outside Django's test client (a real web process): staff API calls need one,
    a token never acts as staff."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils.crypto import get_random_string

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or authenticator_for(user)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[HAS_DEVICE] = True
    session.create()
    csrf = get_random_string(32)
    cookies = {settings.SESSION_COOKIE_NAME: session.session_key, settings.CSRF_COOKIE_NAME: csrf}
    return cookies, {"X-CSRFToken": csrf}
