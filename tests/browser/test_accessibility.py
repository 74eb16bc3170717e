"""axe-core (WCAG 2.1 A and AA rules) finds nothing serious or critical on any page, for any
reader (issue 20): every page the page authorization matrix lets an actor open (a GET row
answering 200 for them, tests/security/test_page_authorization.py) is opened in Chromium,
signed in as that actor, in the matrix's own world; a new row is checked here by itself. The
same pages must not scroll sideways on a 390 px phone."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from tests.browser.fixtures import log_in
from tests.security.conftest import ACTORS
from tests.security.test_page_authorization import ROWS

pytestmark = pytest.mark.browser

# axe's script comes with the package (axe_playwright_python/axe.min.js): nothing is fetched.
AXE = Axe()
WCAG_21_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def serious_problems(page) -> list[str]:
    found = AXE.run(page, options=WCAG_21_AA).response["violations"]
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']}"
        for violation in found
        if violation["impact"] in ("serious", "critical")
        for node in violation["nodes"]
    ]


def pages_for(actor: str) -> list:
    """The matrix's rows of pages this actor may read (200; 200* changes something too)."""
    return [row for row in ROWS if row.method == "GET" and row.expected(actor) in ("200", "200*")]


def test_every_actor_has_pages_to_check():
    assert all(pages_for(actor) for actor in ACTORS)


PHONE = {"width": 390, "height": 844}


def sideways_on_a_phone(page) -> list[str]:
    """The page at phone width must not scroll sideways (issue 20: every page)."""
    desktop = page.viewport_size
    page.set_viewport_size(PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size(desktop)
    return [f"{width} px wide on a {PHONE['width']} px phone"] if width > PHONE["width"] else []


@pytest.mark.parametrize("actor", ACTORS)
def test_every_page_an_actor_may_open_passes_axe_and_fits_a_phone(actor, page, live_world):
    user = live_world.user(actor)
    if user is not None:
        log_in(page, user)
    problems = {}
    for n, row in enumerate(pages_for(actor)):
        url = reverse(row.name, kwargs=row.args(live_world))
        response = page.goto(url)
        where = f"{row.name}#{n} {url}"
        if response is None or response.status != 200:
            problems[where] = [f"answered {response and response.status}, not 200"]
            continue
        if found := serious_problems(page) + sideways_on_a_phone(page):
            problems[where] = found

    assert problems == {}


def test_charts_say_what_they_show(page, released):
    log_in(page, released["producer"])
    page.goto("/dashboard/")

    chart = page.locator("svg.chart")
    assert chart.get_attribute("role") == "img"
    # Every bar in words: the month and what was earned in it.
    assert re.fullmatch(
        r"Your earnings by month: \d{4}-\d{2} \d+\.\d{2}", chart.get_attribute("aria-label")
    )


def test_upload_and_processing_progress_are_announced(page, released):
    log_in(page, released["producer"])
    page.goto("/contributions/new/")

    status = page.locator("[data-upload-status]")
    assert (status.get_attribute("role"), status.get_attribute("aria-live")) == (
        "status",
        "polite",
    )
    assert page.locator("[data-upload-progress]").get_attribute("aria-label") == ("Upload progress")
