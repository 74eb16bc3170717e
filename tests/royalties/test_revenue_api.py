"""Recording revenue: exact allocations, idempotency keys, refusals, and a balanced ledger."""

import pytest
from django.db.models import Sum

from contributions.models import RemixLink
from projects.models import Project, Submission
from projects.services import CreditInput, project_release
from royalties.models import Allocation, Posting, RevenueEvent
from tests.accounts.factories import UserFactory
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def released_project():
    """Producer 1/2; Song (bo) keeps 3/8; Loop (ana), Song's source, keeps 1/8."""
    producer, ana, bo = (
        UserFactory(username="prod"),
        UserFactory(username="ana"),
        UserFactory(username="bo"),
    )
    loop = ContributionFactory(author=ana, title="Loop")
    song = ContributionFactory(author=bo, title="Song")
    RemixLink.objects.create(source=loop, remix=song)
    project = make_project(owner=producer, title="Night Bus")
    Submission.objects.create(
        project=project, contribution=song, submitted_by=bo, status="accepted"
    )
    project_release(
        project=project, actor=producer, credits=[CreditInput(song.id, 1)], commercial=True
    )
    return project


def post(client, project, amount="10.00", key="k-1", **extra):
    body = {"amount": amount, "currency": "USD", "note": "streams", **extra}
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(f"/api/projects/{project.id}/revenue/", body, **headers)


def test_revenue_is_allocated_exactly(api_client, released_project):
    producer, ana, bo = (released_project.owner, *UserFactoryUsers("ana", "bo"))
    api_client.force_authenticate(producer)

    response = post(api_client, released_project, "10.00")

    assert response.status_code == 201
    body = response.json()
    assert body["amount_minor"] == 1000
    assert body["amount"] == "10.00"
    assert body["allocations"] == [
        {"user": producer.id, "amount_minor": 500},
        {"user": ana.id, "amount_minor": 125},
        {"user": bo.id, "amount_minor": 375},
    ]


def UserFactoryUsers(*names):  # noqa: N802 - reads like the factory it stands beside
    from accounts.models import User

    return [User.objects.get(username=name) for name in names]


def test_the_same_key_returns_the_same_body_and_records_nothing(api_client, released_project):
    api_client.force_authenticate(released_project.owner)
    first = post(api_client, released_project, "0.07", key="stream-2026-11-25")

    again = post(api_client, released_project, "0.07", key="stream-2026-11-25")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert RevenueEvent.objects.count() == 1


def test_the_same_key_with_a_different_body_is_a_conflict(api_client, released_project):
    api_client.force_authenticate(released_project.owner)
    post(api_client, released_project, "0.07", key="k")

    response = post(api_client, released_project, "0.08", key="k")

    assert response.status_code == 409
    assert "already used for a different revenue event" in response.json()["detail"]
    assert RevenueEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("amount", "extra", "key", "field", "fragment"),
    [
        ("1.234", {}, "k", "amount", "USD has 2 decimals"),
        ("-5", {}, "k", "amount", "positive number"),
        ("0", {}, "k", "amount", "more than zero"),
        ("abc", {}, "k", "amount", "positive number"),
        # Digits of other scripts are digits to Python and to \d, not to an amount.
        ("١٢", {}, "k", "amount", "positive number"),
        ("12.٥٠", {}, "k", "amount", "positive number"),
        ("１２", {}, "k", "amount", "positive number"),
        ("5", {"currency": "EUR"}, "k", "currency", "earns in USD, not EUR"),
        ("5", {}, "", "detail", "Send an Idempotency-Key header"),
    ],
)
def test_revenue_refusals(api_client, released_project, amount, extra, key, field, fragment):
    api_client.force_authenticate(released_project.owner)

    response = post(api_client, released_project, amount, key=key, **extra)

    assert response.status_code == 400
    assert fragment in str(response.json()[field])
    assert RevenueEvent.objects.count() == 0
    assert Posting.objects.count() == 0


def test_only_producers_record_revenue(api_client, released_project):
    api_client.force_authenticate(UserFactory())
    assert post(api_client, released_project).status_code == 403
    api_client.force_authenticate(None)
    assert post(api_client, released_project).status_code == 401
    assert RevenueEvent.objects.count() == 0


def test_unreleased_work_earns_nothing_yet(api_client):
    project = make_project()
    api_client.force_authenticate(project.owner)

    response = post(api_client, project)

    assert response.status_code == 400
    assert "has not been released" in response.json()["detail"]


def test_thousands_of_tiny_events_never_drift(released_project):
    from royalties.services import revenue_record

    for n in range(300):
        revenue_record(
            project=released_project, actor=released_project.owner, amount="0.01",
            currency="USD", idempotency_key=f"play-{n}",
        )  # fmt: skip

    totals = dict(
        Allocation.objects.values_list("user__username").annotate(total=Sum("amount_minor"))
    )
    # 300 cents: exactly 150 / 37.5 / 112.5 → within one cent of each.
    assert sum(totals.values()) == 300
    assert totals["prod"] == 150
    assert totals["ana"] in (37, 38)
    assert totals["bo"] in (112, 113)
    assert Posting.objects.aggregate(total=Sum("amount_minor"))["total"] == 0


def test_payouts_me_has_the_balance_at_once_and_the_lines_after_the_itemisation_job(
    api_client, released_project, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(released_project.owner)
    with django_capture_on_commit_callbacks() as after_commit:
        post(api_client, released_project, "10.00")
    [ana] = UserFactoryUsers("ana")
    api_client.force_authenticate(ana)

    me = api_client.get("/api/payouts/me/").json()

    assert me["balances"] == [{"currency": "USD", "balance_minor": 125, "balance": "1.25"}]
    assert me["lines"] == []  # the job that divides the event among lines has not run yet

    for job in after_commit:
        job()
    me = api_client.get("/api/payouts/me/").json()

    assert me["balances"] == [{"currency": "USD", "balance_minor": 125, "balance": "1.25"}]
    [line] = me["lines"]
    assert (line["project_title"], line["contribution_title"], line["amount_minor"]) == (
        "Night Bus", "Loop", 125,
    )  # fmt: skip
    assert (
        line["path"] == f"“Loop” (#{line['contribution']}) → “Song” (#{line['contribution'] + 1})"
    )


def test_producers_list_revenue_with_a_constant_number_of_queries(
    api_client, released_project, django_assert_max_num_queries
):
    api_client.force_authenticate(released_project.owner)
    for n in range(12):
        post(api_client, released_project, "1.00", key=f"k{n}")

    with django_assert_max_num_queries(8):
        events = api_client.get(f"/api/projects/{released_project.id}/revenue/").json()

    assert events["count"] == 12
    assert all(len(event["allocations"]) == 3 for event in events["results"])
    assert Project.objects.get(pk=released_project.pk).status == "released"


def test_deep_lineages_keep_exact_shares_beyond_64_bits():
    """Each level of a 40-deep chain of three-source remixes multiplies the denominators."""
    from contributions.models import Contribution
    from royalties.models import ReleaseParty
    from royalties.services import revenue_record
    from tests.contributions.factories import make_lineage

    depth = 40
    leaves = 2 * depth  # indexes 0..79: two older sources for each link of the chain
    edges = []
    for level in range(1, depth + 1):
        chain, previous = leaves + level, leaves + level - 1
        edges += [(previous, chain), (2 * level - 2, chain), (2 * level - 1, chain)]
    works = make_lineage(edges, leaves + depth + 1)
    for work in works:  # everyone a different person, so every share stays its own
        Contribution.objects.filter(pk=work.pk).update(author=UserFactory())
    top = Contribution.objects.get(pk=works[-1].pk)
    project = make_project()
    Submission.objects.create(
        project=project, contribution=top, submitted_by=top.author, status="accepted"
    )
    project_release(
        project=project, actor=project.owner, credits=[CreditInput(top.id, 1)], commercial=False
    )

    event, created = revenue_record(
        project=project, actor=project.owner, amount="1000000.00", currency="USD",
        idempotency_key="big",
    )  # fmt: skip

    shares = [party.share for party in ReleaseParty.objects.filter(release__project=project)]
    assert created and sum(shares) == 1
    assert max(share.denominator for share in shares) > 2**64
    assert sum(a.amount_minor for a in event.allocations.all()) == 100_000_000


def test_a_release_prepares_its_parties_before_any_revenue(django_capture_on_commit_callbacks):
    from royalties.models import ReleaseLine, ReleaseParty
    from royalties.services import revenue_record

    song = ContributionFactory(title="Song")
    project = make_project()
    Submission.objects.create(
        project=project, contribution=song, submitted_by=song.author, status="accepted"
    )

    with django_capture_on_commit_callbacks(execute=True):
        release = project_release(
            project=project, actor=project.owner, credits=[CreditInput(song.id, 1)],
            commercial=False,
        )  # fmt: skip

    parties = {p.user_id: p.share_exact for p in ReleaseParty.objects.filter(release=release)}
    assert parties == {project.owner_id: "1/2", song.author_id: "1/2"}
    assert ReleaseLine.objects.filter(party__release=release).count() == 2
    event, _ = revenue_record(
        project=project, actor=project.owner, amount="1.00", currency="USD", idempotency_key="k"
    )
    assert sorted(event.allocations.values_list("amount_minor", flat=True)) == [50, 50]
    assert ReleaseParty.objects.filter(release=release).count() == 2  # used, not rebuilt
