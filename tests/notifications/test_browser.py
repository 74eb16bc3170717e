"""In a real browser: an artist remixes a work, and its author sees it in their notifications."""

import re

import pytest

from notifications.models import Notification
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.contributions.factories import ContributionFactory

pytestmark = pytest.mark.browser


def log_in(page, user):
    page.goto("/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard/$"))


def test_a_remix_shows_up_in_the_source_authors_notifications(page, live_server):
    ana, bo = UserFactory(username="ana"), UserFactory(username="bo")
    ContributionFactory(author=ana, title="Loop", license="cc-by")
    loop = ana.contributions.get()

    log_in(page, bo)
    page.goto(f"/contributions/new/?remix={loop.id}")
    page.fill("input[name=title]", "Night version")
    page.fill("textarea[name=text]", "New words over the loop.")
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(r"/contributions/\d+/$"))
    assert page.locator("[data-nav-notifications] [data-unread]").count() == 0

    page.context.clear_cookies()
    log_in(page, ana)
    assert page.locator("[data-nav-notifications] [data-unread]").inner_text() == "1"
    page.click("[data-nav-notifications]")
    page.wait_for_url(re.compile(r"/notifications/$"))
    item = page.locator("li.notification.unread")
    assert item.inner_text().startswith("bo remixed your “Loop” in “Night version”.")

    item.locator("text=Mark as read").click()
    page.wait_for_url(re.compile(r"/notifications/$"))
    assert page.locator("li.notification.unread").count() == 0
    assert page.locator("[data-nav-notifications] [data-unread]").count() == 0
    assert Notification.objects.get(recipient=ana).read_at is not None

    page.click("li.notification a")
    page.wait_for_url(re.compile(r"/contributions/\d+/$"))
    assert page.locator("h1").inner_text().startswith("Night version")
