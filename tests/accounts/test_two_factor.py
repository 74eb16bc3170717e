"""Two-factor sign-in: set up with an authenticator app and recovery codes, asked for at
every sign-in once on, and required for staff powers on pages, in the API and the admin."""

import re

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.services import api_token_create
from tests.accounts.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory
from tests.accounts.two_factor import (
    authenticator_for,
    code_of,
    signed_in_with_second_factor,
)

pytestmark = pytest.mark.django_db


def sign_in(client, user):
    return client.post("/login/", {"username": user.username, "password": DEFAULT_PASSWORD})


def test_a_person_sets_up_two_factor_sign_in_and_gets_recovery_codes(client):
    ana = UserFactory()
    client.force_login(ana)

    begun = client.post("/settings/account/two-factor/", {"step": "begin"})
    device = TOTPDevice.objects.get(user=ana, confirmed=False)
    wrong = client.post("/settings/account/two-factor/", {"step": "confirm", "code": "000000"})
    done = client.post(
        "/settings/account/two-factor/", {"step": "confirm", "code": code_of(device)}
    )

    assert begun.status_code == 200 and "<svg" in begun.content.decode()  # the QR code
    assert wrong.status_code == 400
    assert done.status_code == 201
    codes = re.findall(r"<li><code>([0-9a-f]{10})</code></li>", done.content.decode())
    assert len(codes) == 10
    assert TOTPDevice.objects.get(user=ana).confirmed
    assert StaticToken.objects.filter(device__user=ana).count() == 10


def test_once_on_signing_in_asks_for_a_code_before_anything_else(client):
    ana = UserFactory()
    device = authenticator_for(ana)

    sign_in(client, ana)
    held = client.get("/dashboard/")
    api = client.get("/api/auth/me/")
    right = client.post("/login/two-factor/", {"code": code_of(device), "next": "/dashboard/"})

    assert held.status_code == 302 and held["Location"].startswith("/login/two-factor/")
    assert api.status_code == 403 and "second factor" in api.json()["detail"]
    assert right.status_code == 302 and right["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_a_recovery_code_works_once(client):
    ana = UserFactory()
    authenticator_for(ana)
    other = Client()
    other.force_login(ana)
    codes = re.findall(
        r"<li><code>([0-9a-f]{10})</code></li>",
        signed_in_with_second_factor(client, ana)
        .post("/settings/account/two-factor/recovery-codes/")
        .content.decode(),
    )

    first = other.post("/login/two-factor/", {"code": codes[0]})
    third = Client()
    third.force_login(ana)
    again = third.post("/login/two-factor/", {"code": codes[0]})

    assert first.status_code == 302
    assert again.status_code == 400


def test_staff_pages_the_staff_api_and_the_admin_need_the_second_factor(client):
    staff = StaffFactory(is_superuser=True)
    client.force_login(staff)  # a password alone
    _token, key = api_token_create(user=staff, name="staff script")
    by_token = APIClient(HTTP_AUTHORIZATION=f"Token {key}")

    page = client.get("/staff/payouts/")
    api = client.get("/api/payouts/batches/")
    token_api = by_token.get("/api/payouts/batches/")
    admin = client.get("/admin/")

    assert page.status_code == 403
    assert api.status_code == 403
    assert token_api.status_code == 403  # a token acts for the person, never as staff
    assert admin.status_code == 302 and "/admin/login/" in admin["Location"]

    signed_in_with_second_factor(client, staff)
    assert client.get("/staff/payouts/").status_code == 200
    assert client.get("/api/payouts/batches/").status_code == 200
    assert client.get("/admin/").status_code == 200


def test_turning_it_off_needs_the_password(client):
    ana = UserFactory()
    authenticator_for(ana)
    signed_in_with_second_factor(client, ana)

    refused = client.post("/settings/account/two-factor/remove/", {"password": "nope"})
    removed = client.post("/settings/account/two-factor/remove/", {"password": DEFAULT_PASSWORD})

    assert refused.status_code == 400
    assert removed.status_code == 302
    assert not TOTPDevice.objects.filter(user=ana).exists()


def test_a_wrong_code_is_refused_and_the_device_slows_guessing(client):
    ana = UserFactory()
    device = authenticator_for(ana)
    sign_in(client, ana)

    wrong = client.post("/login/two-factor/", {"code": "123456"})
    right_at_once = client.post("/login/two-factor/", {"code": code_of(device)})

    assert wrong.status_code == 400
    # django-otp waits longer after each failure (1 s, 2 s, 4 s…): no brute force.
    assert right_at_once.status_code == 400
    assert client.get("/dashboard/").status_code == 302
