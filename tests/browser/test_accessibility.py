"""axe-core (WCAG 2.1 A and AA rules) finds nothing serious or critical on the main pages,
signed out, as a producer with a released, earning project, and as staff (issue 20, a first
part: the page authorization matrix's every page is still to come)."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.accounts.factories import StaffFactory
from tests.browser.fixtures import PUBLIC_PAGES, log_in, pages_of

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


def test_the_main_pages_pass_axe_for_each_kind_of_reader(page, released):
    problems = {}
    for path in PUBLIC_PAGES:
        page.goto(path)
        problems[f"signed out {path}"] = serious_problems(page)
    log_in(page, released["producer"])
    for path in pages_of(released):
        page.goto(path)
        problems[f"producer {path}"] = serious_problems(page)

    assert {where: found for where, found in problems.items() if found} == {}


def test_the_staff_payouts_page_passes_axe(page, released):
    log_in(page, StaffFactory())
    page.goto("/staff/payouts/")

    assert serious_problems(page) == []


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
