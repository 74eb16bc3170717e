"""The main journeys with the keyboard alone: Tab to a control, type, Enter or Space; and the
focused control always shows it has the focus (issue 20, keyboard)."""

import re
from pathlib import Path

import pytest

from contributions.models import Contribution
from projects.models import Submission
from tests.accounts.factories import UserFactory
from tests.browser.fixtures import log_in
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.browser


def tab_to(page, selector: str, *, most: int = 80) -> None:
    """Press Tab until the control matching `selector` has the focus, as a person would."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"{selector} has the focus but does not show it"
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_sign_up_and_upload_a_text_with_the_keyboard_alone(page, live_server):
    page.goto("/signup/")
    tab_to(page, "input[name=username]")
    page.keyboard.type("keys-only")
    tab_to(page, "input[name=email]")
    page.keyboard.type("keys@example.org")
    tab_to(page, "input[name=password]")
    page.keyboard.type("a long enough passphrase")
    tab_to(page, "form.stack button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/artists/keys-only/$"))

    page.goto("/contributions/new/")
    tab_to(page, "input[name=title]")
    page.keyboard.type("Typed, not clicked")
    tab_to(page, "textarea[name=text]")
    page.keyboard.type("A verse written with the keys alone.")
    tab_to(page, "#upload-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/contributions/\d+/$"))

    work = Contribution.objects.get(title="Typed, not clicked")
    assert (work.kind, work.author.username) == ("text", "keys-only")


def test_open_the_menu_and_download_a_statement_with_the_keyboard_alone(page, released):
    log_in(page, released["producer"])
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    tab_to(page, "#site-menu-toggle")
    page.keyboard.press("Space")  # the menu opens: its links can now be reached
    tab_to(page, "#site-nav a[href='/dashboard/']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/dashboard/$"))

    tab_to(page, "a[href$='?format=csv']")
    with page.expect_download() as download:
        page.keyboard.press("Enter")

    statement = download.value
    assert statement.suggested_filename.startswith("hitrec-statement-")
    assert "Night Bus" in Path(statement.path()).read_text(encoding="utf-8")


def test_submit_accept_and_release_with_the_keyboard_alone(browser, live_server):
    producer, artist = UserFactory(username="producer-keys"), UserFactory(username="artist-keys")
    project = make_project(owner=producer, title="Keys Only")
    work = ContributionFactory(author=artist, title="A keyed verse")
    contexts = []

    def tab_page(user):
        context = browser.new_context(base_url=live_server.url)
        contexts.append(context)
        page = context.new_page()
        log_in(page, user)
        return page

    try:
        # The artist submits the work to the project.
        page = tab_page(artist)
        page.goto(f"/projects/{project.id}/")
        tab_to(page, "select[name=contribution]")
        tab_to(page, f"form[action='/projects/{project.id}/submit/'] button[type=submit]")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        submission = Submission.objects.get(project=project, contribution=work)

        # The producer accepts it on the desk, then releases the project.
        page = tab_page(producer)
        page.goto(f"/projects/{project.id}/desk/")
        tab_to(page, f"[data-submission='{submission.id}'] form button")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_selector(f"input[name='weight-{work.id}']")
        tab_to(page, "input[name=confirm]")
        page.keyboard.press("Space")
        tab_to(page, "form[data-desk] button[type=submit]")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(rf"/projects/{project.id}/$"))
    finally:
        for context in contexts:
            context.close()

    submission.refresh_from_db()
    project.refresh_from_db()
    assert (submission.status, project.status) == ("accepted", "released")
    assert [c.contribution_id for c in project.release.credits.all()] == [work.id]
