"""In a real browser: the language switch works without JavaScript and with the keyboard,
a Spanish reader sees money as Spanish readers write it, and right-to-left titles and
comments lay out right to left inside a left-to-right page (issue 20, languages)."""

import re

import pytest
from django.utils import translation

from community.services import comment_create
from tests.accounts.factories import UserFactory
from tests.browser.fixtures import log_in
from tests.contributions.factories import ContributionFactory

pytestmark = pytest.mark.browser

ARABIC_TITLE = "قصيدة الليل"  # "The night's poem"
HEBREW_COMMENT = "שיר יפה מאוד, תודה"  # "A very nice song, thank you"


def spanish(message: str) -> str:
    with translation.override("es"):
        return translation.gettext(message)


def test_the_switch_changes_the_language_with_the_keyboard_and_no_script(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/projects/")

    page.focus("#language-choice")
    page.keyboard.press("ArrowDown")  # English → español
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert re.search(r"/projects/$", page.url)
    assert page.get_attribute("html", "lang") == "es"
    assert page.locator("h1").inner_text() == spanish("Projects") != "Projects"
    context.close()


def test_a_spanish_reader_sees_money_written_the_spanish_way(page, released):
    released["producer"].language = "es"
    released["producer"].save(update_fields=["language"])
    log_in(page, released["producer"])

    page.goto("/dashboard/")

    # 1234.56 USD of revenue to a producer who is the only credit: a four-digit amount
    # with a thousands separator, as Spanish writes it: "1.234,56 US$".
    balance = page.locator(".balance").first.inner_text()
    assert re.search(r"\d\.\d{3},\d{2}\s?US\$", balance), balance
    assert page.get_attribute("html", "lang") == "es"


def test_right_to_left_titles_and_comments_read_right_to_left(page, live_server):
    work = ContributionFactory(title=ARABIC_TITLE)
    comment_create(author=UserFactory(), body=HEBREW_COMMENT, contribution=work)

    page.goto(f"/contributions/{work.id}/")

    direction = "el => getComputedStyle(el).direction"
    assert page.locator("h1 [dir=auto]").inner_text() == ARABIC_TITLE
    assert page.locator("h1 [dir=auto]").evaluate(direction) == "rtl"
    assert page.locator(".comment-body").evaluate(direction) == "rtl"
    # The page around them stays left to right.
    assert page.locator("h2").first.evaluate(direction) == "ltr"
