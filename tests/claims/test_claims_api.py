"""The claims API: "this uses my work" (POST /api/contributions/{id}/claims/), the lists, the
remixer's answer, staff's decision; who is told at each step, and the data export."""

import json
import zipfile

import pytest
from django.core.files.storage import default_storage

from accounts.services import data_export_build, data_export_request
from claims.models import Claim
from contributions.models import RemixLink
from media.models import CreditMatch
from notifications.models import Notification
from tests.accounts.factories import StaffFactory, UserFactory
from tests.contributions.factories import ContributionFactory

pytestmark = pytest.mark.django_db


def matched(work, earlier):
    return CreditMatch.objects.create(
        work=work, earlier=earlier, kind="text", score=0.93, detail={"quoted_text": "la la"}
    )


@pytest.fixture
def people():
    return {name: UserFactory(username=name) for name in ("ana", "bo", "cy")}


@pytest.fixture
def poem(people):
    return ContributionFactory(author=people["ana"], title="Poem", license="cc-by")


@pytest.fixture
def song(people, poem):
    song = ContributionFactory(author=people["bo"], title="Song", license="cc-by")
    matched(song, poem)
    return song


@pytest.fixture
def as_user(api_client):
    def client(user):
        api_client.force_authenticate(user)
        return api_client

    return client


def claim_through_api(as_user, ana, song, poem, message="Lines 3 to 9 are mine."):
    return as_user(ana).post(
        f"/api/contributions/{song.id}/claims/", {"earlier": poem.id, "message": message}
    )


def inbox(user) -> list[tuple[str, str]]:
    return [(n.kind, n.text) for n in Notification.objects.filter(recipient=user).order_by("id")]


# --- making a claim -------------------------------------------------------------------------


def test_the_poet_claims_credit_in_the_song_that_quotes_her(as_user, people, song, poem):
    response = claim_through_api(as_user, people["ana"], song, poem)

    assert response.status_code == 201
    body = response.json()
    claim = Claim.objects.get()
    assert body == {
        "id": claim.id,
        "work": {"id": song.id, "title": "Song",
                 "author": {"id": people["bo"].id, "username": "bo"}},
        "earlier": {"id": poem.id, "title": "Poem",
                    "author": {"id": people["ana"].id, "username": "ana"}},
        "claimant": {"id": people["ana"].id, "username": "ana"},
        "message": "Lines 3 to 9 are mine.",
        "status": "open",
        "decided_by": None,
        "reason": "",
        "reason_removed": False,
        "created_at": body["created_at"],
        "decided_at": None,
    }  # fmt: skip


def test_a_claim_is_refused_with_the_reason(as_user, people, song, poem):
    unmatched = ContributionFactory(author=people["bo"], title="Other")

    not_hers = claim_through_api(as_user, people["cy"], song, poem)
    no_match = as_user(people["ana"]).post(
        f"/api/contributions/{unmatched.id}/claims/", {"earlier": poem.id}
    )
    no_work = as_user(people["ana"]).post("/api/contributions/999999/claims/", {"earlier": poem.id})
    no_earlier = as_user(people["ana"]).post(
        f"/api/contributions/{song.id}/claims/", {"earlier": 999999}
    )
    unknown_field = as_user(people["ana"]).post(
        f"/api/contributions/{song.id}/claims/", {"earlier": poem.id, "status": "accepted"}
    )
    anonymous = as_user(None).post(f"/api/contributions/{song.id}/claims/", {"earlier": poem.id})

    assert not_hers.status_code == 403
    assert not_hers.json()["detail"] == (
        f"Only the author of “Poem” (#{poem.id}) can ask to be credited for it."
    )
    assert no_match.status_code == 400
    assert "found nothing of “Poem”" in no_match.json()["earlier"][0]
    assert no_work.status_code == 404
    assert no_earlier.json() == {"earlier": ["There is no contribution #999999."]}
    assert unknown_field.status_code == 400 and "status" in unknown_field.json()
    assert anonymous.status_code in (401, 403)
    assert not Claim.objects.exists()


def test_an_already_declared_source_is_not_claimed(as_user, people, poem):
    song = ContributionFactory(author=people["bo"], title="Song")
    RemixLink.objects.create(source=poem, remix=song, source_license=poem.license)
    matched(song, poem)

    response = claim_through_api(as_user, people["ana"], song, poem)

    assert response.status_code == 400
    assert "already names “Poem”" in response.json()["earlier"][0]


# --- lists and reading one ------------------------------------------------------------------


def test_each_person_lists_the_claims_they_made_and_those_on_their_works(
    as_user, people, song, poem
):
    mine = claim_through_api(as_user, people["ana"], song, poem).json()["id"]
    other_song = ContributionFactory(author=people["cy"], title="Not Bo's")
    matched(other_song, poem)
    theirs = claim_through_api(as_user, people["ana"], other_song, poem).json()["id"]
    staff = StaffFactory()

    def ids(user, query=""):
        response = as_user(user).get(f"/api/claims/{query}")
        assert response.status_code == 200
        return [claim["id"] for claim in response.json()["results"]]

    assert ids(people["ana"]) == [theirs, mine]  # newest first
    assert ids(people["bo"]) == [mine]
    assert ids(people["cy"]) == [theirs]
    assert ids(UserFactory()) == []
    assert ids(staff, "?status=open") == [theirs, mine]
    assert ids(staff, "?status=declined") == []
    assert ids(staff, "?mine=true") == []
    assert as_user(staff).get("/api/claims/?status=maybe").status_code == 400


def test_only_its_people_and_staff_read_a_claim(as_user, people, song, poem):
    claim_id = claim_through_api(as_user, people["ana"], song, poem).json()["id"]

    for reader in (people["ana"], people["bo"], StaffFactory()):
        assert as_user(reader).get(f"/api/claims/{claim_id}/").json()["id"] == claim_id
    stranger = as_user(people["cy"]).get(f"/api/claims/{claim_id}/")
    assert stranger.status_code == 404
    assert stranger.json()["detail"] == "No claim with that id."


def test_the_list_reads_a_constant_number_of_queries(
    as_user, people, django_assert_max_num_queries
):
    staff = StaffFactory()
    for n in range(6):
        earlier = ContributionFactory(author=UserFactory(), title=f"Source {n}")
        later = ContributionFactory(author=people["bo"], title=f"Song {n}")
        matched(later, earlier)
        claim_through_api(as_user, earlier.author, later, earlier)
        if n % 2:
            as_user(staff).post(
                f"/api/claims/{Claim.objects.latest('id').id}/decide/",
                {"accept": False, "reason": "Common words."},
            )

    with django_assert_max_num_queries(2):  # the count, then the page with both works and people
        listed = as_user(people["bo"]).get("/api/claims/").json()
    with django_assert_max_num_queries(2):
        queue = as_user(staff).get("/api/claims/?status=open").json()

    assert listed["count"] == 6 and len(queue["results"]) == 3


# --- answering ------------------------------------------------------------------------------


def test_the_remixer_accepts_and_the_poem_becomes_a_source(as_user, people, song, poem):
    claim_id = claim_through_api(as_user, people["ana"], song, poem).json()["id"]

    refused = as_user(people["ana"]).post(f"/api/claims/{claim_id}/accept/")
    response = as_user(people["bo"]).post(f"/api/claims/{claim_id}/accept/")

    assert refused.status_code == 403
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    assert response.json()["decided_by"] == {"id": people["bo"].id, "username": "bo"}
    assert RemixLink.objects.filter(remix=song, source=poem).exists()
    assert as_user(people["bo"]).get(f"/api/contributions/{song.id}/").json()["sources"] == [
        poem.id
    ]
    again = as_user(people["bo"]).post(f"/api/claims/{claim_id}/accept/")
    assert again.status_code == 400
    assert again.json()["detail"] == "This claim is already accepted."


def test_a_licence_refusal_is_a_400_that_explains_and_the_claim_stays_open(as_user, people):
    photo = ContributionFactory(author=people["ana"], title="Photo", license="cc-by-nd")
    collage = ContributionFactory(author=people["bo"], title="Collage")
    matched(collage, photo)
    claim_id = claim_through_api(as_user, people["ana"], collage, photo).json()["id"]

    response = as_user(people["bo"]).post(f"/api/claims/{claim_id}/accept/")

    assert response.status_code == 400
    [reason] = response.json()["sources"]
    assert f"“Photo” (#{photo.id})" in reason and "CC BY-ND" in reason
    assert Claim.objects.get(pk=claim_id).status == "open"
    assert not RemixLink.objects.filter(remix=collage).exists()


def test_the_remixer_declines_with_a_reason(as_user, people, song, poem):
    claim_id = claim_through_api(as_user, people["ana"], song, poem).json()["id"]

    without = as_user(people["bo"]).post(f"/api/claims/{claim_id}/decline/", {})
    response = as_user(people["bo"]).post(
        f"/api/claims/{claim_id}/decline/", {"reason": "We both quote a folk song."}
    )

    assert without.status_code == 400
    assert without.json() == {"reason": ["Write a reason; it cannot be empty."]}
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["reason"]) == (
        "declined", "We both quote a folk song.",
    )  # fmt: skip
    assert not RemixLink.objects.filter(remix=song).exists()


def test_staff_decide_and_nobody_else_does(as_user, people, song, poem):
    claim_id = claim_through_api(as_user, people["ana"], song, poem).json()["id"]
    staff = StaffFactory()

    by_remixer = as_user(people["bo"]).post(f"/api/claims/{claim_id}/decide/", {"accept": True})
    by_stranger = as_user(people["cy"]).post(f"/api/claims/{claim_id}/decide/", {"accept": True})
    without_reason = as_user(staff).post(f"/api/claims/{claim_id}/decide/", {"accept": False})
    response = as_user(staff).post(
        f"/api/claims/{claim_id}/decide/", {"accept": True, "reason": "The stanza is hers."}
    )

    assert by_remixer.status_code == 403
    assert by_remixer.json()["detail"] == "Only staff can decide a claim in the remixer's place."
    assert by_stranger.status_code == 404
    assert without_reason.status_code == 400 and "reason" in without_reason.json()
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["reason"]) == (
        "accepted", "The stanza is hers.",
    )  # fmt: skip
    assert RemixLink.objects.filter(remix=song, source=poem).exists()


# --- who is told ----------------------------------------------------------------------------


def test_every_step_is_told_to_the_other_side(
    as_user, people, song, poem, django_capture_on_commit_callbacks, mailoutbox
):
    ana, bo = people["ana"], people["bo"]
    with django_capture_on_commit_callbacks(execute=True):
        claim_id = claim_through_api(as_user, ana, song, poem).json()["id"]
    assert inbox(bo) == [
        ("claim_made", "ana asks to be credited in your “Song”: they say it uses their “Poem”. "
                       "Accept it (it becomes a source) or decline it with a reason. "
                       "Message: Lines 3 to 9 are mine."),
    ]  # fmt: skip
    assert inbox(ana) == []

    with django_capture_on_commit_callbacks(execute=True):
        as_user(bo).post(f"/api/claims/{claim_id}/accept/")

    # One message to Ana, the answer to her claim (not also "bo remixed your Poem").
    assert inbox(ana) == [
        ("claim_answered", "bo accepted your claim: “Song” now names your “Poem” as a source."),
    ]
    notification = Notification.objects.get(recipient=ana)
    # Every claim notification opens the claim's page, where it is answered.
    assert (notification.actor, notification.link) == (bo, f"/claims/{claim_id}/")
    assert notification.email_status == "sent"  # at once, by default
    assert [(mail.to, mail.subject) for mail in mailoutbox][-1] == (
        ["ana@example.org"],
        "hitrec: bo accepted your claim: “Song” now names your “Poem” as a source.",
    )
    assert [kind for kind, _ in inbox(bo)] == ["claim_made"]


def test_a_declined_claim_tells_the_claimant_why(
    as_user, people, song, poem, django_capture_on_commit_callbacks
):
    claim_id = claim_through_api(as_user, people["ana"], song, poem).json()["id"]

    with django_capture_on_commit_callbacks(execute=True):
        as_user(people["bo"]).post(f"/api/claims/{claim_id}/decline/", {"reason": "Folk song."})

    assert inbox(people["ana"]) == [
        ("claim_answered", "bo declined your claim that “Song” uses your “Poem”. "
                           "Reason: Folk song."),
    ]  # fmt: skip


def test_a_staff_decision_is_told_to_both(
    as_user, people, song, poem, django_capture_on_commit_callbacks
):
    claim_id = claim_through_api(as_user, people["ana"], song, poem).json()["id"]
    staff = StaffFactory()

    with django_capture_on_commit_callbacks(execute=True):
        as_user(staff).post(
            f"/api/claims/{claim_id}/decide/", {"accept": False, "reason": "Common phrase."}
        )

    assert inbox(people["ana"]) == [
        ("claim_decided", "Staff declined your claim that “Song” uses your “Poem”. "
                          "Reason: Common phrase."),
    ]  # fmt: skip
    assert inbox(people["bo"]) == [
        ("claim_decided", "Staff declined the claim of ana that your “Song” uses their “Poem”. "
                          "Reason: Common phrase."),
    ]  # fmt: skip
    assert inbox(staff) == []


def test_a_staff_acceptance_is_told_to_both_once(
    as_user, people, song, poem, django_capture_on_commit_callbacks
):
    claim_id = claim_through_api(as_user, people["ana"], song, poem).json()["id"]

    with django_capture_on_commit_callbacks(execute=True):
        as_user(StaffFactory()).post(f"/api/claims/{claim_id}/decide/", {"accept": True})

    assert inbox(people["ana"]) == [
        ("claim_decided", "Staff accepted your claim: “Song” now names your “Poem” as a source."),
    ]
    assert inbox(people["bo"])[-1] == (
        "claim_decided",
        "Staff accepted the claim of ana: your “Song” now names their “Poem” as a source.",
    )


def test_the_claimant_withdraws_through_the_api_and_the_remixer_is_told(
    as_user, people, song, poem, django_capture_on_commit_callbacks
):
    ana, bo = people["ana"], people["bo"]
    claim_id = claim_through_api(as_user, ana, song, poem).json()["id"]

    by_remixer = as_user(bo).post(f"/api/claims/{claim_id}/withdraw/")
    by_stranger = as_user(people["cy"]).post(f"/api/claims/{claim_id}/withdraw/")
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(ana).post(f"/api/claims/{claim_id}/withdraw/")
    again = as_user(ana).post(f"/api/claims/{claim_id}/withdraw/")

    assert by_remixer.status_code == 403
    assert by_remixer.json()["detail"] == "Only the person who made a claim can withdraw it."
    assert by_stranger.status_code == 404
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["decided_by"]["username"]) == (
        "withdrawn", "ana",
    )  # fmt: skip
    assert again.status_code == 400 and "already withdrawn" in str(again.json())
    assert inbox(bo)[-1] == (
        "claim_made",
        "ana withdrew their claim that your “Song” uses their “Poem”: there is nothing to answer.",
    )
    assert inbox(ana) == []


def test_someone_who_turned_claims_off_is_not_told(
    as_user, people, song, poem, django_capture_on_commit_callbacks
):
    as_user(people["bo"]).put("/api/notifications/preferences/", {"claim_made": "off"})

    with django_capture_on_commit_callbacks(execute=True):
        claim_through_api(as_user, people["ana"], song, poem)

    assert inbox(people["bo"]) == []


# --- the data export ------------------------------------------------------------------------


def exported_claims(user) -> list[dict]:
    export = data_export_request(user=user)
    data_export_build(export_id=export.id)
    export.refresh_from_db()
    with default_storage.open(export.file.name) as stored, zipfile.ZipFile(stored) as archive:
        return json.loads(archive.read("claims.json"))


def test_every_claim_made_or_received_is_in_the_export_with_each_step(as_user, people, song, poem):
    ana, bo = people["ana"], people["bo"]
    declined_id = claim_through_api(as_user, ana, song, poem).json()["id"]
    as_user(bo).post(f"/api/claims/{declined_id}/decline/", {"reason": "Folk song."})
    accepted_id = claim_through_api(as_user, ana, song, poem, message="Notebook").json()["id"]
    as_user(StaffFactory()).post(f"/api/claims/{accepted_id}/decide/", {"accept": True})
    other = ContributionFactory(author=ana, title="Other poem")
    matched(song, other)
    withdrawn_id = (
        as_user(ana)
        .post(f"/api/contributions/{song.id}/claims/", {"earlier": other.id})
        .json()["id"]
    )
    as_user(ana).post(f"/api/claims/{withdrawn_id}/withdraw/")

    made, received = exported_claims(ana), exported_claims(bo)

    work = {"id": song.id, "title": "Song", "author": "bo"}
    earlier = {"id": poem.id, "title": "Poem", "author": "ana"}
    assert [(c["id"], c["role"], c["status"], c["decided_by"], c["reason"]) for c in made] == [
        (declined_id, "made", "declined", "remixer", "Folk song."),
        (accepted_id, "made", "accepted", "staff", ""),
        (withdrawn_id, "made", "withdrawn", "claimant", ""),
    ]
    assert [(c["work"], c["earlier"], c["message"]) for c in made][:2] == [
        (work, earlier, "Lines 3 to 9 are mine."),
        (work, earlier, "Notebook"),
    ]
    assert all(c["created_at"] and c["decided_at"] for c in made)
    assert [(c["id"], c["role"]) for c in received] == [
        (declined_id, "received"),
        (accepted_id, "received"),
        (withdrawn_id, "received"),
    ]
    assert exported_claims(people["cy"]) == []
