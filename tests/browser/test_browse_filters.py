"""Browsing in a real browser with script off: the filters are a form, tags are links."""

import re

import pytest

from tests.browser.test_accessibility import PHONE, serious_problems, sideways_on_a_phone
from tests.contributions.factories import ContributionFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def no_script_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    yield context.new_page()
    context.close()


def audio(title: str, **fields):
    return ContributionFactory(title=title, kind="audio", text="", **fields)


def test_a_remixer_narrows_the_works_without_script_and_shares_the_link(no_script_page):
    page = no_script_page
    loop = audio("Cello loop", license="cc-by", duration_s=20)
    loop.tags.create(name="cello")
    loop.tags.create(name="lo-fi")
    audio("Cello suite", license="cc-by", duration_s=900).tags.create(name="cello")
    audio("NC cello", license="cc-by-nc", duration_s=20).tags.create(name="cello")

    page.goto("/contributions/")
    page.click("text=More filters")
    page.check("#id_commercial")
    page.fill("#id_duration_max", "60")
    page.fill("#id_tag", "Cello")
    page.click(".more-filters button[type=submit]")

    page.wait_for_url(re.compile(r"commercial=on"))
    assert page.locator(".card strong").all_inner_texts() == ["Cello loop"]
    shared = page.url

    page.goto(shared)
    assert page.locator(".card strong").all_inner_texts() == ["Cello loop"]
    assert page.is_checked("#id_commercial")

    # The chosen tag widens the list again when followed; another tag narrows it.
    page.click("a.tag.chosen")
    assert page.locator(".card strong").count() == 1  # still commercial, still short
    page.click("a.tag >> text=lo-fi")
    assert "tag=lo-fi" in page.url


def test_a_works_tag_leads_to_the_tags_page(page, live_server):
    work = audio("Rain", description="Field recording.")
    work.tags.create(name="field-recording")
    audio("Unrelated")

    page.goto(f"/contributions/{work.id}/")
    page.click("a[rel=tag] >> text=field-recording")

    page.wait_for_url(re.compile(r"/tags/field-recording/$"))
    assert page.locator("h1").inner_text() == "Tagged “field-recording”"
    assert page.locator(".card strong").all_inner_texts() == ["Rain"]
    assert serious_problems(page) == []


def test_the_open_filters_pass_axe_and_fit_a_phone(page, live_server):
    audio("Loop", duration_s=20).tags.create(name="loop")

    page.goto("/contributions/?duration_min=1&created_after=2026-01-01")

    assert page.locator("details.more-filters").get_attribute("open") is not None
    assert serious_problems(page) == []
    page.set_viewport_size(PHONE)
    assert sideways_on_a_phone(page) == []
