"""The claim pages: the list of one's claims (staff: everyone's, their queue), one claim with
the forms its people answer it by, "this uses my work" beside a proposal's undeclared match,
and the claims on a work on its page. Each as each role; a refusal is a message and changes
nothing; the list reads a constant number of queries."""

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from claims import views
from claims.models import Claim
from claims.services import claim_create, claim_decline
from contributions.models import RemixLink
from proposals.models import Proposal
from proposals.services import proposal_publish, proposal_release
from tests.accounts.factories import StaffFactory, UserFactory
from tests.accounts.two_factor import signed_in_with_second_factor
from tests.claims import test_claims_api as claims_api
from tests.contributions.factories import ContributionFactory
from tests.proposals.factories import make_production

pytestmark = pytest.mark.django_db

# The API tests' people and works: Ana's poem, and Bo's song that the credit guard found it in.
people, poem, song = claims_api.people, claims_api.poem, claims_api.song
matched = claims_api.matched


@pytest.fixture
def claim(people, song, poem) -> Claim:
    return claim_create(
        actor=people["ana"], work=song, earlier=poem, message="Lines 3 to 9 are mine."
    )


@pytest.fixture
def staff():
    return StaffFactory(username="sam")


def signed_in(user) -> Client:
    """A browser's session for the person (staff: having passed their second factor, as staff
    pages need)."""
    client = Client()
    if user is None:
        return client
    if user.is_staff:
        return signed_in_with_second_factor(client, user)
    client.force_login(user)
    return client


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def claim_url(claim: Claim, verb: str = "") -> str:
    return f"/claims/{claim.id}/{verb + '/' if verb else ''}"


def state(claim: Claim) -> tuple:
    claim.refresh_from_db()
    return claim.status, claim.decided_by_id, claim.reason


# --- one claim: who sees it, and what -------------------------------------------------------


def test_the_claim_page_paths_are_the_ones_notifications_link_to(claim):
    assert reverse("claims:claim", args=[claim.id]) == f"/claims/{claim.id}/"
    assert reverse("claims:list") == "/claims/"


def test_each_party_reads_the_claim_with_the_forms_that_are_theirs(people, claim, staff):
    pages = {
        name: signed_in(user).get(claim_url(claim))
        for name, user in [("ana", people["ana"]), ("bo", people["bo"]), ("staff", staff)]
    }

    for page in pages.values():
        assert page.status_code == 200
        html = page.content.decode()
        assert f'<a href="/contributions/{claim.work_id}/" dir="auto">Song</a>' in html
        assert f'<a href="/contributions/{claim.earlier_id}/" dir="auto">Poem</a>' in html
        assert "Lines 3 to 9 are mine." in html
        assert "data-status>Open</span>" in html
    forms = {
        name: set(re.findall(r"data-claim-(accept|decline|withdraw|decide-accept|decide-decline)"
                             r"(?=[\s>])", page.content.decode()))
        for name, page in pages.items()
    }  # fmt: skip
    assert forms == {
        "bo": {"accept", "decline"},  # the remixer answers
        "ana": {"withdraw"},  # the claimant may take it back
        "staff": {"decide-accept", "decide-decline"},  # staff decide in the remixer's place
    }
    assert "Accept: add it as a source" in pages["bo"].content.decode()


def test_what_matched_is_shown_to_those_who_may_see_the_works_matches(people, claim, staff):
    remixer = signed_in(people["bo"]).get(claim_url(claim)).content.decode()
    claimant = signed_in(people["ana"]).get(claim_url(claim)).content.decode()
    by_staff = signed_in(staff).get(claim_url(claim)).content.decode()

    # The same words as on the work's page, from the same template.
    assert "almost certainly (93% sure)" in remixer
    assert "Their words, quoted in yours:" in remixer and "la la" in remixer
    assert "Their words, quoted in this work:" in by_staff
    # The claimant sees the claim, not the match on someone else's work.
    assert "data-matches-hidden" in claimant and "la la" not in claimant


def test_a_stranger_gets_404_and_the_anonymous_are_sent_to_log_in(people, claim):
    stranger = signed_in(people["cy"])
    anonymous = Client()
    verbs = ["", "accept", "decline", "decide", "withdraw"]

    for verb in verbs:
        method = "get" if not verb else "post"
        refused = getattr(stranger, method)(claim_url(claim, verb), {"reason": "No."})
        sent = getattr(anonymous, method)(claim_url(claim, verb), {"reason": "No."})
        assert refused.status_code == 404, verb
        assert b"Lines 3 to 9" not in refused.content
        assert sent.status_code == 302 and sent["Location"].startswith("/login/"), verb
    assert state(claim) == ("open", None, "")


# --- answering it --------------------------------------------------------------------------


def test_the_remixer_accepts_and_the_page_then_says_so(people, claim, song, poem):
    bo = signed_in(people["bo"])

    response = bo.post(claim_url(claim, "accept"))

    assert response.status_code == 302 and response["Location"] == claim_url(claim)
    assert said(response) == [
        "Accepted: “Poem” is now a source of your work, and its author is credited."
    ]
    assert state(claim) == ("accepted", people["bo"].id, "")
    assert RemixLink.objects.filter(remix=song, source=poem).exists()
    page = bo.get(claim_url(claim)).content.decode()
    assert "data-status>Accepted</span>" in page
    assert "data-claim-accept" not in page and "data-claim-decline" not in page
    assert f"data-claim-decided>by {people['bo'].public_name}, " in page


def test_declining_needs_a_reason_and_the_reason_is_shown(people, claim):
    bo = signed_in(people["bo"])

    refused = bo.post(claim_url(claim, "decline"), {"reason": "  "})
    assert said(refused) == ["Write a reason; it cannot be empty."]
    assert state(claim) == ("open", None, "")
    bo.get(refused["Location"])  # the page shows the message: it is said once

    declined = bo.post(claim_url(claim, "decline"), {"reason": "We both quote a folk song."})

    assert said(declined) == ["Declined: the person who asked is told why."]
    assert state(claim) == ("declined", people["bo"].id, "We both quote a folk song.")
    page = signed_in(people["ana"]).get(claim_url(claim)).content.decode()
    assert "data-status>Declined</span>" in page
    assert "We both quote a folk song." in page
    assert "data-claim-withdraw" not in page  # answered: nothing left to withdraw


@pytest.mark.parametrize(
    ("who", "verb", "data", "message"),
    [
        ("ana", "accept", {}, "Only the author of “Song”"),
        ("ana", "decline", {"reason": "Hm."}, "Only the author of “Song”"),
        ("bo", "withdraw", {}, "Only the person who made a claim can withdraw it."),
        ("bo", "decide", {"accept": "yes"}, "Only staff can decide a claim in the remixer"),
        ("ana", "decide", {"accept": "no", "reason": "Mine"}, "Only staff can decide"),
    ],
)
def test_a_refused_answer_is_a_message_and_changes_nothing(people, claim, who, verb, data, message):
    response = signed_in(people[who]).post(claim_url(claim, verb), data)

    assert response.status_code == 302 and response["Location"] == claim_url(claim)
    assert len(said(response)) == 1 and said(response)[0].startswith(message)
    assert state(claim) == ("open", None, "")
    assert not RemixLink.objects.exists()


def test_answering_twice_is_refused(people, claim):
    bo = signed_in(people["bo"])
    bo.post(claim_url(claim, "accept"))
    bo.get(claim_url(claim))

    again = bo.post(claim_url(claim, "decline"), {"reason": "Changed my mind."})

    assert said(again) == ["This claim is already accepted."]
    assert state(claim) == ("accepted", people["bo"].id, "")


def test_a_licence_refusal_keeps_the_claim_open_and_says_which_rule(people):
    photo = ContributionFactory(author=people["ana"], title="Photo", license="cc-by-nd")
    collage = ContributionFactory(author=people["bo"], title="Collage")
    matched(collage, photo)
    claim = claim_create(actor=people["ana"], work=collage, earlier=photo, message="")

    response = signed_in(people["bo"]).post(claim_url(claim, "accept"))

    [problem] = said(response)
    assert f"“Photo” (#{photo.id})" in problem and "CC BY-ND" in problem
    assert state(claim) == ("open", None, "")
    assert not RemixLink.objects.filter(remix=collage).exists()


def test_the_claimant_withdraws(people, claim):
    ana = signed_in(people["ana"])

    response = ana.post(claim_url(claim, "withdraw"))

    assert said(response) == ["Withdrawn: the work's author is told."]
    assert state(claim) == ("withdrawn", people["ana"].id, "")
    page = ana.get(claim_url(claim)).content.decode()
    assert "Withdrawn by the person who asked." in page and "data-claim-withdraw" not in page


def test_staff_decide_in_the_remixers_place(people, claim, staff, poem, song):
    sam = signed_in(staff)

    without_reason = sam.post(claim_url(claim, "decide"), {"accept": "no", "reason": ""})
    assert said(without_reason) == ["Write a reason; it cannot be empty."]
    assert state(claim) == ("open", None, "")
    sam.get(claim_url(claim))

    response = sam.post(claim_url(claim, "decide"), {"accept": "no", "reason": "Common phrase."})

    assert said(response) == ["Decided: the claim is declined, and both people are told why."]
    assert state(claim) == ("declined", staff.id, "Common phrase.")
    page = signed_in(people["bo"]).get(claim_url(claim)).content.decode()
    assert "staff, in the remixer's place" in page and "Common phrase." in page

    other = claim_create(actor=people["ana"], work=song, earlier=poem, message="")
    sam.get(claim_url(other))
    accepted = sam.post(claim_url(other, "decide"), {"accept": "yes", "reason": ""})
    assert said(accepted) == ["Decided: the claim is accepted, and both people are told."]
    assert state(other) == ("accepted", staff.id, "")
    assert RemixLink.objects.filter(remix=song, source=poem).exists()


def test_staff_without_a_second_factor_decide_nothing(people, claim, staff):
    client = Client()
    client.force_login(staff)  # a password alone: an ordinary person (accounts/two_factor.py)

    assert client.get(claim_url(claim)).status_code == 404
    assert client.post(claim_url(claim, "decide"), {"accept": "yes"}).status_code == 404
    assert state(claim) == ("open", None, "")


def test_a_reason_whose_writer_left_shows_as_removed(people, claim):
    claim_decline(claim=claim, actor=people["bo"], reason="Not hers.")
    Claim.objects.filter(pk=claim.pk).update(reason="", reason_removed_at=timezone.now())

    page = signed_in(people["ana"]).get(claim_url(claim)).content.decode()

    assert "removed: its writer closed their account" in page


def test_a_form_on_another_page_returns_there_but_never_off_the_site(people, claim, song):
    bo = signed_in(people["bo"])
    work_page = f"/contributions/{song.id}/#claims"

    back = bo.post(claim_url(claim, "decline"), {"reason": "", "next": work_page})
    elsewhere = bo.post(
        claim_url(claim, "decline"), {"reason": "", "next": "https://evil.example/"}
    )

    assert back["Location"] == work_page
    assert elsewhere["Location"] == claim_url(claim)


# --- "this uses my work" --------------------------------------------------------------------


def test_the_earlier_works_author_asks_and_lands_on_the_claim(people, song, poem):
    response = signed_in(people["ana"]).post(
        f"/contributions/{song.id}/claims/new/",
        {"earlier": poem.id, "message": "Stanza two.", "next": "/somewhere/"},
    )

    claim = Claim.objects.get()
    assert response.status_code == 302 and response["Location"] == claim_url(claim)
    assert said(response) == ["Asked: the author of “Song” is told."]
    assert (claim.work, claim.earlier, claim.claimant, claim.message, claim.status) == (
        song, poem, people["ana"], "Stanza two.", "open",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("who", "earlier", "message"),
    [
        ("cy", "poem", "Only the author of “Poem” (#{poem}) can ask to be credited for it."),
        ("ana", "", "Say which of your works this one uses."),
        ("ana", "nine", "There is no contribution #nine."),
        ("ana", "999999", "There is no contribution #999999."),
        ("ana", "unmatched", "The credit guard found nothing of “Other”"),
    ],
)
def test_a_refused_claim_is_a_message_back_where_it_was_asked(
    people, song, poem, who, earlier, message
):
    unmatched = ContributionFactory(author=people["ana"], title="Other")
    typed = {"poem": str(poem.id), "unmatched": str(unmatched.id)}.get(earlier, earlier)

    response = signed_in(people[who]).post(
        f"/contributions/{song.id}/claims/new/", {"earlier": typed, "next": "/proposals/1/"}
    )

    assert response.status_code == 302 and response["Location"] == "/proposals/1/"
    [problem] = said(response)
    assert problem.startswith(message.replace("{poem}", str(poem.id)))
    assert not Claim.objects.exists()


def test_asking_twice_is_refused_and_asking_needs_a_work_and_a_session(people, claim, song, poem):
    ana = signed_in(people["ana"])

    again = ana.post(f"/contributions/{song.id}/claims/new/", {"earlier": poem.id})
    no_work = ana.post("/contributions/999999/claims/new/", {"earlier": poem.id})
    anonymous = Client().post(f"/contributions/{song.id}/claims/new/", {"earlier": poem.id})

    assert again["Location"] == f"/contributions/{song.id}/"  # no `next`: the work's page
    assert said(again)[0].startswith("You already asked to be credited for “Poem”")
    assert no_work.status_code == 404
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    assert Claim.objects.count() == 1


# --- the list -------------------------------------------------------------------------------


def listed(client: Client, query: str = "") -> list[int]:
    response = client.get(f"/claims/{query}")
    assert response.status_code == 200
    return [int(i) for i in re.findall(r'<li data-claim="(\d+)"', response.content.decode())]


def test_each_person_lists_their_claims_and_staff_their_queue(people, claim, song, staff):
    other = ContributionFactory(author=people["ana"], title="Second poem")
    matched(song, other)
    declined = claim_create(actor=people["ana"], work=song, earlier=other, message="")
    claim_decline(claim=declined, actor=people["bo"], reason="No.")

    assert listed(signed_in(people["ana"])) == [declined.id, claim.id]  # newest first
    assert listed(signed_in(people["bo"])) == [declined.id, claim.id]
    assert listed(signed_in(people["bo"]), "?status=open") == [claim.id]
    assert listed(signed_in(people["bo"]), "?status=declined") == [declined.id]
    assert listed(signed_in(people["bo"]), "?status=nonsense") == [declined.id, claim.id]
    assert listed(signed_in(people["cy"])) == []
    assert listed(signed_in(people["cy"]), "?scope=all") == []  # not staff: their own only
    assert listed(signed_in(staff)) == []  # their own, by default
    assert listed(signed_in(staff), "?scope=all&status=open") == [claim.id]
    anonymous = Client().get("/claims/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")


def test_the_status_filters_are_links_that_keep_the_scope(people, claim, staff):
    page = signed_in(staff).get("/claims/?scope=all&status=open").content.decode()

    assert '<a href="?scope=all&amp;status=declined">Declined</a>' in page
    assert '<a href="?scope=all&amp;status=open" aria-current="page">Open</a>' in page
    assert '<a href="?status=open">Yours</a>' in page
    mine = signed_in(people["bo"]).get("/claims/").content.decode()
    assert "data-claim-scopes" not in mine
    assert '<a href="?" aria-current="page">All</a>' in mine


@pytest.mark.parametrize("page_size", [5, 30])
def test_the_list_reads_a_constant_number_of_queries(
    people, page_size, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(views, "CLAIMS_PAGE", page_size)
    bo = signed_in(people["bo"])

    def claims(count: int) -> None:
        for _n in range(count):
            earlier = ContributionFactory(author=UserFactory())
            later = ContributionFactory(author=people["bo"])
            matched(later, earlier)
            claim_create(actor=earlier.author, work=later, earlier=earlier, message="Mine.")

    claims(2)
    with django_assert_max_num_queries(12) as counted:
        assert len(listed(bo)) == 2
    claims(page_size + 3)
    with django_assert_max_num_queries(len(counted)):
        assert len(listed(bo)) == page_size


# --- where people meet it: a proposal, a work's page, the menu --------------------------------


@pytest.fixture
def production():
    """Night Bus's proposal credits Drums, which probably uses Tape (Dee's), uncredited."""
    p = make_production()
    p.dee = UserFactory(username="dee")
    p.tape = ContributionFactory(title="Tape", author=p.dee)
    matched(p.drums, p.tape)
    p.proposal = proposal_publish(
        project=p.project, actor=p.prod, credits=p.credits(drums=1), commercial=False
    )
    return p


def asks(client: Client, production) -> list[str]:
    page = client.get(f"/proposals/{production.proposal.id}/").content.decode()
    return re.findall(r'data-claim-ask>.*?name="earlier" value="(\d+)"', page, re.S)


def test_only_the_earlier_works_author_is_offered_to_ask_on_the_proposal(production):
    p = production
    assert asks(signed_in(p.dee), p) == [str(p.tape.id)]
    for reader in (None, p.prod, p.cy, p.fan, p.ana, p.bo):
        assert asks(signed_in(reader), p) == [], reader
    page = signed_in(p.dee).get(f"/proposals/{p.proposal.id}/").content.decode()
    assert "This uses my work: ask to be credited" in page
    assert f'action="/contributions/{p.drums.id}/claims/new/"' in page


def test_once_asked_the_proposal_links_to_the_claim(production):
    p = production
    dee = signed_in(p.dee)

    response = dee.post(
        f"/contributions/{p.drums.id}/claims/new/",
        {"earlier": p.tape.id, "next": f"/proposals/{p.proposal.id}/#comments"},
    )

    claim = Claim.objects.get()
    assert response["Location"] == claim_url(claim)
    page = dee.get(f"/proposals/{p.proposal.id}/").content.decode()
    assert asks(dee, p) == []
    assert f'<a href="/claims/{claim.id}/">You asked to be credited: see your claim</a>' in page


def test_the_proposal_reads_the_readers_claims_in_one_query(
    production, django_assert_max_num_queries
):
    p = production
    url = f"/proposals/{p.proposal.id}/"
    with django_assert_max_num_queries(80) as stranger:
        signed_in(p.fan).get(url)
    with django_assert_max_num_queries(len(stranger) + 1):
        assert signed_in(p.dee).get(url).status_code == 200


def test_the_works_page_lists_its_open_claims_to_its_author_and_staff_only(
    people, claim, song, staff
):
    url = f"/contributions/{song.id}/"
    pages = {
        name: signed_in(user).get(url).content.decode()
        for name, user in [
            ("bo", people["bo"]), ("staff", staff), ("ana", people["ana"]), ("cy", people["cy"]),
            ("anonymous", None),
        ]
    }  # fmt: skip

    assert "Claims on this work" in pages["bo"] and "Claims on this work" in pages["staff"]
    assert f'action="/claims/{claim.id}/accept/"' in pages["bo"]
    assert f'action="/claims/{claim.id}/decline/"' in pages["bo"]
    assert f'action="/claims/{claim.id}/accept/"' not in pages["staff"]  # decided on its page
    assert f'<a href="/claims/{claim.id}/">Claim #{claim.id}</a>' in pages["staff"]
    # The claimant sees how their own claim stands, not the others.
    assert "Your claims on this work" in pages["ana"]
    assert re.search(rf'data-claim="{claim.id}" data-claim-status="open"', pages["ana"])
    assert "Claims on this work" not in pages["ana"]
    for outsider in ("cy", "anonymous"):
        assert f"/claims/{claim.id}/" not in pages[outsider], outsider
        assert "data-work-claims" not in pages[outsider]
        assert "data-your-claims" not in pages[outsider]


def test_accepting_on_the_works_page_returns_to_it(people, claim, song, poem):
    response = signed_in(people["bo"]).post(
        claim_url(claim, "accept"), {"next": f"/contributions/{song.id}/#claims"}
    )

    assert response["Location"] == f"/contributions/{song.id}/#claims"
    assert state(claim)[0] == "accepted"
    page = signed_in(people["bo"]).get(f"/contributions/{song.id}/").content.decode()
    assert "Claims on this work" not in page  # none open now


def test_the_menu_links_the_claims_and_staff_pages_link_the_queue(people, staff):
    assert 'href="/claims/" data-nav-claims' in signed_in(people["bo"]).get("/").content.decode()
    assert "data-nav-claims" not in Client().get("/").content.decode()
    payouts = signed_in(staff).get("/staff/payouts/").content.decode()
    assert 'href="/claims/?scope=all&amp;status=open" data-staff-claims' in payouts


def test_a_released_proposal_offers_nothing_to_ask_once_the_work_is_named_a_source():
    # The release keeps its matches as they were; naming Tape since (a claim accepted, or
    # the remixer's own choice) leaves nothing to ask, and the page says so.
    dee = UserFactory(username="dee")
    tape = ContributionFactory(title="Tape", author=dee)  # older than Drums: it may be named
    p = make_production()
    matched(p.drums, tape)
    p.proposal = proposal_publish(
        project=p.project, actor=p.prod, credits=p.credits(drums=1), commercial=False
    )
    Proposal.objects.filter(pk=p.proposal.pk).update(
        window_ends_at=timezone.now() - dt.timedelta(seconds=1)
    )
    p.proposal.refresh_from_db()
    proposal_release(proposal=p.proposal, actor=p.prod)
    assert asks(signed_in(dee), p) == [str(tape.id)]

    RemixLink.objects.create(source=tape, remix=p.drums)

    page = signed_in(dee).get(f"/proposals/{p.proposal.id}/").content.decode()
    assert asks(signed_in(dee), p) == []
    assert "Named a source since: the next release credits you." in page
    assert f'data-match="{tape.id}"' in page  # the match itself stays, as released
