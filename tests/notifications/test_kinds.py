"""Each kind of notification is recorded by the real action, for the right people only."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from community.models import Follow
from contributions.models import Contribution
from contributions.services import contribution_create
from notifications.models import Notification
from projects.models import ProjectMember, Submission
from projects.services import CreditInput, ask_create, project_release, submission_decide
from royalties.services import (
    production_cost_approve,
    production_cost_record,
    production_cost_withdraw,
    revenue_record,
    statement_issue,
    statements_build_month,
)
from tests.accounts.factories import StaffFactory, UserFactory
from tests.projects.factories import make_project
from tests.royalties.costs import receipt_pdf

pytestmark = pytest.mark.django_db


def inbox(user) -> list[tuple[str, str]]:
    return [(n.kind, n.text) for n in Notification.objects.filter(recipient=user)]


def test_a_remix_tells_each_source_author_but_not_the_remixer(
    people, loop, django_capture_on_commit_callbacks
):
    own = Contribution.objects.create(
        author=people["bo"], kind="text", title="Own", text="mine", status="ready"
    )
    with django_capture_on_commit_callbacks(execute=True):
        remix = contribution_create(
            author=people["bo"], title="Song", text="New words.", sources=[loop.id, own.id]
        )

    [notification] = Notification.objects.filter(recipient=people["ana"])
    assert notification.kind == "remixed"
    assert notification.text == "bo remixed your “Loop” in “Song”."
    assert notification.link == f"/contributions/{remix.id}/"
    assert notification.actor == people["bo"]
    assert inbox(people["bo"]) == []


def test_a_rolled_back_action_notifies_nobody(people, loop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        # The remix is refused after its sources were set (no such project): all rolls back.
        contribution_create(
            author=people["bo"], title="Song", text="Words.", sources=[loop.id], project=99999
        )

    assert not Contribution.objects.filter(title="Song").exists()
    assert Notification.objects.count() == 0


def test_an_ask_tells_the_projects_followers(people, project, django_capture_on_commit_callbacks):
    Follow.objects.create(follower=people["fan"], project=project)
    Follow.objects.create(follower=people["prod"], project=project)  # the poster, not told

    with django_capture_on_commit_callbacks(execute=True):
        ask_create(project=project, actor=people["prod"], kind="audio", description="a cello line")

    assert inbox(people["fan"]) == [("ask_posted", "“Night Bus” asks for audio (1): a cello line")]
    assert inbox(people["prod"]) == inbox(people["ana"]) == []


def test_a_drafts_ask_tells_only_followers_who_can_see_the_draft(
    people, django_capture_on_commit_callbacks
):
    draft = make_project(owner=people["prod"], status="draft", title="Secret")
    Follow.objects.create(follower=people["fan"], project=draft)  # followed when it was visible
    Follow.objects.create(follower=people["ana"], project=draft)
    ProjectMember.objects.create(
        project=draft, user=people["ana"], role=ProjectMember.Role.CO_PRODUCER
    )

    with django_capture_on_commit_callbacks(execute=True):
        ask_create(project=draft, actor=people["prod"], kind="audio", description="a cello line")

    assert [kind for kind, _ in inbox(people["ana"])] == ["ask_posted"]
    assert inbox(people["fan"]) == []


@pytest.mark.parametrize(("accept", "word"), [(True, "accepted"), (False, "declined")])
def test_a_decision_tells_the_artist_with_the_note(
    people, project, song, accept, word, django_capture_on_commit_callbacks
):
    submission = Submission.objects.create(
        project=project, contribution=song, submitted_by=people["bo"]
    )

    with django_capture_on_commit_callbacks(execute=True):
        submission_decide(
            submission=submission, actor=people["prod"], accept=accept, note="Lovely strings."
        )

    assert inbox(people["bo"]) == [
        ("submission_decided", f"“Night Bus” {word} your “Song”. Note: Lovely strings.")
    ]
    assert inbox(people["prod"]) == []


def test_a_release_tells_everyone_in_the_frozen_lineage(
    people, project, song, django_capture_on_commit_callbacks
):
    Submission.objects.create(
        project=project, contribution=song, submitted_by=people["bo"], status="accepted"
    )

    with django_capture_on_commit_callbacks(execute=True):
        project_release(
            project=project, actor=people["prod"], credits=[CreditInput(song.id, 1)],
            commercial=True,
        )  # fmt: skip

    assert inbox(people["ana"]) == [
        ("released", "“Night Bus” was released; you are credited for “Loop”.")
    ]
    assert inbox(people["bo"]) == [
        ("released", "“Night Bus” was released; you are credited for “Song”.")
    ]
    assert inbox(people["prod"]) == inbox(people["fan"]) == []


@pytest.fixture
def released(people, project, song):
    Submission.objects.create(
        project=project, contribution=song, submitted_by=people["bo"], status="accepted"
    )
    project_release(
        project=project, actor=people["prod"], credits=[CreditInput(song.id, 1)], commercial=True
    )
    Notification.objects.all().delete()
    return project


def test_revenue_tells_everyone_with_a_positive_allocation(
    people, released, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        event, created = revenue_record(
            project=released, actor=people["prod"], amount="40.00", currency="USD",
            idempotency_key="k-1",
        )  # fmt: skip

    assert created
    assert inbox(people["ana"]) == [
        ("revenue", "Revenue was recorded for “Night Bus”: your part is 5.00 USD.")
    ]
    assert inbox(people["bo"]) == [
        ("revenue", "Revenue was recorded for “Night Bus”: your part is 15.00 USD.")
    ]
    assert inbox(people["prod"]) == []  # they recorded it


def test_a_tiny_event_tells_only_those_it_paid(
    people, released, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        event, _ = revenue_record(
            project=released, actor=released.owner, amount="0.02", currency="USD",
            idempotency_key="tiny",
        )  # fmt: skip

    # Quotas 1, 0.75 and 0.25 cents: the producer and bo are paid a cent each, ana nothing.
    paid = {a.user_id for a in event.allocations.all() if a.amount_minor > 0}
    assert paid == {people["prod"].id, people["bo"].id}
    told = set(Notification.objects.values_list("recipient_id", flat=True))
    assert told == {people["bo"].id}


def test_an_issued_statement_tells_its_person(people, released, django_capture_on_commit_callbacks):
    revenue_record(
        project=released, actor=people["prod"], amount="100.00", currency="USD",
        idempotency_key="k-1",
    )  # fmt: skip
    statements_build_month(period=timezone.now().date())
    statement = people["ana"].statements.get()

    with django_capture_on_commit_callbacks(execute=True):
        statement = statement_issue(statement=statement, actor=StaffFactory())

    month = f"{statement.period:%B %Y}"
    assert inbox(people["ana"]) == [
        ("statement_issued", f"Your {month} statement (USD) was issued: 12.50 USD payable.")
    ]
    assert inbox(people["bo"]) == []


def test_recording_the_same_event_twice_adds_nothing(
    people, loop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        remix = contribution_create(
            author=people["bo"], title="Song", text="Words.", sources=[loop.id]
        )
    from notifications.tasks import notify

    notify.delay("remixed", {"remix_id": remix.id, "source_ids": [loop.id]})

    assert Notification.objects.count() == 1


def test_a_cost_recorded_or_withdrawn_by_another_producer_tells_who_bore_it(
    people, project, django_capture_on_commit_callbacks
):
    cop = people["bo"]
    ProjectMember.objects.create(project=project, user=cop, accepted_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        strings = production_cost_record(
            project=project, actor=people["prod"], amount="40.00", currency="USD",
            note="Strings", borne_by=cop,
        )  # fmt: skip
        own = production_cost_record(
            project=project, actor=cop, amount="5.00", currency="USD", note="Taxi"
        )
        production_cost_withdraw(cost=strings, actor=people["prod"], reason="The label paid.")
        production_cost_withdraw(cost=own, actor=cop, reason="Mine, not the project's.")

    assert inbox(cop) == [  # newest first
        ("cost", "prod withdrew 40.00 USD of “Strings”, a cost you bore on “Night Bus”: "
                 "revenue will not pay it back. Reason: The label paid."),
        ("cost", "prod recorded a cost you bore on “Night Bus”: 40.00 USD for “Strings”. "
                 "Revenue pays it back to you first."),
    ]  # fmt: skip
    assert inbox(people["prod"]) == []  # nobody is told of their own action


def _cop(people, project):
    cop = UserFactory(username="cop")
    ProjectMember.objects.create(
        project=project, user=cop, role=ProjectMember.Role.CO_PRODUCER, accepted_at=timezone.now()
    )
    return cop


def test_a_cost_after_the_release_tells_everyone_credited_and_asks_the_other_producer(
    people, released, django_capture_on_commit_callbacks
):
    cop = _cop(people, released)

    with django_capture_on_commit_callbacks(execute=True):
        cost = production_cost_record(
            project=released, actor=people["prod"], amount="250.00", currency="USD",
            note="Studio day", receipt=receipt_pdf(),
        )  # fmt: skip

    recorded = (
        "prod recorded a production cost on “Night Bus”: 250.00 USD for “Studio day”, borne "
        "by prod, with a receipt you can download."
    )
    told = (
        f"{recorded} Revenue pays it back before the rest is shared only once a producer who "
        "neither recorded nor bore it agrees."
    )
    assert inbox(people["ana"]) == inbox(people["bo"]) == [("cost", told)]
    assert inbox(cop) == [
        ("cost", f"{recorded} It waits for your agreement on the producer's desk.")
    ]
    assert inbox(people["prod"]) == inbox(people["fan"]) == []  # the fan is credited in nothing
    links = dict(Notification.objects.values_list("recipient__username", "link"))
    assert links == {
        "ana": f"/projects/{released.id}/#costs",
        "bo": f"/projects/{released.id}/#costs",
        "cop": f"/projects/{released.id}/desk/#costs",
    }

    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        production_cost_approve(cost=cost, actor=cop)

    agreed = (
        "cop agreed to the production cost of 250.00 USD for “Studio day” on “Night Bus”: from "
        "now on revenue pays it back to prod before the rest is shared."
    )
    assert (
        inbox(people["ana"]) == inbox(people["bo"]) == inbox(people["prod"]) == [("cost", agreed)]
    )
    assert inbox(cop) == []


def test_a_cost_nobody_can_agree_to_tells_everyone_credited_when_it_takes_effect(
    people, released, django_capture_on_commit_callbacks, settings
):
    settings.HITREC_PROPOSAL_COMMENT_DAYS = 14
    people["ana"].language = "es"
    people["ana"].save(update_fields=["language"])

    with django_capture_on_commit_callbacks(execute=True):
        cost = production_cost_record(
            project=released, actor=people["prod"], amount="12.50", currency="USD",
            note="Cables", receipt=receipt_pdf(),
        )  # fmt: skip

    [(kind, text)] = inbox(people["bo"])
    day = f"{cost.effective_at:%d %B %Y}"
    assert text == (
        "prod recorded a production cost on “Night Bus”: 12.50 USD for “Cables”, borne by "
        "prod, with a receipt you can download. Unless it is withdrawn, revenue pays it back "
        f"before the rest is shared from {day}; comment on the project if it looks wrong."
    )
    [(kind, spanish)] = inbox(people["ana"])
    assert spanish.startswith("prod registró un coste de producción en “Night Bus”: 12,50 USD")
