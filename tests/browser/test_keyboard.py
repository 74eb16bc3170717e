"""The main journeys with the keyboard alone: Tab to a control, type, Enter or Space; and the
focused control always shows it has the focus (issue 20, keyboard)."""

import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image

from contributions.models import Contribution, RemixLink
from media import services as media_services
from media import tasks as media_tasks
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


def focus_is_visible(page) -> bool:
    """The focused element draws an outline or a ring (box-shadow) a person can see."""
    return page.evaluate(
        """() => { const style = getComputedStyle(document.activeElement);
          const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
          return outline || style.boxShadow !== "none"; }"""
    )


def listen_for_file_choosers(page) -> list:
    """Collect the file choosers the page opens, from now on.

    Playwright asks the browser to hand it file choosers when the first listener is added,
    and does not wait for the browser's answer; a key pressed before that lands opens a
    chooser nobody sees (CI saw it once). Listening before the form is even loaded leaves
    that request all the time the tabbing takes."""
    choosers: list = []
    page.on("filechooser", lambda chooser: choosers.append(chooser))
    return choosers


def press_space_for_file_chooser(page, choosers: list, *, presses: int = 3):
    """Press Space on the focused file field until its file chooser opens, as a person
    presses again when nothing happened; a chooser on its way arrives within a second."""
    for _ in range(presses):
        page.keyboard.press("Space")
        for _ in range(50):
            if choosers:
                return choosers[0]
            page.wait_for_timeout(100)
    raise AssertionError(f"Space on the file field opened no file chooser in {presses} presses")


def focused_says(page) -> str:
    """What a screen reader reads for the focused control: its text, and the text of what
    describes it (aria-describedby), e.g. an error message next to it."""
    return page.evaluate(
        """() => { const el = document.activeElement;
          const ids = (el.getAttribute("aria-describedby") || "").split(/\\s+/).filter(Boolean);
          const described = ids.map((id) => document.getElementById(id)?.textContent ?? "");
          return [el.textContent, ...described].join(" "); }"""
    )


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


def test_remix_with_a_licence_its_source_allows_with_the_keyboard_alone(page, live_server):
    source = ContributionFactory(
        author=UserFactory(username="loop-maker"), title="Night loop", license="cc-by-nc"
    )
    log_in(page, UserFactory(username="remixer-keys"))

    # The source's page offers "Remix this": the upload page, with the source filled in.
    page.goto(f"/contributions/{source.id}/")
    tab_to(page, f"a[href$='?remix={source.id}']")
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/contributions/new/\?remix={source.id}$"))
    # NonCommercial: only CC BY-NC and CC BY-NC-SA are left to choose from.
    page.wait_for_function(
        "() => document.querySelector('select[name=license] option[value=hitrec]').disabled"
    )
    assert page.input_value("input[name=sources]") == str(source.id)

    tab_to(page, "input[name=title]")
    page.keyboard.type("Night loop, shared alike")
    tab_to(page, "textarea[name=text]")
    page.keyboard.type("Words over the loop.")
    tab_to(page, "select[name=license]")
    assert page.input_value("select[name=license]") == "cc-by-nc"
    page.keyboard.press("ArrowDown")  # past nothing it may not carry
    assert page.input_value("select[name=license]") == "cc-by-nc-sa"
    tab_to(page, "#upload-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/contributions/\d+/$"))

    remix = Contribution.objects.get(title="Night loop, shared alike")
    assert (remix.license, remix.author.username) == ("cc-by-nc-sa", "remixer-keys")
    assert RemixLink.objects.filter(source=source, remix=remix).exists()
    # The lineage in words names the source: open it with the keyboard.
    tab_to(page, "#lineage-in-words summary")
    page.keyboard.press("Enter")
    lineage = page.locator("#lineage-in-words")
    assert lineage.get_attribute("open") is not None
    assert "Night loop" in lineage.locator(f"a[href='/contributions/{source.id}/']").inner_text()


def test_a_licence_the_source_forbids_is_refused_where_the_keyboard_is(page, live_server):
    source = ContributionFactory(title="Night loop", license="cc-by-nc")
    log_in(page, UserFactory(username="hasty-keys"))
    page.goto("/contributions/new/")
    tab_to(page, "input[name=title]")
    page.keyboard.type("Public domain take")
    tab_to(page, "textarea[name=text]")
    page.keyboard.type("Words over the loop.")
    # CC0 first, then the source: Enter in the sources field sends the form at once.
    tab_to(page, "select[name=license]")
    page.keyboard.press("ArrowDown")
    assert page.input_value("select[name=license]") == "cc0"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("() => document.activeElement.name") == "sources"
    page.keyboard.type(str(source.id))
    page.keyboard.press("Enter")

    # The form comes back with the refusal, and the focus is on it (or on the field it is
    # about, which it describes), so a screen reader reads it out.
    page.wait_for_selector("#upload-form .errorlist")
    page.wait_for_function("() => document.activeElement !== document.body")
    assert "cannot be CC0 1.0" in focused_says(page)
    assert focus_is_visible(page)
    assert not Contribution.objects.filter(title="Public domain take").exists()


def test_upload_a_file_with_the_keyboard_and_hear_its_progress(page, live_server, monkeypatch):
    # Processing waits until the test lets it run, so the page shows the work being processed.
    held = []
    monkeypatch.setattr(media_tasks, "process_contribution", SimpleNamespace(delay=held.append))
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 800), (30, 120, 200)).save(buffer, "PNG")
    log_in(page, UserFactory(username="file-keys"))
    choosers = listen_for_file_choosers(page)
    page.goto("/contributions/new/")
    # Every text the upload's status line shows (it is aria-live); sessionStorage outlives
    # the navigation to the new work's page.
    page.evaluate(
        """() => { const status = document.querySelector('[data-upload-status]');
          new MutationObserver(() => { const said = JSON.parse(sessionStorage.said || '[]');
            said.push(status.textContent); sessionStorage.said = JSON.stringify(said); })
          .observe(status, {childList: true, characterData: true, subtree: true}); }"""
    )

    tab_to(page, "input[name=title]")
    page.keyboard.type("Blue, by keys")
    tab_to(page, "input[name=file]")
    assert focus_is_visible(page)
    chooser = press_space_for_file_chooser(page, choosers)
    chooser.set_files(
        files=[{"name": "blue.png", "mimeType": "image/png", "buffer": buffer.getvalue()}]
    )
    tab_to(page, "#upload-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/contributions/\d+/$"))

    said = page.evaluate("() => JSON.parse(sessionStorage.said || '[]')")
    assert said and said[0] == "Uploading…", said
    assert any(text.startswith("Uploading: ") for text in said), said
    status = page.locator("#processing [aria-live=polite]")
    assert status.get_attribute("role") == "status"
    assert status.inner_text() == "Processing: queued"

    work = Contribution.objects.get(title="Blue, by keys")
    assert held == [work.id]
    media_services.contribution_process(contribution_id=work.id)
    # The page follows the job and shows the picture once it is ready, without a reload.
    page.wait_for_selector(".viewer picture img", timeout=15_000)
    assert page.locator("#processing").count() == 0
    assert Contribution.objects.get(pk=work.pk).status == "ready"
