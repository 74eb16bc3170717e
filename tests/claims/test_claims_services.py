"""Claims through their services: the earlier work's author asks for credit, the remixer
accepts (the source is added under the licence rules) or declines with a reason, staff decide
in their place; every refusal names its reason, and the database keeps the rules too."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.services import account_delete
from claims.models import Claim
from claims.services import (
    claim_accept,
    claim_create,
    claim_decide,
    claim_decline,
    claim_withdraw,
)
from contributions.models import RemixLink
from contributions.services import contribution_delete, remix_sources_set
from hitrec.models import AuditEntry
from media.models import CreditMatch
from tests.accounts.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory
from tests.accounts.two_factor import signed_in_with_second_factor
from tests.contributions.factories import ContributionFactory, RemixLinkFactory

pytestmark = pytest.mark.django_db


def matched(work, earlier, score=0.9):
    """What the credit guard records when `work` quotes `earlier` (media.credit_guard)."""
    return CreditMatch.objects.create(
        work=work, earlier=earlier, kind="text", score=score,
        detail={"quoted_text": "the night bus hums", "work_chars": [0, 18],
                "earlier_chars": [4, 22]},
    )  # fmt: skip


@pytest.fixture
def ana():
    """The poet: her poem is quoted in Bo's song."""
    return UserFactory(username="ana")


@pytest.fixture
def bo():
    return UserFactory(username="bo")


@pytest.fixture
def poem(ana):
    return ContributionFactory(author=ana, title="Poem", license="cc-by")


@pytest.fixture
def song(bo, poem):
    song = ContributionFactory(author=bo, title="Song", license="cc-by")
    matched(song, poem)
    return song


def claimed(ana, song, poem, message="Lines 3 to 9 are mine."):
    return claim_create(actor=ana, work=song, earlier=poem, message=message)


def sources_of(work) -> list[int]:
    return sorted(RemixLink.objects.filter(remix=work).values_list("source_id", flat=True))


# --- making a claim -------------------------------------------------------------------------


def test_the_earlier_works_author_claims_credit_in_a_work_that_matched_it(ana, song, poem):
    claim = claimed(ana, song, poem)

    assert (claim.work, claim.earlier, claim.claimant) == (song, poem, ana)
    assert (claim.status, claim.message) == ("open", "Lines 3 to 9 are mine.")
    assert (claim.decided_by, claim.decided_at, claim.reason) == (None, None, "")
    assert sources_of(song) == []  # nothing changes until the remixer answers


def test_only_the_earlier_works_author_may_claim_it(bo, song, poem):
    for someone in (bo, UserFactory(), StaffFactory()):
        with pytest.raises(PermissionDenied, match="Only the author of “Poem”"):
            claimed(someone, song, poem)
    assert not Claim.objects.exists()


def test_a_claim_needs_a_match(ana, bo, poem):
    unmatched = ContributionFactory(author=bo, title="Other song")

    with pytest.raises(ValidationError) as refused:
        claimed(ana, unmatched, poem)

    assert "The credit guard found nothing of “Poem”" in refused.value.message_dict["earlier"][0]


def test_a_declared_source_or_one_in_the_lineage_is_credited_already(ana, bo, poem):
    declared = ContributionFactory(author=bo, title="Declared")
    RemixLinkFactory(source=poem, remix=declared)
    matched(declared, poem)
    upstream = ContributionFactory(author=bo, title="Through a source")
    RemixLinkFactory(source=declared, remix=upstream)
    matched(upstream, poem)

    with pytest.raises(ValidationError) as as_source:
        claimed(ana, declared, poem)
    with pytest.raises(ValidationError) as in_lineage:
        claimed(ana, upstream, poem)

    assert "already names “Poem”" in as_source.value.message_dict["earlier"][0]
    assert (
        "already in the lineage of “Through a source”"
        in (in_lineage.value.message_dict["earlier"][0])
    )


def test_nobody_claims_credit_in_their_own_work(ana, poem):
    own = ContributionFactory(author=ana, title="My later poem")
    matched(own, poem)

    with pytest.raises(ValidationError, match="is your own work"):
        claimed(ana, own, poem)


def test_no_claim_on_a_deleted_work_or_for_one(ana, bo):
    gone = ContributionFactory(author=ana, title="Gone")
    poem = ContributionFactory(author=ana, title="Poem")
    song = ContributionFactory(author=bo, title="Song")
    matched(song, gone)
    matched(song, poem)
    gone.removed_at = timezone.now()  # deleted by Ana, a tombstone in some lineage
    gone.save()

    with pytest.raises(ValidationError, match="“Gone” .* was deleted"):
        claimed(ana, song, gone)
    song.removed_at = timezone.now()
    song.save()
    with pytest.raises(ValidationError, match="“Song” .* was deleted"):
        claimed(ana, song, poem)


def test_one_open_claim_per_pair_and_another_once_it_is_answered(ana, bo, song, poem):
    first = claimed(ana, song, poem)

    with pytest.raises(ValidationError, match="already asked"):
        claimed(ana, song, poem, message="Again")
    claim_decline(claim=first, actor=bo, reason="I wrote those lines in 2019.")
    again = claimed(ana, song, poem, message="Here is my 2018 notebook.")

    assert again.status == "open" and again.pk != first.pk


def test_a_message_is_optional_but_bounded(ana, song, poem):
    with pytest.raises(ValidationError) as too_long:
        claimed(ana, song, poem, message="x" * 2001)

    assert "2,000" in too_long.value.message_dict["message"][0]
    assert claimed(ana, song, poem, message="  ").message == ""


# --- the remixer's answer -------------------------------------------------------------------


def test_accepting_adds_the_source_beside_the_ones_the_work_had(ana, bo, poem):
    loop = ContributionFactory(author=UserFactory(), title="Loop", license="cc-by")
    song = ContributionFactory(author=bo, title="Song", license="cc-by")
    remix_sources_set(contribution=song, actor=bo, sources=[loop.id])
    matched(song, poem)
    claim = claimed(ana, song, poem)

    accepted = claim_accept(claim=claim, actor=bo)

    assert sources_of(song) == sorted([loop.id, poem.id])
    assert (accepted.status, accepted.decided_by, accepted.reason) == ("accepted", bo, "")
    assert accepted.decided_at is not None
    link = RemixLink.objects.get(remix=song, source=poem)
    assert link.source_license == "cc-by"  # the terms of this use, as for any source


def test_only_the_remixer_answers(ana, song, poem):
    claim = claimed(ana, song, poem)

    for someone in (ana, UserFactory(), StaffFactory()):
        with pytest.raises(PermissionDenied, match="Only the author of “Song”"):
            claim_accept(claim=claim, actor=someone)
        with pytest.raises(PermissionDenied, match="staff decide in their place"):
            claim_decline(claim=claim, actor=someone, reason="No.")
    claim.refresh_from_db()
    assert claim.status == "open"


def test_declining_needs_a_reason(ana, bo, song, poem):
    claim = claimed(ana, song, poem)

    with pytest.raises(ValidationError) as refused:
        claim_decline(claim=claim, actor=bo, reason="   ")
    declined = claim_decline(claim=claim, actor=bo, reason="Both quote a folk song.")

    assert refused.value.message_dict == {"reason": ["Write a reason; it cannot be empty."]}
    assert (declined.status, declined.reason, declined.decided_by) == (
        "declined", "Both quote a folk song.", bo,
    )  # fmt: skip
    assert sources_of(song) == []


def test_a_claim_is_answered_once(ana, bo, song, poem):
    claim = claim_accept(claim=claimed(ana, song, poem), actor=bo)

    with pytest.raises(ValidationError, match="This claim is already accepted."):
        claim_decline(claim=claim, actor=bo, reason="Changed my mind.")
    with pytest.raises(ValidationError, match="already accepted"):
        claim_accept(claim=claim, actor=bo)


def test_a_licence_that_forbids_remixing_refuses_the_acceptance_and_the_claim_stays_open(ana, bo):
    photo = ContributionFactory(author=ana, title="Photo", license="cc-by-nd")
    collage = ContributionFactory(author=bo, title="Collage")
    matched(collage, photo)
    claim = claimed(ana, collage, photo)

    with pytest.raises(ValidationError) as refused:
        claim_accept(claim=claim, actor=bo)

    # The same explanation as when the author names the source themselves.
    assert f"“Photo” (#{photo.id})" in refused.value.message_dict["sources"][0]
    assert "CC BY-ND" in refused.value.message_dict["sources"][0]
    claim.refresh_from_db()
    assert claim.status == "open" and sources_of(collage) == []


def test_a_licence_the_remix_does_not_honour_says_which_licence_it_needs(ana, bo):
    poem = ContributionFactory(author=ana, title="Poem", license="cc-by-nc")
    song = ContributionFactory(author=bo, title="Song", license="cc-by")
    matched(song, poem)
    claim = claimed(ana, song, poem)

    with pytest.raises(ValidationError) as refused:
        claim_accept(claim=claim, actor=bo)

    assert "license" in refused.value.message_dict
    assert Claim.objects.get(pk=claim.pk).status == "open"


def test_a_source_the_remixer_named_meanwhile_is_not_added_twice(ana, bo, song, poem):
    claim = claimed(ana, song, poem)
    remix_sources_set(contribution=song, actor=bo, sources=[poem.id])

    accepted = claim_accept(claim=claim, actor=bo)

    assert accepted.status == "accepted" and sources_of(song) == [poem.id]


def test_a_deleted_work_takes_no_source(ana, bo, song, poem):
    claim = claimed(ana, song, poem)
    RemixLinkFactory(source=song, remix=ContributionFactory())  # built on: a tombstone stays
    contribution_delete(contribution=song, actor=bo)  # its claims lapse once this commits

    with pytest.raises(ValidationError, match="was deleted: no source can be added"):
        claim_accept(claim=claim, actor=bo)


# --- a claim that ends unanswered -----------------------------------------------------------


def test_the_claimant_withdraws_an_unanswered_claim_and_may_claim_again(ana, bo, song, poem):
    claim = claimed(ana, song, poem)

    withdrawn = claim_withdraw(claim=claim, actor=ana)

    assert (withdrawn.status, withdrawn.decided_by) == ("withdrawn", ana)
    assert withdrawn.decided_at is not None and sources_of(song) == []
    assert claimed(ana, song, poem).status == "open"  # withdrawn is no longer open


def test_only_the_claimant_withdraws_and_only_while_it_is_open(ana, bo, song, poem):
    claim = claimed(ana, song, poem)
    for someone in (bo, StaffFactory()):
        with pytest.raises(PermissionDenied, match="Only the person who made a claim"):
            claim_withdraw(claim=claim, actor=someone)
    claim_decline(claim=claim, actor=bo, reason="Not from the poem.")

    with pytest.raises(ValidationError, match="already declined"):
        claim_withdraw(claim=claim, actor=ana)
    assert Claim.objects.get(pk=claim.pk).status == "declined"


@pytest.mark.parametrize("deleted", ["work", "earlier"])
def test_deleting_either_work_lapses_its_open_claims_only(
    ana, bo, song, poem, deleted, django_capture_on_commit_callbacks
):
    open_claim = claimed(ana, song, poem)
    other = ContributionFactory(author=ana, title="Other poem")
    matched(song, other)
    answered = claimed(ana, song, other)
    claim_decline(claim=answered, actor=bo, reason="Not from that one.")
    gone, author = (song, bo) if deleted == "work" else (poem, ana)
    RemixLinkFactory(source=gone, remix=ContributionFactory())  # a tombstone, as a claim keeps

    with django_capture_on_commit_callbacks(execute=True):
        contribution_delete(contribution=gone, actor=author)

    lapsed = Claim.objects.get(pk=open_claim.pk)
    assert (lapsed.status, lapsed.decided_by) == ("lapsed", None) and lapsed.decided_at
    assert Claim.objects.get(pk=answered.pk).status == "declined"
    with pytest.raises(ValidationError, match="already lapsed"):
        claim_accept(claim=lapsed, actor=bo)


def test_closing_the_claimants_account_withdraws_her_claims_and_her_words_go(
    ana, bo, song, poem, django_capture_on_commit_callbacks
):
    open_claim = claimed(ana, song, poem, message="Lines 3 to 9 are mine.")
    other = ContributionFactory(author=ana, title="Other poem")
    matched(song, other)
    answered = claimed(ana, song, other, message="And these.")
    claim_decline(claim=answered, actor=bo, reason="Not from that one.")

    with django_capture_on_commit_callbacks(execute=True):
        account_delete(user=ana, password=DEFAULT_PASSWORD)

    withdrawn, declined = Claim.objects.get(pk=open_claim.pk), Claim.objects.get(pk=answered.pk)
    assert (withdrawn.status, withdrawn.decided_by_id, withdrawn.message) == (
        "withdrawn", ana.id, "",
    )  # fmt: skip
    # Bo's answer is his own words, and stays; her message went.
    assert (declined.status, declined.message, declined.reason) == (
        "declined", "", "Not from that one.",
    )  # fmt: skip


def test_closing_the_remixers_account_lapses_the_claims_on_his_works_and_his_reasons_go(
    ana, bo, song, poem, django_capture_on_commit_callbacks
):
    open_claim = claimed(ana, song, poem)
    other = ContributionFactory(author=ana, title="Other poem")
    matched(song, other)
    answered = claimed(ana, song, other, message="And these.")
    claim_decline(claim=answered, actor=bo, reason="Not from that one.")

    with django_capture_on_commit_callbacks(execute=True):
        account_delete(user=bo, password=DEFAULT_PASSWORD)

    lapsed, declined = Claim.objects.get(pk=open_claim.pk), Claim.objects.get(pk=answered.pk)
    assert lapsed.status == "lapsed"
    assert (declined.status, declined.reason, declined.message) == ("declined", "", "And these.")
    assert declined.reason_removed_at is not None


# --- staff ----------------------------------------------------------------------------------


def test_staff_accept_in_the_remixers_place_and_it_is_audited(ana, bo, song, poem):
    staff = StaffFactory()
    claim = claimed(ana, song, poem)

    decided = claim_decide(claim=claim, actor=staff, accept=True, reason="")

    assert (decided.status, decided.decided_by) == ("accepted", staff)
    assert sources_of(song) == [poem.id]
    entry = AuditEntry.objects.get(action="claim.decide")
    assert (entry.actor, entry.subject, entry.target_id) == (staff, bo, claim.id)
    assert entry.details == {
        "work": song.id, "earlier": poem.id, "claimant": ana.id, "accepted": True, "reason": "",
    }  # fmt: skip


def test_staff_decline_with_a_reason(ana, song, poem):
    staff = StaffFactory()
    claim = claimed(ana, song, poem)

    with pytest.raises(ValidationError) as refused:
        claim_decide(claim=claim, actor=staff, accept=False, reason="")
    decided = claim_decide(claim=claim, actor=staff, accept=False, reason="A common phrase.")

    assert "reason" in refused.value.message_dict
    assert (decided.status, decided.reason) == ("declined", "A common phrase.")
    assert sources_of(song) == []


def test_only_staff_decide_and_never_on_their_own_claims(ana, bo, song, poem):
    claim = claimed(ana, song, poem)
    for someone in (ana, bo):
        with pytest.raises(PermissionDenied, match="Only staff can decide"):
            claim_decide(claim=claim, actor=someone, accept=True, reason="")
    bo.is_staff = True
    bo.save()

    with pytest.raises(PermissionDenied, match="another member of staff must decide"):
        claim_decide(claim=claim, actor=bo, accept=False, reason="Mine.")
    assert Claim.objects.get(pk=claim.pk).status == "open"


def test_staff_acceptance_follows_the_licence_rules_too(ana, bo):
    photo = ContributionFactory(author=ana, title="Photo", license="cc-by-nd")
    collage = ContributionFactory(author=bo, title="Collage")
    matched(collage, photo)
    claim = claimed(ana, collage, photo)

    with pytest.raises(ValidationError, match="CC BY-ND"):
        claim_decide(claim=claim, actor=StaffFactory(), accept=True, reason="")

    assert Claim.objects.get(pk=claim.pk).status == "open"
    assert not AuditEntry.objects.filter(action="claim.decide").exists()


# --- the database keeps the rules too -------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"status": "declined", "decided_at": timezone.now()},  # no reason, no decider
        {"status": "accepted"},  # decided by nobody, at no time
        {"decided_at": timezone.now()},  # open, yet decided
        {"status": "withdrawn", "decided_at": timezone.now()},  # withdrawn by nobody
        {"status": "lapsed"},  # lapsed at no time
    ],
)
def test_the_database_refuses_a_claim_decided_by_halves(ana, bo, song, poem, change):
    claim = claimed(ana, song, poem)
    if change.get("status") == "declined":
        change = {**change, "decided_by": bo}

    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(**change)


def test_the_database_refuses_a_second_open_claim_and_a_claim_on_itself(ana, song, poem):
    claimed(ana, song, poem)

    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(work=song, earlier=poem, claimant=ana)
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(work=poem, earlier=poem, claimant=ana)


# --- the admin ------------------------------------------------------------------------------


def test_staff_see_open_claims_in_the_admin_and_decide_them_there(client, ana, bo, song, poem):
    staff = StaffFactory(is_superuser=True)
    claim = claimed(ana, song, poem)
    other = claimed(ana, *_another_match(ana, bo))
    signed_in_with_second_factor(client, staff)  # the admin asks for it
    url = "/admin/claims/claim/"

    queue = client.get(url, {"status__exact": "open"})
    no_reason = client.post(
        url, {"action": "decline", "_selected_action": [claim.id], "reason": ""}, follow=True
    )
    assert "Write a reason" in no_reason.content.decode()
    assert Claim.objects.get(pk=claim.pk).status == "open"
    declined = client.post(
        url, {"action": "decline", "_selected_action": [claim.id], "reason": "Common words."}
    )
    accepted = client.post(url, {"action": "accept", "_selected_action": [other.id]})

    assert queue.status_code == 200 and "Song" in queue.content.decode()
    assert declined.status_code == accepted.status_code == 302
    claim.refresh_from_db()
    other.refresh_from_db()
    assert (claim.status, claim.reason, claim.decided_by) == ("declined", "Common words.", staff)
    assert other.status == "accepted"
    assert client.get(f"{url}{claim.id}/change/").status_code == 200  # read-only, still shown


def _another_match(ana, bo):
    sketch = ContributionFactory(author=ana, title="Sketch", license="cc-by")
    painting = ContributionFactory(author=bo, title="Painting", license="cc-by")
    matched(painting, sketch)
    return painting, sketch
