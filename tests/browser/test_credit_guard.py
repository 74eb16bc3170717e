"""The credit guard in a real browser (issue 24): an artist uploads a text quoting another's
poem without naming it, their work's page says "this looks like it uses …", one click adds the
poem as a source, and the page then credits it. The desk and the payment proposal list the
credited works' undeclared matches. Every page here passes axe and fits a phone."""

import re
from fractions import Fraction

import pytest

from contributions.models import Contribution, RemixLink
from media.models import CreditMatch
from projects.models import Submission
from projects.services import CreditInput
from proposals.services import proposal_publish
from tests.accounts.factories import UserFactory
from tests.browser.fixtures import log_in
from tests.browser.test_accessibility import serious_problems, sideways_on_a_phone
from tests.contributions.factories import ContributionFactory
from tests.media import fingerprint_samples as samples
from tests.projects.factories import make_project

pytestmark = pytest.mark.browser


def upload_text(page, title: str, text: str) -> Contribution:
    """Write a text on the upload page, as a person does; its job runs once the upload
    commits (the embedded default), and the page follows it until it is ready."""
    page.goto("/contributions/new/")
    page.fill("input[name=title]", title)
    page.fill("textarea[name=text]", text)
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(r"/contributions/\d+/(#.*)?$"))
    work = Contribution.objects.get(title=title)
    page.wait_for_selector(f"article[data-contribution='{work.id}'][data-status='ready']")
    return work


def test_add_it_as_a_source_credits_the_work_the_upload_quotes(browser, live_server):
    ana, bo = UserFactory(username="ana"), UserFactory(username="bo")
    poem = samples.prose(31, 300)
    writing = browser.new_context(base_url=live_server.url).new_page()
    remixing = browser.new_context(base_url=live_server.url).new_page()

    log_in(writing, ana)
    source = upload_text(writing, "The poem", poem)

    # Bo quotes 80 words of it in a new text and names no source.
    log_in(remixing, bo)
    verse = upload_text(
        remixing, "New verse", samples.quoted_in(samples.passage(poem, seed=8), seed=9)
    )
    assert CreditMatch.objects.filter(work=verse, earlier=source).exists()

    match = remixing.locator(f"#matches li[data-match='{source.id}']")
    match.wait_for()
    assert "This looks like it uses:" in match.inner_text()
    assert "The poem" in match.locator(".match-work").inner_text()
    assert "not credited" in match.inner_text()
    assert (
        match.locator("[data-match-quote]").inner_text().split()[:3]
        == (CreditMatch.objects.get(work=verse).detail["quoted_text"].split()[:3])
    )
    assert (
        remixing.locator("section:has(h2:text-is('Built on'))")
        .inner_text()
        .endswith("An original: it names no sources.")
    )
    assert serious_problems(remixing) + sideways_on_a_phone(remixing) == []

    match.get_by_role("button", name="Add it as a source").click()

    remixing.wait_for_url(re.compile(rf"/contributions/{verse.id}/#matches$"))
    assert "now credited" in remixing.locator(".messages").inner_text()
    match = remixing.locator(f"#matches li[data-match='{source.id}']")
    assert "declared source" in match.inner_text()
    assert match.locator("form[data-add-source]").count() == 0
    built_on = remixing.locator("section:has(h2:text-is('Built on'))")
    assert built_on.get_by_role("link", name="The poem").get_attribute("href") == (
        f"/contributions/{source.id}/"
    )
    remixing.click("#lineage-in-words summary")
    assert "The poem" in remixing.locator("#lineage-in-words").inner_text()
    assert list(RemixLink.objects.filter(remix=verse).values_list("source_id", flat=True)) == [
        source.id
    ]
    assert serious_problems(remixing) + sideways_on_a_phone(remixing) == []

    # Ana, and anyone else, sees none of it on Bo's page.
    writing.goto(f"/contributions/{verse.id}/")
    assert writing.locator("#matches").count() == 0


def test_the_desk_and_the_proposal_list_undeclared_matches_accessibly(page, live_server):
    producer = UserFactory(username="prod")
    earlier = ContributionFactory(title="Harbour at dawn", author=UserFactory(username="dee"))
    work = ContributionFactory(title="Collage", author=UserFactory(username="bo"))
    project = make_project(owner=producer, title="Night Bus")
    Submission.objects.create(
        project=project, contribution=work, submitted_by=work.author, status="accepted"
    )
    long_word = "x" * 300  # a quoted passage must not widen a phone's page
    CreditMatch.objects.create(
        work=work, earlier=earlier, kind="text", score=0.88,
        detail={"quoted_text": f"the sea at dawn {long_word}", "work_chars": [0, 1],
                "earlier_chars": [0, 1]},
    )  # fmt: skip
    proposal = proposal_publish(
        project=project, actor=producer, commercial=False,
        credits=[CreditInput(work.id, Fraction(1))],
    )  # fmt: skip
    log_in(page, producer)

    page.goto(f"/projects/{project.id}/desk/")
    listed = page.locator(f"#undeclared-matches li[data-credited='{work.id}']")
    assert "Collage" in listed.inner_text() and "Harbour at dawn" in listed.inner_text()
    assert "very likely (88% sure)" in listed.inner_text()
    assert serious_problems(page) + sideways_on_a_phone(page) == []

    page.goto(f"/proposals/{proposal.id}/")
    shown = page.locator("#comments [data-undeclared-matches]")
    assert "Harbour at dawn" in shown.inner_text() and "the sea at dawn" in shown.inner_text()
    assert serious_problems(page) + sideways_on_a_phone(page) == []
