"""Asks for you in a real browser: a producer tags an ask on the desk, an artist lists their
skills in their settings and finds the ask on their home page, its tag a link to its page."""

import re

import pytest

from projects.models import Ask
from tests.accounts.factories import UserFactory
from tests.browser.fixtures import log_in
from tests.projects.factories import make_project

pytestmark = pytest.mark.browser


def test_skills_set_in_settings_bring_a_tagged_ask_to_the_home_page(browser, live_server):
    producer, cellist = UserFactory(username="prod"), UserFactory(username="cellist")
    project = make_project(owner=producer, title="Night Bus")
    producing = browser.new_context(base_url=live_server.url).new_page()
    playing = browser.new_context(base_url=live_server.url).new_page()

    # The producer asks for a cello line, tagged, on the desk.
    log_in(producing, producer)
    producing.goto(f"/projects/{project.id}/desk/")
    asks = producing.locator(f"form[action='/projects/{project.id}/desk/asks/']")
    asks.locator("select[name=kind]").select_option("audio")
    asks.locator("input[name=description]").fill("A low cello line")
    asks.locator("input[name=tags]").fill("Cello, double bass")
    asks.locator("button").click()
    producing.wait_for_selector("li[data-ask] a.tag")
    ask = Ask.objects.get()
    assert [t.name for t in ask.tags.all()] == ["cello", "double-bass"]

    # The artist has no skills yet: no asks for them on the home page.
    log_in(playing, cellist)
    playing.goto("/")
    assert playing.locator("[data-asks-for-you]").count() == 0

    playing.goto("/settings/account/")
    playing.fill("form[data-skills-form] input[name=skills]", "cello illustration")
    playing.click("form[data-skills-form] button[type=submit]")
    playing.wait_for_url(re.compile(r"/settings/account/#skills$"))
    assert playing.locator("form[data-skills-form] input[name=skills]").input_value() == (
        "cello, illustration"
    )

    playing.goto("/")
    section = playing.locator("[data-asks-for-you]")
    assert section.locator("h2").inner_text() == "Asks for you"
    item = section.locator(f"li[data-ask='{ask.id}']")
    assert "A low cello line" in item.inner_text()
    assert item.locator("a", has_text="Night Bus").get_attribute("href") == (
        f"/projects/{project.id}/"
    )
    item.locator("a.tag", has_text="cello").click()
    playing.wait_for_url(re.compile(r"/tags/cello/$"))
    assert "cello" in playing.locator("h1").inner_text()

    # Their artist page says what they offer.
    playing.goto("/artists/cellist/")
    assert playing.locator("[data-skills]").inner_text().split() == [
        "Skills:",
        "cello",
        "illustration",
    ]
