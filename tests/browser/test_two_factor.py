"""In a real browser: a person sets up two-factor sign-in from the key the page shows (as an
authenticator app would read it), signs out, and signs in again with password and a second
factor (staff sign in with the app's code in every browser test: tests/browser/fixtures.py)."""

import base64
import re

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.browser.fixtures import log_in

pytestmark = pytest.mark.browser


def app_code(secret: str) -> str:
    """What an authenticator app shows for this key now (RFC 6238: 30 s, 6 digits)."""
    return str(totp(base64.b32decode(secret))).zfill(6)


def test_set_up_two_factor_then_sign_in_with_it(page, live_server):
    ana = UserFactory()
    log_in(page, ana)

    page.goto("/settings/account/two-factor/")
    page.get_by_role("button", name="Set up two-factor sign-in").click()
    secret = page.locator("[data-totp-secret]").inner_text()
    assert page.locator(".qr svg").count() == 1
    page.fill("input[name=code]", app_code(secret))
    page.get_by_role("button", name="Turn it on").click()
    # The codes are on the page the form posts to: wait for it (reading at once raced it).
    expect(page.locator("[data-recovery-codes] li")).to_have_count(10)
    codes = page.locator("[data-recovery-codes] li").all_inner_texts()

    page.get_by_role("button", name="Log out").click()
    page.goto("/login/")
    page.fill("input[name=username]", ana.username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r"/login/two-factor/"))
    # The app's code of this half-minute was spent setting it up (a code works once): the
    # phone is "lost", so a recovery code it is.
    page.fill("input[name=code]", codes[0])
    page.click("form[data-second-factor] button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard/$"))
