"""A claim of credit in a real browser: the author of an earlier work finds it among a payment
proposal's undeclared matches and asks to be credited from there; the remixer reads the claim,
with what matched, and declines it with a reason; the claimant then reads the answer. The
claim's page passes axe and fits a phone, for both of them."""

import re
from fractions import Fraction

import pytest

from claims.models import Claim
from media.models import CreditMatch
from projects.models import Submission
from projects.services import CreditInput
from proposals.services import proposal_publish
from tests.accounts.factories import UserFactory
from tests.browser.fixtures import log_in
from tests.browser.test_accessibility import serious_problems, sideways_on_a_phone
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.browser


def test_the_earlier_author_claims_from_the_proposal_and_the_remixer_declines(browser, live_server):
    dee, bo, producer = (UserFactory(username=name) for name in ("dee", "bo", "prod"))
    poem = ContributionFactory(title="Harbour at dawn", author=dee)
    song = ContributionFactory(title="Collage", author=bo)
    project = make_project(owner=producer, title="Night Bus")
    Submission.objects.create(
        project=project, contribution=song, submitted_by=bo, status="accepted"
    )
    CreditMatch.objects.create(
        work=song, earlier=poem, kind="text", score=0.88,
        detail={"quoted_text": "the sea at dawn", "work_chars": [0, 15],
                "earlier_chars": [40, 55]},
    )  # fmt: skip
    proposal = proposal_publish(
        project=project, actor=producer, commercial=False,
        credits=[CreditInput(song.id, Fraction(1))],
    )  # fmt: skip
    claiming = browser.new_context(base_url=live_server.url).new_page()
    answering = browser.new_context(base_url=live_server.url).new_page()

    # Dee reads the proposal: Collage looks like it uses her poem, and she may say so.
    log_in(claiming, dee)
    claiming.goto(f"/proposals/{proposal.id}/")
    match = claiming.locator(f"#undeclared-matches li[data-match='{poem.id}']")
    assert "Harbour at dawn" in match.inner_text()
    match.get_by_label("A message for its author (optional)").fill("The second verse is mine.")
    match.get_by_role("button", name="This uses my work: ask to be credited").click()

    claiming.wait_for_url(re.compile(r"/claims/\d+/$"))
    claim = Claim.objects.get()
    assert claiming.url.endswith(f"/claims/{claim.id}/")
    assert "Asked: the author of “Collage” is told." in claiming.locator(".messages").inner_text()
    assert claiming.locator("h1 [data-status]").inner_text() == "Open"
    assert "The second verse is mine." in claiming.locator("[data-claim-message]").inner_text()
    assert claiming.locator("form[data-claim-withdraw]").count() == 1
    assert serious_problems(claiming) + sideways_on_a_phone(claiming) == []
    # Back on the proposal, a link to the claim replaces the form.
    claiming.goto(f"/proposals/{proposal.id}/")
    assert match.locator("form[data-claim-ask]").count() == 0
    assert match.get_by_role("link", name="You asked to be credited: see your claim").count() == 1

    # Bo, the remixer, finds it in his claims and declines it, saying why.
    log_in(answering, bo)
    answering.get_by_role("link", name="Claims", exact=True).click()
    answering.locator(f"li[data-claim='{claim.id}']").get_by_role(
        "link", name=f"Claim #{claim.id}"
    ).click()
    answering.wait_for_url(re.compile(rf"/claims/{claim.id}/$"))
    assert "the sea at dawn" in answering.locator("#matches").inner_text()
    assert "very likely (88% sure)" in answering.locator("#matches").inner_text()
    assert serious_problems(answering) + sideways_on_a_phone(answering) == []
    answering.get_by_label("Why your work does not use it").fill("We both quote a folk song.")
    answering.locator("form[data-claim-decline]").get_by_role("button", name="Decline").click()

    answering.wait_for_url(re.compile(rf"/claims/{claim.id}/$"))
    assert "Declined: the person who asked is told why." in (
        answering.locator(".messages").inner_text()
    )
    assert answering.locator("h1 [data-status]").inner_text() == "Declined"
    assert answering.locator("form[data-claim-accept]").count() == 0
    claim.refresh_from_db()
    assert (claim.status, claim.reason) == ("declined", "We both quote a folk song.")

    # Dee reads the answer; there is nothing left for her to withdraw.
    claiming.goto(f"/claims/{claim.id}/")
    assert claiming.locator("h1 [data-status]").inner_text() == "Declined"
    assert "We both quote a folk song." in claiming.locator("[data-claim-reason]").inner_text()
    assert claiming.locator("form[data-claim-withdraw]").count() == 0
    assert serious_problems(claiming) + sideways_on_a_phone(claiming) == []
