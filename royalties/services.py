"""Use cases that move money: record revenue, build, issue and pay statements."""

import datetime as dt
import hashlib
import math
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import Greatest
from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import APIException

from accounts.models import User
from hitrec.gcpause import cyclic_gc_paused
from hitrec.rows import fetched_rows
from notifications import hooks as notify
from projects.models import Project, Release
from projects.policy import PolicyError, parse_share
from projects.selectors import is_producer
from royalties.apportion import apportion_weights, recoupment_plan
from royalties.models import (
    Allocation,
    AllocationLine,
    EventItemisation,
    JournalEntry,
    LedgerAccount,
    PayoutBatch,
    PayoutItem,
    Posting,
    ProductionCost,
    Recoupment,
    ReleaseLine,
    ReleaseParty,
    RevenueEvent,
    RevenueStream,
    Statement,
    StatementLine,
    StatementRun,
    StatementRunBatch,
)
from royalties.money import AmountError, parse_amount
from royalties.payout_files import Payment, PayoutFileError, parse_results, payout_csv
from royalties.periods import month_bounds, month_start
from royalties.selectors import (
    project_streams,
    release_split_input,
    revenue_stream_named,
    statement_people,
)
from royalties.splits import PathIndex, describe_path, format_fraction


class IdempotencyConflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_conflict"


# --- revenue -------------------------------------------------------------------------------


def _fingerprint(*, amount_minor: int, currency: str, note: str, stream: str) -> str:
    meaning = f"{amount_minor}\x1f{currency}\x1f{note}"
    if stream:  # the default stream keeps the fingerprints recorded before streams existed
        meaning += f"\x1f{stream}"
    return hashlib.sha256(meaning.encode()).hexdigest()


def _stream_get(*, project: Project, name: str) -> RevenueStream:
    found = revenue_stream_named(project=project, name=name)
    if found is None:
        names = [stream.name for stream in project_streams(project=project)]
        known = f"its streams are {', '.join(names)}" if names else "it has no streams"
        raise ValidationError(
            {"stream": [f"“{project.title}” has no revenue stream “{name[:40]}”; {known}."]}
        )
    return found


def revenue_record(
    *,
    project: Project,
    actor: User,
    amount: str,
    currency: str,
    note: str = "",
    idempotency_key: str,
    stream: str | None = None,
) -> tuple[RevenueEvent, bool]:
    """A producer records money the released work earned; it is allocated at once.

    The money first pays back recorded production costs (unless its stream does not recoup),
    then the rest, the profit, is split by the release's policy (or the stream's pool).
    Returns the event and whether it was recorded now (False: the key was seen before with
    the same request, and nothing new was recorded).
    """
    if not is_producer(project=project, user=actor):
        raise PermissionDenied(f"Only the producers of “{project.title}” can record revenue.")
    if not idempotency_key or len(idempotency_key) > 255:
        raise ValidationError("Send an Idempotency-Key header (1 to 255 characters).")
    if currency != project.currency:
        raise ValidationError(
            {"currency": [f"“{project.title}” earns in {project.currency}, not {currency}."]}
        )
    try:
        amount_minor = parse_amount(amount, currency=currency)
    except AmountError as exc:
        raise ValidationError({"amount": [str(exc)]}) from exc
    stream_row = _stream_get(project=project, name=stream) if stream else None
    fingerprint = _fingerprint(
        amount_minor=amount_minor, currency=currency, note=note, stream=stream or ""
    )
    try:
        with transaction.atomic():
            # One revenue post per project at a time: the apportionment state is per release.
            project = Project.objects.select_for_update().get(pk=project.pk)
            seen = RevenueEvent.objects.filter(project=project, idempotency_key=idempotency_key)
            replay = seen.first()
            if replay is not None:
                return _replayed(replay, fingerprint), False
            release = Release.objects.filter(project=project).first()
            if release is None:
                raise ValidationError(
                    f"“{project.title}” has not been released; revenue is recorded for "
                    "released work only."
                )
            # Tens of thousands of rows become tuples and back: with the cyclic collector
            # running, its full passes over a large process's heap cost as much again.
            with cyclic_gc_paused():
                event = _allocate(
                    project=project, release=release, stream=stream_row, actor=actor,
                    amount_minor=amount_minor, note=note, idempotency_key=idempotency_key,
                    fingerprint=fingerprint,
                )  # fmt: skip
            notify.revenue_recorded(event=event)
            _itemise_after_commit(release_id=release.id)
            return event, True
    except IntegrityError:
        # Another request with the same key committed first (the unique constraint caught it).
        replay = RevenueEvent.objects.filter(
            project=project, idempotency_key=idempotency_key
        ).first()
        if replay is None:
            raise
        return _replayed(replay, fingerprint), False


# --- revenue streams and production costs --------------------------------------------------

# What a stream is for when its name says so and the producer says nothing else: a budget is
# money paid to make the work, not profit, so it all goes to the contributors, costs aside.
_STREAM_DEFAULTS = {"budget": (Fraction(1), False)}
RECEIPT_MAX_BYTES = 10 * 1000 * 1000
_RECEIPT_TYPES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


def revenue_stream_create(
    *,
    project: Project,
    actor: User,
    name: str,
    contributor_pool: str | None = None,
    recoups_costs: bool | None = None,
    contributions: Sequence[int] = (),
) -> RevenueStream:
    """Producers name a kind of revenue (publishing, master, sync, budget…) and its pool, and
    may say which of the release's credited contributions it pays (default: all of them)."""
    if not is_producer(project=project, user=actor):
        raise PermissionDenied(f"Only the producers of “{project.title}” can add revenue streams.")
    paid = _stream_contributions(project=project, contributions=contributions)
    default_pool, default_recoups = _STREAM_DEFAULTS.get(name, (project.contributor_pool, True))
    if contributor_pool is None:
        pool = default_pool
    else:
        try:
            pool = parse_share(contributor_pool, name="The contributor pool")
        except PolicyError as exc:
            raise ValidationError({"contributor_pool": [str(exc)]}) from exc
        if not 0 <= pool <= 1:
            raise ValidationError(
                {"contributor_pool": ["The contributor pool must be between 0 and 1 (0% to 100%)."]}
            )
    if RevenueStream.objects.filter(project=project, name=name).exists():
        raise ValidationError({"name": [f"“{project.title}” already has a stream “{name}”."]})
    try:
        with transaction.atomic():
            return RevenueStream.objects.create(
                project=project, name=name, pool_numerator=pool.numerator,
                pool_denominator=pool.denominator,
                recoups_costs=default_recoups if recoups_costs is None else recoups_costs,
                contributions=paid, created_by=actor,
            )  # fmt: skip
    except IntegrityError:  # created by a concurrent request since the check above
        raise ValidationError(
            {"name": [f"“{project.title}” already has a stream “{name}”."]}
        ) from None


def _stream_contributions(*, project: Project, contributions: Sequence[int]) -> list[int]:
    """The credited contributions a new stream pays, checked against the release's credits
    (empty when it pays them all)."""
    paid = sorted(set(contributions))
    if not paid:
        return []
    release = Release.objects.filter(project=project).first()
    if release is None:
        raise ValidationError(
            {"contributions": [
                "A stream can pay only some of the credits once the project is released: "
                "its credits are fixed then."
            ]}
        )  # fmt: skip
    credited = set(release.credits.values_list("contribution_id", flat=True))
    strangers = [contribution for contribution in paid if contribution not in credited]
    if strangers:
        listed = ", ".join(f"#{contribution}" for contribution in strangers[:10])
        raise ValidationError(
            {"contributions": [
                f"The release of “{project.title}” does not credit {listed}; a stream pays "
                "only credited contributions."
            ]}
        )  # fmt: skip
    return [] if set(paid) == credited else paid


def _receipt_type(head: bytes) -> tuple[str, str]:
    for magic, mime, extension in _RECEIPT_TYPES:
        if head.startswith(magic):
            return mime, extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    raise ValidationError({"receipt": ["A receipt must be a PDF, JPEG, PNG or WebP file."]})


def production_cost_record(
    *,
    project: Project,
    actor: User,
    amount: str,
    currency: str,
    note: str,
    borne_by: User | None = None,
    receipt: UploadedFile | None = None,
) -> ProductionCost:
    """A producer records what making the work cost and who paid; revenue pays it back first.

    The receipt is kept as uploaded (checked to be a PDF or a picture by its content) and
    only ever served as a download to the project's producers, the bearer and staff.
    """
    if not is_producer(project=project, user=actor):
        raise PermissionDenied(f"Only the producers of “{project.title}” can record costs.")
    if currency != project.currency:
        raise ValidationError(
            {"currency": [f"“{project.title}” keeps its accounts in {project.currency}."]}
        )
    try:
        amount_minor = parse_amount(amount, currency=currency)
    except AmountError as exc:
        raise ValidationError({"amount": [str(exc)]}) from exc
    if not note.strip():
        raise ValidationError({"note": ["Say what the cost was for."]})
    borne_by = borne_by or actor
    if not is_producer(project=project, user=borne_by):
        raise ValidationError(
            {"borne_by": ["Costs are paid back to a producer of the project who bore them."]}
        )
    stored = ""
    mime = ""
    if receipt is not None:
        if receipt.size > RECEIPT_MAX_BYTES:
            raise ValidationError({"receipt": ["A receipt is limited to 10 MB."]})
        receipt.seek(0)
        mime, extension = _receipt_type(receipt.read(16))
        receipt.seek(0)
        stored = default_storage.save(
            f"receipts/{project.pk}/{uuid.uuid4().hex}.{extension}", receipt
        )
    try:
        cost = ProductionCost.objects.create(
            project=project, amount_minor=amount_minor, currency=currency, note=note.strip(),
            receipt=stored, receipt_mime=mime, borne_by=borne_by, recorded_by=actor,
        )  # fmt: skip
    except Exception:
        if stored:  # no receipt without its cost
            default_storage.delete(stored)
        raise
    notify.cost_changed(cost=cost, change="recorded")
    return cost


def _replayed(event: RevenueEvent, fingerprint: str) -> RevenueEvent:
    if event.fingerprint != fingerprint:
        raise IdempotencyConflict(
            "This Idempotency-Key was already used for a different revenue event; "
            "use a new key for new revenue."
        )
    return event


def release_parties_prepare(*, release_id: int) -> None:
    """Turn a new release's split into its parties and lines, ahead of its first revenue.

    A job right after the release (it takes seconds for 10,000 credits), so that recording
    revenue never computes a split; `revenue_record` still does it if this has not run.
    """
    with transaction.atomic():
        release = Release.objects.select_related("project").get(pk=release_id)
        # The same lock as a revenue post: the two never build the parties twice.
        Project.objects.select_for_update().get(pk=release.project_id)
        _parties_for(release)


@dataclass(slots=True)
class _PartyState:
    """What an event needs of a party: a plain row, not a model instance (there can be
    10,000 of them per event, and building model instances cost a third of a post)."""

    id: int
    user_id: int
    share_exact: str
    allocated_minor: int


def _parties_for(release: Release, stream: RevenueStream | None = None) -> list[_PartyState]:
    """The release's parties and lines in a stream, created from the split (once each)."""
    rows = fetched_rows(
        release.parties.filter(stream=stream)
        .order_by("user_id")
        .values_list("id", "user_id", "share_exact", "allocated_minor")
    )
    parties = [_PartyState(*row) for row in rows]
    if parties:
        return parties
    _parties_create(release, stream)
    return _parties_for(release, stream)


def _parties_create(release: Release, stream: RevenueStream | None) -> None:
    split_input = release_split_input(release=release, stream=stream)
    paths = PathIndex(split_input)  # computes the split once, and indexes its paths
    split = paths.split
    parties = ReleaseParty.objects.bulk_create(
        ReleaseParty(
            release=release, stream=stream, user_id=party.user_id,
            share_exact=format_fraction(party.share),
        )
        for party in split.parties
    )  # fmt: skip
    by_user = {party.user_id: party for party in parties}
    lines = []
    producer_share = 1 - split_input.policy.contributor_pool
    if producer_share and release.producer_id in by_user:
        lines.append(ReleaseLine(
            party=by_user[release.producer_id], contribution=None,
            share_exact=format_fraction(producer_share),
            path="producer's share",
        ))  # fmt: skip
    for contribution_id, flow in sorted(split.contributions.items()):
        if not flow.kept:
            continue
        author_id = split_input.snapshot.nodes[contribution_id].author_id
        explanation = paths.paths_to(contribution_id, limit=1)
        path = describe_path(split_input.snapshot, explanation.paths[0].contribution_ids)
        if explanation.path_count > 1:
            path += f" (and {explanation.path_count - 1} other path(s))"
        lines.append(ReleaseLine(
            party=by_user[author_id], contribution_id=contribution_id,
            share_exact=format_fraction(flow.kept),
            path=path[:5000],
        ))  # fmt: skip
    ReleaseLine.objects.bulk_create(lines)


def _allocate(
    *, project: Project, release: Release, stream: RevenueStream | None, actor: User,
    amount_minor: int, note: str, idempotency_key: str, fingerprint: str,
) -> RevenueEvent:  # fmt: skip
    parties = _parties_for(release, stream)
    costs = _costs_outstanding(project) if stream is None or stream.recoups_costs else []
    recouped = recoupment_plan(
        outstanding=[cost.outstanding_minor for cost in costs], amount=amount_minor
    )
    profit = amount_minor - sum(recouped)
    previous_revenue = sum(party.allocated_minor for party in parties)
    parts = apportion_weights(
        weights=_weights([party.share_exact for party in parties], whole="1"),
        previous_totals=[party.allocated_minor for party in parties],
        previous_revenue=previous_revenue,
        amount=profit,
    )  # parties are in user id order: ties go to the lower user id, as `apportion` does
    allocations = {party.user_id: part for party, part in zip(parties, parts, strict=True)}
    event = RevenueEvent.objects.create(
        project=project, release=release, stream=stream, amount_minor=amount_minor,
        recouped_minor=amount_minor - profit, currency=release.currency, note=note,
        idempotency_key=idempotency_key, fingerprint=fingerprint, recorded_by=actor,
        cumulative_minor=previous_revenue + profit,
    )  # fmt: skip
    repaid = _recoup(event, costs, recouped)
    paid = [party for party in parties if allocations[party.user_id] > 0]
    _insert_rows(
        Allocation,
        ("event", "user", "amount_minor"),
        [(event.id, party.user_id, allocations[party.user_id]) for party in paid],
    )
    # Each allocation's division among the person's lines follows in a job (`revenue_itemise`).
    for party in paid:
        party.allocated_minor += allocations[party.user_id]
    _set_allocated(ReleaseParty, [(party.id, party.allocated_minor) for party in paid])
    _post_revenue(event, project, allocations, repaid)
    return event


def _weights(shares: list[str], *, whole: str) -> list[int]:
    """Exact "n/d" shares as integer weights over their common denominator, checking that
    they add up to `whole` (a stored state that does not is refused, never rescaled)."""
    terms = [share.partition("/") for share in shares]
    numerators = [int(n) for n, _, _ in terms]
    denominators = [int(d or 1) for _, _, d in terms]
    whole_n, _, whole_d = whole.partition("/")
    common = math.lcm(*denominators, int(whole_d or 1))
    weights = [n * (common // d) for n, d in zip(numerators, denominators, strict=True)]
    if sum(weights) != int(whole_n) * (common // int(whole_d or 1)):
        raise RuntimeError(f"Internal error: stored shares do not add up to {whole}.")
    return weights


@transaction.atomic
def production_cost_withdraw(*, cost: ProductionCost, actor: User, reason: str) -> ProductionCost:
    """A producer withdraws what revenue has not yet paid back of a cost (recorded by mistake,
    or with the wrong amount: withdraw it and record the right one).

    What was paid back stays paid: those recoupments are in the ledger, which is never
    edited. The project row is locked first, as a revenue post locks it, so a post either
    pays the cost back before the withdrawal or sees it withdrawn.
    """
    project = Project.objects.select_for_update().get(pk=cost.project_id)
    if not is_producer(project=project, user=actor):
        raise PermissionDenied(f"Only the producers of “{project.title}” can withdraw costs.")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the cost is withdrawn."]})
    cost = ProductionCost.objects.select_for_update().get(pk=cost.pk)
    if cost.withdrawn_at is not None:
        raise ValidationError(
            {"cost": [f"This cost was already withdrawn on {cost.withdrawn_at:%Y-%m-%d}."]}
        )
    if not cost.outstanding_minor:
        raise ValidationError(
            {
                "cost": [
                    "Revenue has already paid this cost back in full; nothing is left to withdraw."
                ]
            }
        )
    cost.withdrawn_minor = cost.outstanding_minor
    cost.withdrawn_at = timezone.now()
    cost.withdrawn_by = actor
    cost.withdrawal_reason = reason
    cost.save(
        update_fields=["withdrawn_minor", "withdrawn_at", "withdrawn_by", "withdrawal_reason"]
    )
    notify.cost_changed(cost=cost, change="withdrawn")
    return cost


def _costs_outstanding(project: Project) -> list[ProductionCost]:
    """The project's costs not yet paid back, oldest first, locked (in primary-key order)."""
    return list(
        ProductionCost.objects.select_for_update()
        .filter(project=project, recouped_minor__lt=F("amount_minor") - F("withdrawn_minor"))
        .order_by("id")
    )


def _recoup(event: RevenueEvent, costs: list[ProductionCost], plan: list[int]) -> dict[int, int]:
    """Record the event's recoupments; returns what each cost bearer is paid back."""
    repaid: dict[int, int] = {}
    rows = []
    for cost, amount in zip(costs, plan, strict=True):
        if not amount:
            continue
        rows.append(Recoupment(event=event, cost=cost, amount_minor=amount))
        cost.recouped_minor += amount
        repaid[cost.borne_by_id] = repaid.get(cost.borne_by_id, 0) + amount
    if rows:
        Recoupment.objects.bulk_create(rows)
        ProductionCost.objects.bulk_update([row.cost for row in rows], ["recouped_minor"])
    return repaid


def _itemise_after_commit(*, release_id: int) -> None:
    from royalties.tasks import itemise_revenue

    transaction.on_commit(lambda: itemise_revenue.delay(release_id))


def revenue_itemise(*, release_id: int, rows_per_write: int = 100_000) -> int:
    """Divide the release's waiting revenue events' allocations among the parties' lines.

    A job after each revenue post (`royalties.itemise_revenue`), and what a statement does
    first for the events it reads (`statement_build`). A person's part of an event is divided
    among their lines (their contributions, and the producer's share) by the same quota method
    as the event among the people, on the lines' running totals, so events are itemised
    strictly in order: one itemiser per release at a time (the release row is locked), the
    oldest waiting event first. Idempotent: an itemised event has its `EventItemisation`, and
    the lines and the marker are written in one transaction. Returns how many events it
    itemised. After a backlog (a worker down for a while), the lines go in by
    `rows_per_write` at a time, so memory stays bounded however many events wait.

    Why after the commit: a large release's event has tens of thousands of lines to write
    and running totals to update, which took the larger half of a revenue post. The money is
    posted with the event (every person's allocation and the ledger entry); its breakdown by
    contribution is for statements and explanations, and follows within a second or so.
    """
    with transaction.atomic(), cyclic_gc_paused():
        # FOR NO KEY UPDATE: it does not hold up rows being written that refer to the release.
        list(Release.objects.select_for_update(no_key=True).filter(pk=release_id).values("pk"))
        waiting = list(
            RevenueEvent.objects.filter(release_id=release_id, itemisation__isnull=True)
            .order_by("id")
            .values_list("id", "stream_id")
        )
        if not waiting:
            return 0
        streams: dict[int | None, _StreamLines] = {}
        line_rows: list[tuple[int, int, int]] = []  # (allocation, line, amount_minor)
        for event_id, stream_id in waiting:
            lines = streams.get(stream_id)
            if lines is None:
                lines = streams[stream_id] = _StreamLines.load(release_id, stream_id)
            line_rows += lines.itemise(
                fetched_rows(
                    Allocation.objects.filter(event_id=event_id)
                    .order_by("user_id")
                    .values_list("id", "user_id", "amount_minor")
                )
            )
            if len(line_rows) >= rows_per_write:
                _insert_rows(AllocationLine, ("allocation", "line", "amount_minor"), line_rows)
                line_rows = []
        _insert_rows(AllocationLine, ("allocation", "line", "amount_minor"), line_rows)
        for lines in streams.values():
            _set_allocated(ReleaseLine, lines.changed_totals())
        EventItemisation.objects.bulk_create(
            EventItemisation(event_id=event_id) for event_id, _ in waiting
        )
    return len(waiting)


@dataclass(slots=True)
class _StreamLines:
    """A release's lines in one stream, by person, with their running totals as itemised.

    Bare tuples and lists, not model instances: a large release has tens of thousands of
    lines, and an event needs four of their columns.
    """

    # user id -> (the person's line weights over their share, [[line id, running total]])
    by_user: dict[int, tuple[list[int], list[list[int]]]]
    changed: dict[int, list[int]]  # line id -> its [line id, running total], once changed

    @classmethod
    def load(cls, release_id: int, stream_id: int | None) -> "_StreamLines":
        parties = {
            party_id: (user_id, share)
            for party_id, user_id, share in fetched_rows(
                ReleaseParty.objects.filter(release_id=release_id, stream_id=stream_id)
                .order_by()
                .values_list("id", "user_id", "share_exact")
            )
        }
        lines: dict[int, list[tuple[int, str, int]]] = {}
        for line_id, party_id, share, allocated in fetched_rows(
            ReleaseLine.objects.filter(party__release_id=release_id, party__stream_id=stream_id)
            .order_by("party_id", "id")
            .values_list("id", "party_id", "share_exact", "allocated_minor")
        ):
            lines.setdefault(party_id, []).append((line_id, share, allocated))
        by_user = {}
        for party_id, party_lines in lines.items():
            # The lines' shares of the release, as weights: their shares of the person's part.
            user_id, party_share = parties[party_id]
            weights = _weights([share for _, share, _ in party_lines], whole=party_share)
            totals = [[line_id, allocated] for line_id, _, allocated in party_lines]
            by_user[user_id] = (weights, totals)
        return cls(by_user=by_user, changed={})

    def itemise(self, allocations: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
        """One event's (allocation, user, amount) rows as (allocation, line, amount) rows,
        the running totals moved on."""
        rows = []
        for allocation_id, user_id, amount in allocations:
            weights, totals = self.by_user[user_id]
            if len(totals) == 1:
                # Most people earn through one line: it takes their whole part, no arithmetic.
                amounts = [amount]
            else:
                previous = [allocated for _, allocated in totals]
                # The person's total so far: their lines' totals add up to it, event by event.
                amounts = apportion_weights(
                    weights=weights,
                    previous_totals=previous,
                    previous_revenue=sum(previous),
                    amount=amount,
                )
            for line, part in zip(totals, amounts, strict=True):
                if part:
                    rows.append((allocation_id, line[0], part))
                    line[1] += part
                    self.changed[line[0]] = line
        return rows

    def changed_totals(self) -> list[tuple[int, int]]:
        return [(line_id, allocated) for line_id, allocated in self.changed.values()]


# A large release writes tens of thousands of rows per event (allocations, their lines,
# postings) and updates as many running totals. Through model instances, `bulk_create` and
# `bulk_update` (a `CASE WHEN id = ... THEN ...` with one branch per row, built as Python
# expression objects) that took seconds, far more than the database's own work. These
# functions take plain integer rows instead. On PostgreSQL new rows go in by binary COPY (no
# SQL text to build or parse: about a fifth of an `INSERT ... SELECT unnest(...)` of the same
# rows), and running totals travel as one array parameter per column; elsewhere (SQLite:
# in-process, no round trips) one prepared statement runs per row. `{table}` and `{columns}`
# are a model's own names, never user input.
_COPY_POSTGRESQL = "COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)"
_INSERT_ONE = "INSERT INTO {table} ({columns}) VALUES ({values})"
_SET_ALLOCATED_POSTGRESQL = """UPDATE {table} AS t SET allocated_minor = v.allocated_minor
FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, allocated_minor) WHERE t.id = v.id"""
_SET_ALLOCATED_ONE = "UPDATE {table} SET allocated_minor = %s WHERE id = %s"


def _bigint_array(values: Iterable[int]) -> str:
    """A PostgreSQL array literal of integers, passed as one parameter cast to bigint[].

    Given a list, psycopg's client-side quoting (Django's default) walks it element by
    element in Python: about a tenth of a second per event for the arrays here.
    """
    return "{" + ",".join(map(str, values)) + "}"


def _insert_rows(
    model: type[Allocation] | type[AllocationLine] | type[Posting],
    fields: tuple[str, ...],
    rows: list[tuple[int, ...]],
) -> None:
    """Insert rows of bigint values (ids, minor units) into the model's `fields`, in order.

    One statement on PostgreSQL (a COPY): the ledger's per-statement checks see every row.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A COPY is not an `execute`: errors (a refused reference, an unbalanced entry)
            # come out of psycopg as they are, so they are wrapped as Django's here.
            with (
                connection.wrap_database_errors,
                cursor.copy(_COPY_POSTGRESQL.format(table=table, columns=columns)) as copy,
            ):
                copy.set_types(["int8"] * len(fields))
                for row in rows:
                    copy.write_row(row)
        else:
            values = ", ".join(["%s"] * len(fields))
            cursor.executemany(
                _INSERT_ONE.format(table=table, columns=columns, values=values), rows
            )


def _set_allocated(
    model: type[ReleaseParty] | type[ReleaseLine], totals: list[tuple[int, int]]
) -> None:
    """Store new running totals, given as (row id, allocated_minor) pairs."""
    if not totals:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            ids, amounts = zip(*totals, strict=True)
            cursor.execute(
                _SET_ALLOCATED_POSTGRESQL.format(table=table),
                [_bigint_array(ids), _bigint_array(amounts)],
            )
        else:
            cursor.executemany(
                _SET_ALLOCATED_ONE.format(table=table),
                [(allocated, row_id) for row_id, allocated in totals],
            )


def _accounts(kind: str, currency: str, *, users=(), project=None) -> dict:
    """Ledger accounts, created on first use (in bulk, safe against a concurrent creator)."""
    if project is not None:
        account, _ = LedgerAccount.objects.get_or_create(
            kind=kind, currency=currency, project=project, user=None
        )
        return {project.id: account}
    if not users:
        account, _ = LedgerAccount.objects.get_or_create(
            kind=kind, currency=currency, project=None, user=None
        )
        return {None: account}
    existing = {
        a.user_id: a
        for a in LedgerAccount.objects.filter(kind=kind, currency=currency, user_id__in=users)
    }
    missing = [u for u in users if u not in existing]
    if missing:
        LedgerAccount.objects.bulk_create(
            [LedgerAccount(kind=kind, currency=currency, user_id=u) for u in missing],
            ignore_conflicts=True,
        )
        existing = {
            a.user_id: a
            for a in LedgerAccount.objects.filter(kind=kind, currency=currency, user_id__in=users)
        }
    return existing


def _payable_account_ids(
    event: RevenueEvent, payees: list[int], cost_bearers: Iterable[int]
) -> dict[int, int]:
    """The payees' payable account ids, created on first use like `_accounts` does.

    The payees are the users allocated in this event: found through that subquery rather
    than an IN list of up to tens of thousands of ids, and read as ids, not instances; plus
    the few people paid back a cost.
    """
    accounts = LedgerAccount.objects.filter(
        Q(user__in=Allocation.objects.filter(event=event).values("user_id"))
        | Q(user__in=list(cost_bearers)),
        kind=LedgerAccount.Kind.PAYABLE, currency=event.currency,
    ).values_list("user_id", "id")  # fmt: skip
    found = dict(accounts)
    if len(found) < len(payees):
        _payable_accounts_create(event.currency, [u for u in payees if u not in found])
        found = dict(accounts.all())
    return found


# A release's first event can pay thousands of people who have no payable account yet in its
# currency: as model instances through `bulk_create` that cost a few hundred milliseconds.
# Plain rows instead; ON CONFLICT DO NOTHING makes a concurrent creator of the same account
# harmless (the unique constraint `account_once_per_user` decides).
_PAYABLE_ACCOUNTS_POSTGRESQL = """INSERT INTO {table} ({columns})
SELECT %s, %s, unnest(%s::bigint[]) ON CONFLICT DO NOTHING"""
_PAYABLE_ACCOUNT_ONE = "INSERT INTO {table} ({columns}) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING"


def _payable_accounts_create(currency: str, user_ids: list[int]) -> None:
    quote, meta = connection.ops.quote_name, LedgerAccount._meta
    table = quote(meta.db_table)
    columns = ", ".join(quote(meta.get_field(name).column) for name in ("kind", "currency", "user"))
    kind = LedgerAccount.Kind.PAYABLE.value
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                _PAYABLE_ACCOUNTS_POSTGRESQL.format(table=table, columns=columns),
                [kind, currency, _bigint_array(user_ids)],
            )
        else:
            cursor.executemany(
                _PAYABLE_ACCOUNT_ONE.format(table=table, columns=columns),
                [(kind, currency, user_id) for user_id in user_ids],
            )


def _post_revenue(
    event: RevenueEvent, project: Project, allocations: dict[int, int], repaid: dict[int, int]
) -> None:
    """Debit the project's revenue, credit each person's payable balance (their allocation
    plus any cost paid back to them): the entry sums to 0."""
    owed = dict(allocations)
    for user_id, amount in repaid.items():
        owed[user_id] = owed.get(user_id, 0) + amount
    payees = [user_id for user_id, amount in owed.items() if amount]
    revenue = _accounts(LedgerAccount.Kind.PROJECT_REVENUE, event.currency, project=project)
    payable = _payable_account_ids(event, payees, cost_bearers=repaid)
    entry = JournalEntry.objects.create(
        kind=JournalEntry.Kind.REVENUE, event=event, memo=f"revenue: {event.note}"[:500]
    )
    postings = [(entry.id, revenue[project.id].id, event.amount_minor)]
    postings += [(entry.id, payable[user_id], -owed[user_id]) for user_id in payees]
    _check_balanced(amount for _, _, amount in postings)
    _insert_rows(Posting, ("entry", "account", "amount_minor"), postings)


def _check_balanced(amounts: Iterable[int]) -> None:
    total = sum(amounts)
    if total != 0:
        raise RuntimeError(f"Internal error: a journal entry would not balance (sum {total}).")


@transaction.atomic
def journal_entry_reverse(*, entry: JournalEntry, actor: User, memo: str = "") -> JournalEntry:
    """Staff correct the ledger by posting the exact opposite of an entry, never by editing."""
    if not actor.is_staff:
        raise PermissionDenied("Only staff can correct the ledger.")
    if JournalEntry.objects.filter(reverses=entry).exists():
        raise ValidationError("This entry has already been reversed.")
    reversal = JournalEntry.objects.create(
        kind=JournalEntry.Kind.REVERSAL, reverses=entry, memo=memo[:500] or f"reverses #{entry.pk}"
    )
    postings = [
        Posting(entry=reversal, account_id=p.account_id, amount_minor=-p.amount_minor)
        for p in entry.postings.all()
    ]
    _check_balanced(p.amount_minor for p in postings)
    Posting.objects.bulk_create(postings)
    return reversal


# --- statements ----------------------------------------------------------------------------


def payout_threshold(currency: str) -> int:
    thresholds = settings.HITREC_PAYOUT_THRESHOLDS
    return thresholds.get(currency, thresholds["default"])


@transaction.atomic
def statement_build(*, user_id: int, period: dt.date, currency: str) -> Statement | None:
    """Build (or rebuild, while open) one person's statement for a month. Idempotent."""
    period = month_start(period)
    statement = (
        Statement.objects.select_for_update()
        .filter(user_id=user_id, period=period, currency=currency)
        .first()
    )
    if statement is not None and statement.status != Statement.Status.OPEN:
        return statement  # issued statements never change
    start, end = month_bounds(period)
    _itemise_waiting(
        allocations=Allocation.objects.filter(
            user_id=user_id, event__currency=currency, event__created_at__lt=end
        )
    )
    earned = (
        AllocationLine.objects.filter(
            allocation__user_id=user_id, allocation__event__currency=currency,
            allocation__event__created_at__gte=start, allocation__event__created_at__lt=end,
        )
        # A line per project, stream and contribution: what a publishing stream paid is not
        # folded into the release's own revenue.
        .values("allocation__event__project_id", "line__contribution_id", "line__path",
                "line__contribution__title", "allocation__event__project__title",
                "allocation__event__stream__name")
        .annotate(amount=Sum("amount_minor"))
        .order_by("allocation__event__project_id", F("allocation__event__stream__name").asc(
            nulls_first=True), "line__contribution_id")
    )  # fmt: skip
    repaid = (
        Recoupment.objects.filter(
            cost__borne_by_id=user_id, event__currency=currency,
            event__created_at__gte=start, event__created_at__lt=end,
        )
        .values("event__project_id", "event__project__title", "cost_id", "cost__note")
        .annotate(amount=Sum("amount_minor"))
        .order_by("event__project_id", "cost_id")
    )  # fmt: skip
    previous = (
        Statement.objects.filter(user_id=user_id, currency=currency, period__lt=period)
        .order_by("-period")
        .first()
    )
    carried_in = previous.carried_forward_minor if previous else 0
    if not earned and not repaid and not carried_in:
        return statement
    if statement is None:
        statement = Statement(user_id=user_id, period=period, currency=currency)
    total_earned = sum(row["amount"] for row in earned) + sum(row["amount"] for row in repaid)
    total = carried_in + total_earned
    reaches = total >= payout_threshold(currency)
    statement.carried_in_minor = carried_in
    statement.earned_minor = total_earned
    statement.payable_minor = total if reaches else 0
    statement.carried_forward_minor = 0 if reaches else total
    statement.save()
    statement.lines.all().delete()
    StatementLine.objects.bulk_create(
        StatementLine(
            statement=statement,
            project_id=row["allocation__event__project_id"],
            contribution_id=row["line__contribution_id"],
            description=(
                _earning_source(
                    row["allocation__event__project__title"], row["allocation__event__stream__name"]
                )
                + ": "
                + (row["line__contribution__title"] or "producer's share")
            )[:300],  # fmt: skip
            path=row["line__path"],
            amount_minor=row["amount"],
        )
        for row in earned
    )
    StatementLine.objects.bulk_create(
        StatementLine(
            statement=statement,
            kind=StatementLine.Kind.RECOUPMENT,
            project_id=row["event__project_id"],
            description=(f"{row['event__project__title']}: cost paid back: {row['cost__note']}")[
                :300
            ],
            path=f"recoupment of cost #{row['cost_id']}",
            amount_minor=row["amount"],
        )
        for row in repaid
    )
    return statement


def _earning_source(project_title: str, stream: str | None) -> str:
    """How a statement line names where money came from: the project, and its stream if any."""
    return f"{project_title} ({stream})" if stream else project_title


def _itemise_waiting(*, allocations: QuerySet[Allocation]) -> None:
    """Itemise first the events whose lines statements will read and whose job has not run
    yet: a statement's lines must add up to what the ledger owes the person."""
    releases = set(
        allocations.filter(event__itemisation__isnull=True).values_list(
            "event__release_id", flat=True
        )
    )
    for release_id in sorted(releases):  # release locks in primary-key order
        revenue_itemise(release_id=release_id)


def statements_build_month(*, period: dt.date) -> list[Statement]:
    """Everyone's statements for a month, at once (a statement run does it in batches)."""
    return _statements_build(people=statement_people(period=period), period=month_start(period))


def _statements_build(*, people: Iterable[tuple[int, str]], period: dt.date) -> list[Statement]:
    built = []
    for user_id, currency in people:
        statement = statement_build(user_id=user_id, period=period, currency=currency)
        if statement is not None:
            built.append(statement)
    return built


@transaction.atomic
def statement_run_start(*, period: dt.date, actor: User) -> StatementRun:
    """Staff ask for a month's statements; workers build them and report progress.

    Refused while another run of the month is under way (`_refuse_while_under_way`).
    """
    if not actor.is_staff:
        raise PermissionDenied("Only staff can build statements.")
    from royalties.tasks import build_statements

    period = month_start(period)
    _refuse_while_under_way(period=period, then="build")
    run = StatementRun.objects.create(period=period, requested_by=actor)
    transaction.on_commit(lambda: build_statements.delay(run.id))
    return run


def _refuse_while_under_way(*, period: dt.date, then: str) -> None:
    """One run at a time per month: a second would lock the same statements (in another
    order, when it is of the other kind), and a double click would count nothing twice but
    show a run that found nothing left to do."""
    under_way = (
        StatementRun.objects.filter(
            period=period, status__in=[StatementRun.Status.QUEUED, StatementRun.Status.RUNNING]
        )
        .order_by("id")
        .first()
    )
    if under_way is not None:
        doing = "issued" if under_way.kind == StatementRun.Kind.ISSUE else "built"
        raise ValidationError(
            {"period": [
                f"The statements of {period:%B} {period.year} are being {doing} (run "
                f"#{under_way.pk}); {then} them once it is done."
            ]}
        )  # fmt: skip


@transaction.atomic
def statement_issue_run_start(*, period: dt.date, actor: User) -> StatementRun:
    """Staff issue every open statement of a month at once; a worker does it, with progress.

    Refused while another run of the month is under way (a statement issued mid-build would
    miss what the rest of the build adds), and when none is open.
    """
    if not actor.is_staff:
        raise PermissionDenied("Only staff can issue statements.")
    from royalties.tasks import issue_statements

    period = month_start(period)
    _refuse_while_under_way(period=period, then="issue")
    open_count = Statement.objects.filter(period=period, status=Statement.Status.OPEN).count()
    if not open_count:
        raise ValidationError(
            {"period": [f"No statement of {period:%B} {period.year} is open to issue."]}
        )
    run = StatementRun.objects.create(
        kind=StatementRun.Kind.ISSUE, period=period, requested_by=actor, total=open_count
    )
    transaction.on_commit(lambda: issue_statements.delay(run.id))
    return run


def statement_issue_run_execute(*, run_id: int) -> None:
    """The worker's side of issuing a month: the open statements, a batch per transaction.

    Each batch's statements, their notifications and the run's count commit together, so a
    redelivered job goes on where the last one stopped. A statement opened after the run
    was asked for (a late build) is issued too: the run issues what is open when it gets
    there, and its total grows to say so.
    """
    run = StatementRun.objects.get(pk=run_id)
    if run.status in (StatementRun.Status.DONE, StatementRun.Status.FAILED):
        return
    StatementRun.objects.filter(pk=run_id).update(status=StatementRun.Status.RUNNING)
    size = settings.HITREC_STATEMENT_BATCH_SIZE
    with _failure_recorded(StatementRun.objects.filter(pk=run_id)):
        while True:
            with transaction.atomic():
                batch = list(
                    Statement.objects.select_for_update()
                    .filter(period=run.period, status=Statement.Status.OPEN)
                    .order_by("id")[:size]
                )
                if not batch:
                    break
                _statements_issued(batch)
                StatementRun.objects.filter(pk=run_id).update(
                    done=F("done") + len(batch), total=Greatest(F("total"), F("done") + len(batch))
                )
    StatementRun.objects.filter(pk=run_id).update(
        status=StatementRun.Status.DONE, finished_at=timezone.now()
    )


def statement_run_execute(*, run_id: int) -> None:
    """The run's first job: it divides the month's people into batches, a job each.

    A month at a million people is then built by every money worker at once, and a job that
    fails or is redelivered repeats only its batch. Guarded: the batches are planned once
    (with the run's total, in one transaction); a redelivered job queues again only those
    not yet built (a batch's own job skips one that is built or being built).
    """
    with transaction.atomic():
        run = StatementRun.objects.select_for_update().get(pk=run_id)
        if run.status == StatementRun.Status.QUEUED:
            people = statement_people(period=run.period)
            size = settings.HITREC_STATEMENT_BATCH_SIZE
            slices = [people[start : start + size] for start in range(0, len(people), size)]
            StatementRunBatch.objects.bulk_create(
                StatementRunBatch(run=run, number=number, people=slice_, size=len(slice_))
                for number, slice_ in enumerate(slices, start=1)
            )
            run.total = len(people)
            run.status = StatementRun.Status.RUNNING if people else StatementRun.Status.DONE
            run.finished_at = None if people else timezone.now()
            run.save(update_fields=["total", "status", "finished_at"])
        if run.status == StatementRun.Status.RUNNING:
            _batches_queue(run)


def _batches_queue(run: StatementRun) -> bool:
    """Queue, after the commit, a job for each of the run's batches not yet built; whether
    there was any."""
    from royalties.tasks import build_statement_batch

    waiting = list(
        run.batches.filter(built_at__isnull=True).order_by("number").values_list("id", flat=True)
    )
    if waiting:
        transaction.on_commit(lambda: [build_statement_batch.delay(batch) for batch in waiting])
    return bool(waiting)


@transaction.atomic
def statement_run_retry(*, run: StatementRun, actor: User) -> StatementRun:
    """Staff try a failed run again (once what made it fail is put right): its jobs are queued
    again and it goes on where it stopped, since what was built or issued is kept."""
    if not actor.is_staff:
        raise PermissionDenied("Only staff can retry statement runs.")
    from royalties.tasks import build_statements, issue_statements

    run = StatementRun.objects.select_for_update().get(pk=run.pk)
    if run.status != StatementRun.Status.FAILED:
        raise ValidationError(
            {"run": [f"Only a failed run can be tried again; this one is {run.status}."]}
        )
    run.error = ""
    run.status = StatementRun.Status.RUNNING
    if run.kind == StatementRun.Kind.ISSUE:
        transaction.on_commit(lambda: issue_statements.delay(run.id))
    elif _batches_queue(run):  # its unbuilt batches go on
        pass
    elif run.batches.exists():  # every batch was built after all (a redelivered job)
        run.status = StatementRun.Status.DONE
        run.finished_at = timezone.now()
    else:  # it failed before its batches were planned: plan them
        run.status = StatementRun.Status.QUEUED
        transaction.on_commit(lambda: build_statements.delay(run.id))
    run.save(update_fields=["status", "error", "finished_at"])
    return run


@contextmanager
def _failure_recorded(runs: QuerySet[StatementRun]) -> Iterator[None]:
    """A run's job failing for a reason other than the database's (a lost connection or a
    deadlock is retried by the task) marks the run failed, with the error, for staff to see."""
    try:
        yield
    except OperationalError:
        raise
    except Exception as exc:
        runs.update(status=StatementRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000])
        raise


def statement_batch_build(*, batch_id: int) -> None:
    """Build one batch of a statement run: its people's statements, then the run's progress.

    The statements, the batch's mark and the run's count of people done commit together, so
    a batch counts once however often its job runs; the last batch finishes the run. A batch
    another job is building is skipped (its row is locked), not waited for. A failure that
    is not the database's (those are retried) marks the run failed, with the error.
    """
    with _failure_recorded(StatementRun.objects.filter(batches__id=batch_id)):
        batch = StatementRunBatch.objects.select_related("run").get(pk=batch_id)
        if batch.built_at is not None:
            return
        people = [(user_id, currency) for user_id, currency in batch.people]
        # Each release's waiting lines first, each in a short transaction of its own: inside
        # the batch's, a release's lock would be held until the whole batch commits.
        _itemise_waiting(
            allocations=Allocation.objects.filter(
                user_id__in={user_id for user_id, _ in people},
                event__created_at__lt=month_bounds(batch.run.period)[1],
            )
        )
        with transaction.atomic():
            batch = (
                # Only the batch's row: were the run's locked too, a batch finishing would
                # make the others skip theirs.
                StatementRunBatch.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("run")
                .filter(pk=batch_id, built_at__isnull=True)
                .first()
            )
            if batch is None:
                return
            _statements_build(people=people, period=batch.run.period)
            batch.built_at = timezone.now()
            batch.save(update_fields=["built_at"])
            StatementRun.objects.filter(pk=batch.run_id).update(done=F("done") + batch.size)
    # After the commit, so that of two batches finishing together the later sees both counts.
    StatementRun.objects.filter(
        pk=batch.run_id, status=StatementRun.Status.RUNNING, done=F("total")
    ).update(status=StatementRun.Status.DONE, finished_at=timezone.now())


@transaction.atomic
def statement_issue(*, statement: Statement, actor: User) -> Statement:
    """Staff issue an open statement: from now on it never changes."""
    if not actor.is_staff:
        raise PermissionDenied("Only staff can issue statements.")
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    if statement.status != Statement.Status.OPEN:
        raise ValidationError(f"This statement is already {statement.status}.")
    _statements_issued([statement])
    return statement


def _statements_issued(statements: list[Statement]) -> None:
    """Mark the locked, open statements issued (one UPDATE), and tell each person."""
    issued_at = timezone.now()
    Statement.objects.filter(pk__in=[s.pk for s in statements]).update(
        status=Statement.Status.ISSUED, issued_at=issued_at
    )
    for statement in statements:
        statement.status = Statement.Status.ISSUED
        statement.issued_at = issued_at
        notify.statement_issued(statement=statement)


@transaction.atomic
def statement_pay(*, statement: Statement, actor: User) -> Statement:
    """Staff record that an issued statement was paid: the payable balance goes out."""
    if not actor.is_staff:
        raise PermissionDenied("Only staff can record payouts.")
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    if statement.status != Statement.Status.ISSUED:
        raise ValidationError(
            f"Only an issued statement can be paid; this one is {statement.status}."
        )
    if statement.payable_minor <= 0:
        raise ValidationError(
            "This statement is below the payout threshold; its balance carries forward."
        )
    if PayoutItem.objects.filter(statement=statement).exists():
        raise ValidationError(
            "This statement was sent to the payment facilitator; its result file says "
            "whether it was paid."
        )
    return _statement_paid(statement)


def _statement_paid(statement: Statement) -> Statement:
    """Post the payout (the payable balance goes out) and mark the locked statement paid."""
    payable = _accounts(LedgerAccount.Kind.PAYABLE, statement.currency, users=[statement.user_id])
    payouts = _accounts(LedgerAccount.Kind.PAYOUTS, statement.currency)
    entry = JournalEntry.objects.create(
        kind=JournalEntry.Kind.PAYOUT, memo=f"payout of statement {statement.pk}"
    )
    postings = [
        Posting(
            entry=entry, account=payable[statement.user_id], amount_minor=statement.payable_minor
        ),
        Posting(entry=entry, account=payouts[None], amount_minor=-statement.payable_minor),
    ]
    Posting.objects.bulk_create(postings)
    statement.status = Statement.Status.PAID
    statement.paid_at = timezone.now()
    statement.payout_entry = entry
    statement.save(update_fields=["status", "paid_at", "payout_entry"])
    return statement


# --- payouts through a payment facilitator -----------------------------------------------


@transaction.atomic
def payout_batch_create(*, actor: User) -> PayoutBatch:
    """Staff gather every issued, unpaid statement into one bulk-payout file's worth."""
    if not actor.is_staff:
        raise PermissionDenied("Only staff can send payouts.")
    statements = list(
        Statement.objects.select_for_update(of=("self",))
        .filter(status=Statement.Status.ISSUED, payable_minor__gt=0)
        .exclude(pk__in=PayoutItem.objects.values("statement_id"))
        .select_related("user")
        .order_by("pk")
    )
    payable = [s for s in statements if s.user.payout_email or s.user.email]
    if not payable:
        raise ValidationError(
            "There are no issued statements waiting to be paid to someone with an email address."
        )
    batch = PayoutBatch.objects.create(created_by=actor)
    PayoutItem.objects.bulk_create(
        PayoutItem(
            batch=batch, statement=statement, reference=f"hitrec-{statement.pk}",
            payee_email=statement.user.payout_email or statement.user.email,
            amount_minor=statement.payable_minor, currency=statement.currency,
        )
        for statement in payable
    )  # fmt: skip
    return batch


def payout_batch_file(*, batch: PayoutBatch) -> str:
    items = batch.items.order_by("id")
    return payout_csv(
        [Payment(i.payee_email, i.amount_minor, i.currency, i.reference) for i in items]
    )


@transaction.atomic
def payout_results_import(*, batch: PayoutBatch, actor: User, text: str) -> dict[str, int]:
    """Staff feed back the facilitator's result file: paid statements are paid out in the
    ledger, failed ones stay owed and carry into the next statement.

    All or nothing, and idempotent: a row already recorded with the same result changes
    nothing; one that contradicts an earlier result refuses the whole file.
    """
    if not actor.is_staff:
        raise PermissionDenied("Only staff can record payout results.")
    try:
        results = parse_results(text)
    except PayoutFileError as exc:
        raise ValidationError({"file": [str(exc)]}) from exc
    items = {
        item.reference: item
        for item in PayoutItem.objects.select_for_update()
        .filter(batch=batch, reference__in=[r.reference for r in results])
        .order_by("pk")
    }
    problems = []
    for result in results:
        item = items.get(result.reference)
        if item is None:
            problems.append(f"line {result.line}: {result.reference} is not in batch {batch.pk}")
        elif item.result not in (PayoutItem.Result.PENDING, result.status):
            problems.append(
                f"line {result.line}: {result.reference} was already recorded as {item.result}"
            )
    if problems:
        raise ValidationError({"file": ["; ".join(problems[:20])]})
    counts = {"paid": 0, "failed": 0, "unchanged": 0}
    statements = {
        s.pk: s
        for s in Statement.objects.select_for_update()
        .filter(pk__in=[item.statement_id for item in items.values()])
        .order_by("pk")
    }
    now = timezone.now()
    for result in results:
        item = items[result.reference]
        if item.result == result.status:
            counts["unchanged"] += 1
            continue
        statement = statements[item.statement_id]
        if result.status == PayoutItem.Result.PAID:
            _statement_paid(statement)
        else:
            _statement_failed(statement)
        item.result, item.result_message, item.resolved_at = result.status, result.message, now
        item.save(update_fields=["result", "result_message", "resolved_at"])
        counts[result.status] += 1
    return counts


def _statement_failed(statement: Statement) -> None:
    """Nothing left the ledger: the amount is still owed, so the next statement carries it."""
    statement.status = Statement.Status.FAILED
    statement.carried_forward_minor = statement.payable_minor
    statement.save(update_fields=["status", "carried_forward_minor"])
    following = (
        Statement.objects.filter(
            user_id=statement.user_id, currency=statement.currency, period__gt=statement.period
        )
        .order_by("period")
        .first()
    )
    if following is not None and following.status == Statement.Status.OPEN:
        statement_build(
            user_id=following.user_id, period=following.period, currency=following.currency
        )
