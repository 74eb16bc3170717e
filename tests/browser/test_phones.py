"""On a 390 × 844 phone no page scrolls sideways, the header folds into a menu that opens
without JavaScript, and the menu's controls are big enough to touch (issue 20, phones)."""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.accounts.factories import StaffFactory
from tests.browser.fixtures import PUBLIC_PAGES, log_in, pages_of

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


# Screenshots of every page checked, at phone and desktop size, for people to look at
# (CI keeps var/ of its checkout; set HITREC_SCREENSHOTS to write them elsewhere).
SHOTS = Path(os.environ.get("HITREC_SCREENSHOTS", settings.VAR_DIR / "screenshots"))


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def screenshot(page, who: str, path: str, size: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    # Ids differ from run to run; the names must not, or old screenshots pile up.
    slug = re.sub(r"[^a-z]+", "-", re.sub(r"\d+", "id", f"{who}{path}".lower())).strip("-")
    page.screenshot(path=SHOTS / f"{size}-{slug}.png", full_page=True)


def test_no_page_scrolls_sideways_on_a_phone(page, released):
    page.set_viewport_size(PHONE)
    for path in PUBLIC_PAGES:
        page.goto(path)
        assert page_width(page) <= PHONE["width"], f"{path} (signed out)"
        screenshot(page, "signed-out", path, "phone")

    log_in(page, released["producer"])
    for path in pages_of(released):
        page.goto(path)
        assert page_width(page) <= PHONE["width"], f"{path} (producer)"
        screenshot(page, "producer", path, "phone")
        page.set_viewport_size(DESKTOP)
        screenshot(page, "producer", path, "desktop")
        page.set_viewport_size(PHONE)


def test_staff_payouts_fit_a_phone(page, released):
    page.set_viewport_size(PHONE)
    log_in(page, StaffFactory())

    page.goto("/staff/payouts/")

    assert page_width(page) <= PHONE["width"]


def test_the_header_folds_into_a_menu_that_opens_without_javascript(browser, live_server):
    # JavaScript off: the menu is a checkbox and its label, and still opens.
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=False
    )
    page = context.new_page()
    try:
        page.goto("/")
        nav = page.locator("#site-nav")
        button = page.locator("label.menu-button")
        assert not nav.is_visible()
        assert button.is_visible()
        assert button.bounding_box()["height"] >= 44

        button.click()

        assert nav.is_visible()
        log_in_link = nav.get_by_role("link", name="Log in")
        assert log_in_link.bounding_box()["height"] >= 44
        log_in_link.click()
        page.wait_for_url(re.compile(r"/login/$"))
    finally:
        context.close()


def test_on_a_wide_screen_the_links_show_without_a_menu(page, live_server):
    page.set_viewport_size(DESKTOP)
    page.goto("/")

    assert page.locator("#site-nav").is_visible()
    assert not page.locator("label.menu-button").is_visible()
