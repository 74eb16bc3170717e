"""Each transition of a payment proposal, and each refusal, through the services."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from contributions.models import RemixLink
from projects.models import Project, ProjectMember, Release
from projects.services import project_release, project_update
from proposals.models import Proposal, ProposalAcceptance, ProposalRevision
from proposals.services import (
    proposal_accept,
    proposal_close,
    proposal_comment,
    proposal_publish,
    proposal_release,
    proposal_revise,
    proposal_withdraw,
    proposals_close_due,
)
from proposals.tasks import close_due
from royalties.selectors import release_split, split_body
from tests.contributions.factories import ContributionFactory
from tests.proposals.factories import make_production

pytestmark = pytest.mark.django_db


@pytest.fixture
def p():
    return make_production()


def publish(p, **weights):
    return proposal_publish(
        project=p.project, actor=p.prod, credits=p.credits(**(weights or {"song": 1, "drums": 1})),
        commercial=False,
    )  # fmt: skip


def shares(revision) -> dict[str, str]:
    return {party["username"]: party["share"] for party in revision.split["parties"]}


def end_window(proposal):
    Proposal.objects.filter(pk=proposal.pk).update(
        window_ends_at=timezone.now() - dt.timedelta(seconds=1)
    )
    proposal.refresh_from_db()


def test_publishing_stores_the_credits_policy_split_and_people(p, settings):
    settings.HITREC_PROPOSAL_COMMENT_DAYS = 14
    before = timezone.now()

    proposal = publish(p)

    [revision] = proposal.revisions.all()
    assert proposal.status == "open"
    assert before + dt.timedelta(days=14) <= proposal.window_ends_at
    assert proposal.window_ends_at <= timezone.now() + dt.timedelta(days=14)
    assert revision.number == 1
    assert [(c.contribution_id, str(c.weight)) for c in revision.credits.all()] == [
        (p.song.id, "1"), (p.drums.id, "1"),
    ]  # fmt: skip
    assert (revision.contributor_pool, revision.upstream_share) == (1 / 2, 1 / 4)
    # Song gets 1/4, keeps 3/16 and passes 1/16 up to Loop; Drums keeps its 1/4.
    assert shares(revision) == {"prod": "1/2", "ana": "1/16", "bo": "3/16", "cy": "1/4"}
    assert {(person.user.username, person.share) for person in revision.people.all()} == {
        ("ana", "1/16"), ("bo", "3/16"), ("cy", "1/4"),
    }  # fmt: skip
    [song_paths] = [e for e in revision.split["paths"] if e["contribution"] == p.loop.id]
    assert song_paths["paths"][0]["contributions"] == [p.song.id, p.loop.id]
    assert song_paths["paths"][0]["amount"] == "1/16"


def test_only_producers_publish(p):
    with pytest.raises(PermissionDenied, match="Only the producers"):
        proposal_publish(project=p.project, actor=p.bo, credits=p.credits(song=1), commercial=False)

    assert Proposal.objects.count() == 0


def test_a_co_producer_publishes(p):
    ProjectMember.objects.create(
        project=p.project, user=p.fan, role="co-producer", accepted_at=timezone.now()
    )

    proposal = proposal_publish(
        project=p.project, actor=p.fan, credits=p.credits(song=1), commercial=False
    )

    assert proposal.created_by == p.fan


def test_credits_are_checked_as_a_release_checks_them_and_nothing_is_left_behind(p):
    stranger = ContributionFactory(title="Not here")

    with pytest.raises(ValidationError) as refused:
        proposal_publish(
            project=p.project, actor=p.prod, commercial=False,
            credits=p.credits(song=1) + [type(p.credits(song=1)[0])(stranger.id, 1)],
        )  # fmt: skip

    assert refused.value.message_dict["credits"] == [
        f"#{stranger.id} is not an accepted submission or resource of this project."
    ]
    assert Proposal.objects.count() == ProposalRevision.objects.count() == 0


def test_one_open_proposal_per_project(p):
    publish(p)

    with pytest.raises(ValidationError, match="already has an open payment proposal"):
        publish(p)


def test_the_database_refuses_a_second_open_proposal(p):
    first = publish(p)

    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.create(
            project=p.project, created_by=p.prod, window_ends_at=first.window_ends_at
        )


def test_a_draft_project_cannot_propose(p):
    Project.objects.filter(pk=p.project.pk).update(status="draft")
    p.project.refresh_from_db()

    with pytest.raises(ValidationError, match="only an open project"):
        publish(p)


def test_a_revision_keeps_the_old_one_and_asks_everyone_again(p):
    proposal = publish(p)
    proposal_accept(proposal=proposal, actor=p.ana)

    revision = proposal_revise(
        proposal=proposal, actor=p.prod, credits=p.credits(song=1, drums=3), commercial=False,
        note="Drums carry the track.",
    )  # fmt: skip

    assert [r.number for r in proposal.revisions.all()] == [1, 2]
    assert shares(proposal.revisions.get(number=1))["cy"] == "1/4"
    assert shares(revision) == {"prod": "1/2", "ana": "1/32", "bo": "3/32", "cy": "3/8"}
    assert not ProposalAcceptance.objects.filter(person__revision=revision).exists()


def test_revisions_are_insert_only_in_the_database(p):
    proposal = publish(p)

    with pytest.raises(IntegrityError), transaction.atomic():
        ProposalRevision.objects.filter(proposal=proposal).update(note="rewritten history")


def test_only_producers_revise(p):
    proposal = publish(p)

    with pytest.raises(PermissionDenied):
        proposal_revise(proposal=proposal, actor=p.bo, credits=p.credits(song=5), commercial=False)


def test_no_revision_after_the_release(p):
    proposal = publish(p)
    end_window(proposal)
    proposal_release(proposal=proposal, actor=p.prod)

    with pytest.raises(ValidationError, match="was released; it can no longer be revised"):
        proposal_revise(
            proposal=proposal, actor=p.prod, credits=p.credits(song=1), commercial=False
        )


def test_only_included_people_accept_and_twice_is_once(p):
    proposal = publish(p)

    with pytest.raises(PermissionDenied, match="whose work is in"):
        proposal_accept(proposal=proposal, actor=p.fan)
    first = proposal_accept(proposal=proposal, actor=p.ana)
    again = proposal_accept(proposal=proposal, actor=p.ana)

    assert first == again
    assert ProposalAcceptance.objects.count() == 1


def test_someone_left_out_by_a_revision_can_no_longer_accept(p):
    proposal = publish(p)
    proposal_revise(proposal=proposal, actor=p.prod, credits=p.credits(song=1), commercial=False)

    with pytest.raises(PermissionDenied):
        proposal_accept(proposal=proposal, actor=p.cy)


def test_an_early_release_needs_everyones_acceptance(p):
    proposal = publish(p)
    proposal_accept(proposal=proposal, actor=p.ana)

    with pytest.raises(ValidationError) as refused:
        proposal_release(proposal=proposal, actor=p.prod)

    assert "2 have not: bo, cy" in refused.value.messages[0]
    assert not Release.objects.exists()


def test_an_early_release_once_everyone_accepted(p):
    proposal = publish(p)
    for person in (p.ana, p.bo, p.cy):
        proposal_accept(proposal=proposal, actor=person)

    release = proposal_release(proposal=proposal, actor=p.prod)

    proposal.refresh_from_db()
    assert proposal.status == "released" and proposal.release == release
    assert proposal.closed_by == p.prod
    assert release.released_by == p.prod
    assert (
        split_body(split=release_split(release=release), release_id=None)["parties"]
        == (proposal.revisions.get().split["parties"])
    )


def test_only_producers_release(p):
    proposal = publish(p)
    end_window(proposal)

    with pytest.raises(PermissionDenied):
        proposal_release(proposal=proposal, actor=p.ana)


def test_the_window_closing_releases_the_current_revision(p):
    proposal = publish(p)
    proposal_revise(
        proposal=proposal, actor=p.prod, credits=p.credits(song=1, drums=3), commercial=True
    )
    end_window(proposal)

    close_due.delay()

    proposal.refresh_from_db()
    release = proposal.release
    assert proposal.status == "released"
    assert proposal.closed_by is None  # nobody acted: the window ended
    assert release.commercial is True
    assert [(c.contribution_id, str(c.weight)) for c in release.credits.all()] == [
        (p.song.id, "1"), (p.drums.id, "3"),
    ]  # fmt: skip


def test_a_window_still_open_is_left_alone(p):
    proposal = publish(p)

    assert proposals_close_due() == 0
    assert proposal_close(proposal_id=proposal.id) is None

    proposal.refresh_from_db()
    assert proposal.status == "open"


def test_closing_twice_releases_once(p):
    proposal = publish(p)
    end_window(proposal)

    first = proposal_close(proposal_id=proposal.id)
    second = proposal_close(proposal_id=proposal.id)

    assert isinstance(first, Release) and second is None
    assert Release.objects.count() == 1


def test_a_policy_changed_after_publishing_is_not_released_silently(p):
    proposal = publish(p)
    project_update(project=p.project, actor=p.prod, contributor_pool="3/4")
    end_window(proposal)

    assert proposal_close(proposal_id=proposal.id) is None

    proposal.refresh_from_db()
    assert proposal.status == "open"
    assert "policy changed after revision 1" in proposal.close_problem
    assert not Release.objects.exists()
    assert proposals_close_due() == 0  # waits for the producers, not retried every run

    # A revision (under the new policy) opens a new window, and is released when it ends.
    proposal_revise(proposal=proposal, actor=p.prod, credits=p.credits(song=1), commercial=False)
    proposal.refresh_from_db()
    assert proposal.close_problem == "" and proposal.window_ends_at > timezone.now()
    end_window(proposal)
    assert isinstance(proposal_close(proposal_id=proposal.id), Release)


def test_a_lineage_changed_after_publishing_is_not_released_silently(p):
    proposal = publish(p)
    RemixLink.objects.create(source=p.loop, remix=p.drums)  # Drums now names Loop as a source
    end_window(proposal)

    with pytest.raises(ValidationError, match="lineage behind the credits changed"):
        proposal_release(proposal=proposal, actor=p.prod)


def test_a_project_released_directly_withdraws_its_proposal_when_the_window_ends(p):
    proposal = publish(p)
    project_release(project=p.project, actor=p.prod, credits=p.credits(song=1), commercial=False)
    end_window(proposal)

    assert proposal_close(proposal_id=proposal.id) is None

    proposal.refresh_from_db()
    assert proposal.status == "withdrawn"
    assert "released directly" in proposal.close_problem
    assert Release.objects.count() == 1


def test_withdrawing_lets_a_new_proposal_be_published(p):
    proposal = publish(p)

    with pytest.raises(PermissionDenied):
        proposal_withdraw(proposal=proposal, actor=p.ana)
    proposal_withdraw(proposal=proposal, actor=p.prod)
    again = publish(p)

    assert Proposal.objects.get(pk=proposal.pk).status == "withdrawn"
    assert again.status == "open"


def test_comments_need_an_open_window_and_mark_producers_answers(p):
    proposal = publish(p)
    question = proposal_comment(proposal=proposal, author=p.fan, body="Why so little for Loop?")
    answer = proposal_comment(
        proposal=proposal, author=p.prod, body="Loop is a source.", parent=question
    )
    end_window(proposal)

    with pytest.raises(ValidationError, match="comment window ended"):
        proposal_comment(proposal=proposal, author=p.fan, body="Too late?")

    assert (question.from_producer, answer.from_producer) == (False, True)
    assert answer.parent == question and answer.revision.number == 1


def test_an_empty_comment_is_refused(p):
    proposal = publish(p)

    with pytest.raises(ValidationError, match="cannot be empty"):
        proposal_comment(proposal=proposal, author=p.fan, body="   ")
