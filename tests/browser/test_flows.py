"""The main journeys in a real browser: upload and watch it process, remix, produce, get paid."""

import io
import re

import pytest
from PIL import Image

from contributions.models import Contribution, RemixLink
from projects.models import Submission
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.browser


def log_in(page, user):
    page.goto("/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard/$"))


def png_bytes(size=(900, 600)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.integration
def test_upload_shows_bytes_sent_then_processing_until_ready(page, celery_worker):
    artist = UserFactory()
    log_in(page, artist)
    page.goto("/contributions/new/")
    page.fill("input[name=title]", "Blue field")
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "blue.png", "mimeType": "image/png", "buffer": png_bytes()}],
    )

    page.click("#upload-form button[type=submit]")

    page.wait_for_url(re.compile(r"/contributions/\d+/$"))
    work = Contribution.objects.get(title="Blue field")
    # The worker processes it; the page follows without being reloaded by hand.
    page.wait_for_selector(".viewer picture img", timeout=30_000)
    assert Contribution.objects.get(pk=work.pk).status == "ready"
    assert page.locator("h1").inner_text().startswith("Blue field")


def test_the_upload_progress_bar_counts_bytes(page, live_server):
    artist = UserFactory()
    log_in(page, artist)
    page.goto("/contributions/new/")
    page.fill("input[name=title]", "Big blue")
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "big.png", "mimeType": "image/png", "buffer": png_bytes((2000, 1500))}],
    )
    # Note every value the bar shows; sessionStorage outlives the navigation that follows.
    page.evaluate(
        """() => { const bar = document.querySelector('[data-upload-progress]');
          new MutationObserver(() => { const seen = JSON.parse(sessionStorage.seen || '[]');
            seen.push(bar.value); sessionStorage.seen = JSON.stringify(seen); })
          .observe(bar, {attributes: true}); }"""
    )

    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(r"/contributions/\d+/$"))

    seen = page.evaluate("() => JSON.parse(sessionStorage.seen || '[]')")
    assert seen and max(seen) == 100
    assert Contribution.objects.filter(title="Big blue").exists()


def test_remix_offers_only_the_licenses_its_sources_allow(page, live_server):
    source = ContributionFactory(title="Shared loop", license="cc-by-sa")
    log_in(page, UserFactory())

    page.goto(f"/contributions/{source.id}/")
    page.click("text=Remix this")

    page.wait_for_url(re.compile(rf"/contributions/new/\?remix={source.id}$"))
    explanation = page.locator("[data-license-explanation]")
    explanation.wait_for()
    page.wait_for_function(
        "() => document.querySelector('select[name=license] option[value=cc-by]').disabled"
    )
    enabled = page.eval_on_selector_all(
        "select[name=license] option",
        "options => options.filter(o => !o.disabled).map(o => o.value)",
    )
    assert enabled == ["cc-by-sa"]
    assert "CC BY-SA" in explanation.inner_text()
    assert page.input_value("input[name=sources]") == str(source.id)

    page.fill("input[name=title]", "My take")
    page.fill("textarea[name=text]", "New words over the shared loop.")
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(r"/contributions/\d+/$"))
    remix = Contribution.objects.get(title="My take")
    assert remix.license == "cc-by-sa"
    assert RemixLink.objects.filter(source=source, remix=remix).exists()


def test_a_producer_assembles_credits_sees_the_split_releases_and_records_revenue(
    page, live_server
):
    producer, ana, bo = (
        UserFactory(username="prod"),
        UserFactory(username="ana"),
        UserFactory(username="bo"),
    )
    loop = ContributionFactory(author=ana, title="Loop")
    song = ContributionFactory(author=bo, title="Song")
    RemixLink.objects.create(source=loop, remix=song)
    project = make_project(owner=producer, title="Night Bus")
    Submission.objects.create(project=project, contribution=song, submitted_by=bo)
    log_in(page, producer)

    page.goto(f"/projects/{project.id}/desk/")
    page.click("text=Accept")
    preview = page.locator("[data-split-preview] table")
    preview.wait_for()
    assert "3/8" in preview.inner_text() and "1/8" in preview.inner_text()
    page.fill(f"input[name=weight-{song.id}]", "2")
    page.locator("[data-split-preview] table").wait_for()

    page.click("form[data-desk] button[type=submit]")  # unconfirmed: refused, nothing frozen
    assert "Tick the box" in page.locator(".messages").inner_text()
    page.check("input[name=confirm]")
    page.click("form[data-desk] button[type=submit]")

    page.wait_for_url(re.compile(rf"/projects/{project.id}/$"))
    split = page.locator("table.split").inner_text()
    assert "prod" in split and "1/2" in split and "37.50%" in split
    assert page.locator("#split svg.chart rect").count() == 3

    page.fill("input[name=amount]", "40.00")
    page.fill("input[name=note]", "first month of streams")
    page.click("#revenue button[type=submit]")
    assert "Recorded 40.00 USD" in page.locator(".messages").inner_text()
    assert "first month of streams" in page.locator("#revenue table").inner_text()

    page.context.clear_cookies()
    log_in(page, ana)
    assert "$5.00" in page.locator(".balance").inner_text()
    assert "“Loop”" in page.locator("table.lines").inner_text()
