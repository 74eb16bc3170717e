"""Reads of royalties: a release's split, people's balances, earnings and statements."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.core.validators import slug_re
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from contributions.lineage import closure_get
from hitrec.gcpause import cyclic_gc_paused
from hitrec.i18n import language_of, message_of
from hitrec.rows import fetched_rows
from projects.models import (
    Project,
    ProjectMember,
    Release,
    ReleaseCredit,
    ReleaseEdge,
    ReleaseNode,
)
from projects.selectors import is_producer
from royalties.documents import DocumentLine, StatementDocument
from royalties.models import (
    Allocation,
    AllocationLine,
    LedgerAccount,
    PayoutBatch,
    PayoutItem,
    Posting,
    ProductionCost,
    Recoupment,
    ReleaseParty,
    RevenueEvent,
    RevenueStream,
    Statement,
    StatementRun,
)
from royalties.periods import format_period, month_bounds, month_start
from royalties.splits import (
    Credit,
    LineageSnapshot,
    Policy,
    SnapshotNode,
    Split,
    SplitInput,
    SplitInputError,
    compute_split,
    format_fraction,
    format_percent,
)


def release_split_input(*, release: Release, stream: RevenueStream | None = None) -> SplitInput:
    """The release's frozen credits, policy and lineage, in the split's own terms (3 queries).

    A revenue stream has its own contributor pool and may pay only some of the release's
    credits; the lineage and the upstream share are the release's.

    Bare tuples, not model instances: a large release has 100,000 snapshot rows, and
    building model objects for them cost five times the split itself; read with one fetch
    each (`fetched_rows`), and the nodes built with the garbage collector paused.
    """
    paid = ReleaseCredit.objects.filter(release=release)
    if stream is not None and stream.contributions:  # a stream that pays only some of them
        paid = paid.filter(contribution_id__in=stream.contributions)
    credit_rows = fetched_rows(
        paid.order_by("contribution_id").values_list(
            "contribution_id", "weight_numerator", "weight_denominator"
        )
    )
    node_rows = fetched_rows(  # into a dict: no ORDER BY (the model's sorts by depth)
        ReleaseNode.objects.filter(release=release)
        .order_by()
        .values_list("contribution_id", "author_id", "title")
    )
    edges = fetched_rows(
        ReleaseEdge.objects.filter(release=release).values_list("source_id", "remix_id")
    )
    with cyclic_gc_paused():
        credits = [
            Credit(contribution_id=cid, weight=Fraction(numerator, denominator))
            for cid, numerator, denominator in credit_rows
        ]
        make_node = SnapshotNode._make
        nodes = {row[0]: make_node(row[1:]) for row in node_rows}
    return SplitInput(
        credits=credits,
        policy=Policy(
            contributor_pool=stream.contributor_pool if stream else release.contributor_pool,
            upstream_share=release.upstream_share,
        ),
        producer_id=release.producer_id,
        snapshot=LineageSnapshot(nodes=nodes, edges=edges),
    )


def release_split(*, release: Release, stream: RevenueStream | None = None) -> Split:
    # One pause over loading and computing: the collector then examines the snapshot's
    # hundred thousand objects once, after both, instead of once after each.
    with cyclic_gc_paused():
        return compute_split(release_split_input(release=release, stream=stream))


def usernames(*, user_ids: list[int]) -> dict[int, str]:
    return dict(User.objects.filter(id__in=user_ids).values_list("id", "username"))


def payable_balances(*, user: User) -> dict[str, int]:
    """What the platform owes the person, per currency (credits on payable are negative)."""
    rows = (
        Posting.objects.filter(account__kind=LedgerAccount.Kind.PAYABLE, account__user=user)
        .values("account__currency")
        .annotate(total=Sum("amount_minor"))
        .order_by("account__currency")
    )
    return {row["account__currency"]: -row["total"] for row in rows}


def earning_lines(*, user: User, limit: int = 100) -> list[dict]:
    """The person's latest earnings, line by line, with the path that paid each."""
    rows = (
        AllocationLine.objects.filter(allocation__user=user)
        .select_related(
            "allocation__event__project", "allocation__event__stream", "line__contribution"
        )
        .order_by("-allocation__event_id", "line_id")[:limit]
    )
    return [
        {
            "event": row.allocation.event_id,
            "date": row.allocation.event.created_at,
            "project": row.allocation.event.project_id,
            "project_title": row.allocation.event.project.title,
            "stream": row.allocation.event.stream.name if row.allocation.event.stream else None,
            "contribution": row.line.contribution_id,
            "contribution_title": row.line.contribution.title if row.line.contribution else None,
            "path": row.line.path,
            "currency": row.allocation.event.currency,
            "amount_minor": row.amount_minor,
        }
        for row in rows
    ]


def statement_people(*, period: dt.date) -> list[tuple[int, str]]:
    """Who gets a statement for the month, as (user id, currency) in order: everyone who
    earned or was paid back costs in it, and everyone carrying a balance into it."""
    start, end = month_bounds(period)
    earners = set(
        Allocation.objects.filter(event__created_at__gte=start, event__created_at__lt=end)
        .values_list("user_id", "event__currency")
        .distinct()
    ) | set(
        Recoupment.objects.filter(event__created_at__gte=start, event__created_at__lt=end)
        .values_list("cost__borne_by_id", "event__currency")
        .distinct()
    )
    carriers = set(
        Statement.objects.filter(period__lt=month_start(period), carried_forward_minor__gt=0)
        .values_list("user_id", "currency")
        .distinct()
    )
    return sorted(earners | carriers)


def statement_runs() -> QuerySet[StatementRun]:
    """Statement runs, newest first, with who asked for each (one query)."""
    return StatementRun.objects.select_related("requested_by").order_by("-created_at", "-id")


def statements_visible_to(*, user: User) -> QuerySet[Statement]:
    """A person sees their own statements; staff see everyone's."""
    statements = Statement.objects.select_related("user").order_by("-period", "currency", "id")
    return statements if user.is_staff else statements.filter(user=user)


def statement_document(*, statement: Statement) -> StatementDocument:
    lines = list(statement.lines.select_related("project").order_by("project_id", "id"))
    return StatementDocument(
        number=statement.id,
        person=statement.user.public_name,
        period=format_period(statement.period),
        month=statement.period,
        language=language_of(statement.user),
        held=(
            statement.status == Statement.Status.ISSUED
            and statement.payable_minor > 0
            and not statement.user.payee_verified
        ),
        currency=statement.currency,
        status=statement.status,
        carried_in_minor=statement.carried_in_minor,
        earned_minor=statement.earned_minor,
        payable_minor=statement.payable_minor,
        carried_forward_minor=statement.carried_forward_minor,
        lines=[
            DocumentLine(
                project=line.project.title,
                contribution=line.description.split(": ", 1)[-1],
                path=line.path,
                amount_minor=line.amount_minor,
            )
            for line in lines
        ],
    )


def split_preview(*, project: Project, credits: Sequence[tuple[int, Fraction]]) -> Split:
    """The split a release with these credits would have today (nothing is frozen or saved)."""
    closure = closure_get(contribution_ids=[contribution_id for contribution_id, _ in credits])
    missing = {cid for cid, _ in credits} - set(closure.root_ids)
    if missing:
        raise ValidationError(
            {
                "credits": [
                    _("There is no contribution #%(id)s.") % {"id": cid} for cid in sorted(missing)
                ]
            }
        )
    try:
        split_input = SplitInput(
            credits=[Credit(contribution_id=cid, weight=weight) for cid, weight in credits],
            policy=Policy(
                contributor_pool=project.contributor_pool, upstream_share=project.upstream_share
            ),
            producer_id=project.owner_id,
            snapshot=LineageSnapshot(
                nodes={
                    n.id: SnapshotNode(author_id=n.author_id, title=n.title) for n in closure.nodes
                },
                edges=[(e.source, e.remix) for e in closure.edges],
            ),
        )
    except SplitInputError as exc:
        raise ValidationError({"credits": [message_of(exc)]}) from exc
    return compute_split(split_input)


def split_body(*, split: Split, release_id: int | None) -> dict:
    """The split as the API and the pages show it: exact shares, percents, per-contribution flow."""
    names = usernames(user_ids=[party.user_id for party in split.parties])
    return {
        "release": release_id,
        "parties": [
            {
                "user": party.user_id,
                "username": names.get(party.user_id, ""),
                "share": format_fraction(party.share),
                "percent": format_percent(party.share),
            }
            for party in split.parties
        ],
        "contributions": [
            {
                "id": cid,
                "received": format_fraction(flow.received),
                "kept": format_fraction(flow.kept),
            }
            for cid, flow in sorted(split.contributions.items())
        ],
    }


# --- costs, streams and payout batches -------------------------------------------------------


def project_costs(*, project: Project) -> QuerySet[ProductionCost]:
    """The project's production costs, newest first, with who bore, recorded and agreed to
    each (one query)."""
    return (
        ProductionCost.objects.filter(project=project)
        .select_related("borne_by", "recorded_by", "approved_by")
        .order_by("-id")
    )


def producer_ids(*, project: Project) -> set[int]:
    """The ids of the project's producers: its owner and accepted co-producers (one query)."""
    return set(
        ProjectMember.objects.filter(project=project, accepted_at__isnull=False).values_list(
            "user_id", flat=True
        )
    ) | {project.owner_id}


def is_credited(*, project: Project, user: User) -> bool:
    """Whether the person has a part in the project's release: an author in its frozen
    lineage, or a party to its split (the producer's own share)."""
    if not user.is_authenticated:
        return False
    return (
        ReleaseNode.objects.filter(release__project=project, author=user).exists()
        or ReleaseParty.objects.filter(release__project=project, user=user).exists()
    )


def credited_ids(*, project: Project) -> set[int]:
    """Everyone with a part in the project's release: the authors in its frozen lineage and
    the parties to its split (two queries; empty before the release)."""
    authors = ReleaseNode.objects.filter(release__project=project).values_list(
        "author_id", flat=True
    )
    parties = ReleaseParty.objects.filter(release__project=project).values_list(
        "user_id", flat=True
    )
    return set(authors) | set(parties)


def sees_project_money(*, project: Project, user: User) -> bool:
    """Who reads a project's costs and revenue in full: its producers, staff, and once it is
    released everyone credited in it (whose profit the costs are paid back from)."""
    if not user.is_authenticated:
        return False
    return (
        user.is_staff
        or is_producer(project=project, user=user)
        or is_credited(project=project, user=user)
    )


def cost_can_approve(
    *, cost: ProductionCost, user: User, producers: set[int], now: dt.datetime
) -> bool:
    """Whether `user` may agree to the cost now (`producers`: the project's producer ids)."""
    return (
        user.id in producers
        and cost.withdrawn_at is None
        and not cost.in_effect(now)
        and user.id not in (cost.recorded_by_id, cost.borne_by_id)
    )


@dataclass(frozen=True)
class CostSummary:
    """A project's costs in totals, as the public sees them for a released project."""

    currency: str
    count: int
    recorded_minor: int  # everything recorded
    recouped_minor: int  # paid back by revenue
    withdrawn_minor: int  # withdrawn: never to be paid back
    outstanding_minor: int  # in effect and still to be paid back
    pending_count: int  # waiting for a producer's agreement or for their window
    pending_minor: int


def cost_summary(*, project: Project, now: dt.datetime | None = None) -> CostSummary:
    """The project's costs in totals (one query)."""
    now = now or timezone.now()
    in_effect = Q(effective_at__lte=now)
    waiting = Q(withdrawn_at__isnull=True) & ~in_effect
    left = F("amount_minor") - F("recouped_minor") - F("withdrawn_minor")
    totals = ProductionCost.objects.filter(project=project).aggregate(
        count=Count("id"),
        recorded=Sum("amount_minor"),
        recouped=Sum("recouped_minor"),
        withdrawn=Sum("withdrawn_minor"),
        outstanding=Sum(left, filter=in_effect),
        pending_count=Count("id", filter=waiting),
        pending=Sum(left, filter=waiting),
    )
    return CostSummary(
        currency=project.currency,
        count=totals["count"],
        recorded_minor=totals["recorded"] or 0,
        recouped_minor=totals["recouped"] or 0,
        withdrawn_minor=totals["withdrawn"] or 0,
        outstanding_minor=totals["outstanding"] or 0,
        pending_count=totals["pending_count"],
        pending_minor=totals["pending"] or 0,
    )


def credited_works(*, project: Project) -> dict[int, str]:
    """The released project's credited contributions, {id: title}, in id order (one query;
    empty before the release)."""
    return dict(
        ReleaseCredit.objects.filter(release__project=project)
        .order_by("contribution_id")
        .values_list("contribution_id", "contribution__title")
    )


def project_streams(*, project: Project) -> QuerySet[RevenueStream]:
    return RevenueStream.objects.filter(project=project).order_by("name")


def revenue_stream_named(*, project: Project, name: str) -> RevenueStream | None:
    """The project's stream of that name, or None. A stream's name is a slug, so anything
    else names none without asking the database (a NUL byte is an error in PostgreSQL)."""
    if len(name) > 40 or not slug_re.match(name):
        return None
    return RevenueStream.objects.filter(project=project, name=name).first()


def cost_bearers(*, project: Project) -> QuerySet[User]:
    """Who may bear a cost of the project: its producers (the owner and accepted co-producers)."""
    accepted = Q(
        project_memberships__project=project, project_memberships__accepted_at__isnull=False
    )
    return User.objects.filter(Q(pk=project.owner_id) | accepted).distinct().order_by("username")


def payout_batches() -> QuerySet[PayoutBatch]:
    """Payout batches with how many payments each holds and what became of them."""
    items = PayoutItem.Result
    return (
        PayoutBatch.objects.select_related("created_by")
        .annotate(
            payment_count=Count("items"),
            pending_count=Count("items", filter=Q(items__result=items.PENDING)),
            paid_count=Count("items", filter=Q(items__result=items.PAID)),
            failed_count=Count("items", filter=Q(items__result=items.FAILED)),
        )
        .order_by("-id")
    )


def statements_awaiting_payout() -> QuerySet[Statement]:
    """Issued statements with money to pay that no payout batch holds yet."""
    return (
        Statement.objects.filter(status=Statement.Status.ISSUED, payable_minor__gt=0)
        .exclude(pk__in=PayoutItem.objects.values("statement_id"))
        .select_related("user")
        .order_by("period", "currency", "id")
    )


def project_revenue_events(*, project: Project, limit: int = 50) -> list[RevenueEvent]:
    """A project's latest revenue events, newest first, with their streams (its producers'
    revenue table)."""
    return list(
        RevenueEvent.objects.filter(project=project)
        .select_related("stream")
        .order_by("-id")[:limit]
    )


def receipt_visible_to(*, user: User, project: Project, cost_id: int) -> ProductionCost | None:
    """The cost whose receipt `user` may see, or None: a receipt backs what revenue pays a
    producer back, so its producers, the people credited in its release (whose profit pays
    it), the person who bore it and staff see it, nobody else."""
    cost = ProductionCost.objects.filter(project=project, pk=cost_id).first()
    if cost is None or not cost.receipt:
        return None
    if cost.borne_by_id == user.id or sees_project_money(project=project, user=user):
        return cost
    return None
