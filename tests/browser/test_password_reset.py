"""In a real browser: a person who forgot their password asks for a link from the sign-in
page, follows the link from the email, sets a new password and signs in with it."""

import re

import pytest
from django.core import mail

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.browser

NEW = "another-long-phrase-7"


def test_forgot_password_link_new_password_sign_in(page, live_server):
    ana = UserFactory(email="ana@example.org")

    page.goto("/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.fill("input[name=email]", "ana@example.org")
    page.get_by_role("button", name="Send me a link").click()
    page.wait_for_selector("[data-reset-sent]")

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/password/reset/\S+/\S+/", mail.outbox[0].body)[0]
    path = link.split("://", 1)[1].split("/", 1)[1]
    page.goto("/" + path)
    page.fill("input[name=new_password]", NEW)
    page.get_by_role("button", name="Set my new password").click()
    page.wait_for_url(re.compile(r"/login/$"))
    page.fill("input[name=username]", ana.username)
    page.fill("input[name=password]", NEW)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard/$"))

    # The link worked once: opened again, it says so.
    page.goto("/" + path)
    assert "invalid or has expired" in page.locator("[data-reset-problem]").inner_text()
