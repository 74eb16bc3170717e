"""The search page in a real browser: a GET form, shareable results, marks that are only marks."""

import re

import pytest

from tests.accounts.factories import UserFactory
from tests.browser.test_accessibility import PHONE, serious_problems, sideways_on_a_phone
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.browser


def test_a_search_from_the_header_shows_marked_results_that_pass_axe(page, live_server):
    ana = UserFactory(username="ana", display_name="Ana Cello")
    ContributionFactory(
        title='<img src=x onerror="document.title=\'owned\'"> Cello suite',
        kind="audio", text="", author=ana, description="A slow cello line for remixing.",
    )  # fmt: skip
    make_project(title="Needs a cello", owner=ana)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto("/")
    page.click("#site-nav >> text=Search")
    page.fill("input[name=q]", "cel")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/search/\?q=cel$"))
    assert page.locator("#found-contributions").is_visible()
    assert page.locator("section.found mark").count() >= 3  # a work, a project, an artist
    assert page.locator("section.found img").count() == 0  # the title's markup is text
    assert "owned" not in page.title() and dialogs == []
    assert "Cello suite" in page.locator("section.found li a").first.inner_text()
    assert serious_problems(page) == []
    page.set_viewport_size(PHONE)
    assert sideways_on_a_phone(page) == []


def test_a_shared_link_opens_the_same_results_and_its_pages(page, live_server):
    for n in range(25):
        ContributionFactory(title=f"Rain {n}", kind="audio", text="")

    page.goto("/search/?q=rain&section=contributions")
    page.click("text=less relevant →")

    page.wait_for_url(re.compile(r"section=contributions&page=2"))
    assert page.locator("section.found li").count() == 5
    assert page.input_value("input[name=q]") == "rain"
