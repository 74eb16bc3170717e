"""Dividing each person's allocation among their lines (contributions), in a job after the post."""

import math
from dataclasses import dataclass

from django.db import transaction

from hitrec.gcpause import cyclic_gc_paused
from hitrec.rows import fetched_rows
from projects.models import Release
from royalties import tasks
from royalties.apportion import apportion_weights
from royalties.models import (
    Allocation,
    AllocationLine,
    EventItemisation,
    ReleaseLine,
    ReleaseParty,
    RevenueEvent,
)
from royalties.services.ledger import insert_rows, set_allocated


def weights_from_shares(shares: list[str], *, whole: str) -> list[int]:
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


def itemise_after_commit(*, release_id: int) -> None:
    transaction.on_commit(lambda: tasks.itemise_revenue.delay(release_id))


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
                insert_rows(AllocationLine, ("allocation", "line", "amount_minor"), line_rows)
                line_rows = []
        insert_rows(AllocationLine, ("allocation", "line", "amount_minor"), line_rows)
        for lines in streams.values():
            set_allocated(ReleaseLine, lines.changed_totals())
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
            weights = weights_from_shares([share for _, share, _ in party_lines], whole=party_share)
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
