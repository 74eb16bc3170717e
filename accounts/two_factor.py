"""Two-factor sign-in: whether a session passed it, the gate that asks for it, and staff
powers held until it is passed (docs/decisions.md, "Two-factor sign-in").

A person who set up a second factor is signed in only once they give a code: until then
every page sends them to the code page and the API refuses their session. A staff member's
powers need it too: until their session passed a second factor (or when they act through
an API token, which never does), they are an ordinary person, so every staff page, staff
API, takedown and the admin refuse them; the nav shows no staff link.
"""

import copy

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import user_has_device

# Set in the session at sign-in and whenever devices change, so that the gate does not ask
# the database on every request whether the person has a device.
HAS_DEVICE = "hitrec_second_factor"
# Where a signed-in person who still owes a code may go.
_OPEN_PATHS = ("/login/two-factor/", "/logout/", "/static/", "/language/", "/password/reset/")


def second_factor_passed(user) -> bool:
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def staff_held(user):
    """The same person without staff powers, for this request only (a copy: the account is
    unchanged; nothing saves request.user in full)."""
    if not (user.is_staff or user.is_superuser):
        return user
    held = copy.copy(user)
    held.is_staff = False
    held.is_superuser = False
    held.staff_held = True
    return held


def remember_devices(request, user) -> bool:
    has = user_has_device(user, confirmed=True)
    request.session[HAS_DEVICE] = has
    return has


class SecondFactorMiddleware:
    """After django_otp's OTPMiddleware: ask for the code, and hold staff powers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not second_factor_passed(user):
            has_device = request.session.get(HAS_DEVICE)
            if has_device is None:
                has_device = remember_devices(request, user)
            if has_device and not request.path.startswith(_OPEN_PATHS):
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"detail": _("Finish signing in: give the code of your second factor.")},
                        status=403,
                    )
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('accounts:second-factor')}?{query}")
            request.user = staff_held(user)
        return self.get_response(request)
