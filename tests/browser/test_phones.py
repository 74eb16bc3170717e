"""On a 390 × 844 phone no page scrolls sideways, the header folds into a menu that opens
without JavaScript, and the menu's controls are big enough to touch (issue 20, phones)."""

import re

import pytest
from django.utils import timezone

from projects.models import Submission
from projects.services import CreditInput, project_release
from royalties.services import revenue_record, statements_build_month
from tests.accounts.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def log_in(page, user):
    page.goto("/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard/$"))


@pytest.fixture
def released(live_server):
    """A producer whose released project earned revenue: the desk's and the earnings page's
    tables have rows, the widest things on any page."""
    producer = UserFactory(username="producer-with-a-long-name")
    project = make_project(owner=producer, title="Night Bus, the extended long-form cut")
    song = ContributionFactory(author=producer, title="A song with a long title to wrap")
    Submission.objects.create(
        project=project, contribution=song, submitted_by=producer, status="accepted"
    )
    project_release(
        project=project, actor=producer, credits=[CreditInput(song.id, 1)], commercial=True
    )
    revenue_record(
        project=project, actor=producer, amount="1234.56", currency="USD", idempotency_key="k"
    )
    statements_build_month(period=timezone.now().date())
    return {"producer": producer, "project": project, "song": song}


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_no_page_scrolls_sideways_on_a_phone(page, released):
    page.set_viewport_size(PHONE)
    project, song = released["project"], released["song"]
    for path in ("/", "/signup/", "/login/", "/contributions/", "/projects/"):
        page.goto(path)
        assert page_width(page) <= PHONE["width"], f"{path} (signed out)"

    log_in(page, released["producer"])
    for path in (
        "/", "/contributions/", f"/contributions/{song.id}/", "/contributions/new/",
        "/projects/", "/projects/new/", f"/projects/{project.id}/",
        f"/projects/{project.id}/desk/", "/dashboard/",
        f"/artists/{released['producer'].username}/", "/settings/account/", "/notifications/",
    ):  # fmt: skip
        page.goto(path)
        assert page_width(page) <= PHONE["width"], f"{path} (producer)"


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
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/")

    assert page.locator("#site-nav").is_visible()
    assert not page.locator("label.menu-button").is_visible()
