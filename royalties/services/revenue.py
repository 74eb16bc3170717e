"""Recording revenue: streams, a release's parties, each event apportioned among people."""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException

from accounts.models import User
from hitrec.audit import audit_record
from hitrec.events import announce
from hitrec.gcpause import cyclic_gc_paused
from hitrec.i18n import message_of
from hitrec.rows import fetched_rows
from projects.models import Project, Release
from projects.policy import PolicyError, parse_share
from projects.selectors import is_producer
from royalties.apportion import apportion_weights, recoupment_plan
from royalties.events import RevenueRecorded
from royalties.models import (
    Allocation,
    ReleaseLine,
    ReleaseParty,
    RevenueEvent,
    RevenueStream,
)
from royalties.money import AmountError, parse_amount
from royalties.selectors import (
    project_streams,
    release_split_input,
    revenue_stream_named,
)
from royalties.services.costs import costs_outstanding, recoup
from royalties.services.itemisation import itemise_after_commit, weights_from_shares
from royalties.services.ledger import insert_rows, revenue_post_entry, set_allocated
from royalties.splits import PathIndex, describe_path, format_fraction


class IdempotencyConflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_conflict"


def _fingerprint(*, amount_minor: int, currency: str, note: str, stream: str) -> str:
    meaning = f"{amount_minor}\x1f{currency}\x1f{note}"
    if stream:  # the default stream keeps the fingerprints recorded before streams existed
        meaning += f"\x1f{stream}"
    return hashlib.sha256(meaning.encode()).hexdigest()


def _stream_get(*, project: Project, name: str) -> RevenueStream:
    found = revenue_stream_named(project=project, name=name)
    if found is None:
        names = [stream.name for stream in project_streams(project=project)]
        message = (
            _("“%(title)s” has no revenue stream “%(name)s”; its streams are %(streams)s.")
            if names
            else _("“%(title)s” has no revenue stream “%(name)s”; it has no streams.")
        )
        raise ValidationError(
            {
                "stream": [
                    message
                    % {"title": project.title, "name": name[:40], "streams": ", ".join(names)}
                ]
            }
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
        raise PermissionDenied(
            _("Only the producers of “%(title)s” can record revenue.") % {"title": project.title}
        )
    if not idempotency_key or len(idempotency_key) > 255:
        # Translators: Idempotency-Key is the name of an HTTP header; keep it as is.
        raise ValidationError(_("Send an Idempotency-Key header (1 to 255 characters)."))
    if currency != project.currency:
        raise ValidationError(
            {
                "currency": [
                    # Translators: %(earns_in)s and %(currency)s are currency codes such as EUR.
                    _("“%(title)s” earns in %(earns_in)s, not %(currency)s.")
                    % {"title": project.title, "earns_in": project.currency, "currency": currency}
                ]
            }
        )
    try:
        amount_minor = parse_amount(amount, currency=currency)
    except AmountError as exc:
        raise ValidationError({"amount": [message_of(exc)]}) from exc
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
                    _(
                        "“%(title)s” has not been released; revenue is recorded for "
                        "released work only."
                    )
                    % {"title": project.title}
                )
            # Tens of thousands of rows become tuples and back: with the cyclic collector
            # running, its full passes over a large process's heap cost as much again.
            with cyclic_gc_paused():
                event = _allocate(
                    project=project, release=release, stream=stream_row, actor=actor,
                    amount_minor=amount_minor, note=note, idempotency_key=idempotency_key,
                    fingerprint=fingerprint,
                )  # fmt: skip
            announce(RevenueRecorded(event_id=event.id))
            itemise_after_commit(release_id=release.id)
            audit_record(
                action="revenue.record", actor=actor, target=event,
                details={"amount_minor": amount_minor, "currency": event.currency,
                         "project": project.pk},
            )  # fmt: skip
            return event, True
    except IntegrityError:
        # Another request with the same key committed first (the unique constraint caught it).
        replay = RevenueEvent.objects.filter(
            project=project, idempotency_key=idempotency_key
        ).first()
        if replay is None:
            raise
        return _replayed(replay, fingerprint), False


# What a stream is for when its name says so and the producer says nothing else: a budget is
# money paid to make the work, not profit, so it all goes to the contributors, costs aside.
_STREAM_DEFAULTS = {"budget": (Fraction(1), False)}


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
        raise PermissionDenied(
            _("Only the producers of “%(title)s” can add revenue streams.")
            % {"title": project.title}
        )
    paid = _stream_contributions(project=project, contributions=contributions)
    default_pool, default_recoups = _STREAM_DEFAULTS.get(name, (project.contributor_pool, True))
    if contributor_pool is None:
        pool = default_pool
    else:
        try:
            pool = parse_share(contributor_pool, name=_("The contributor pool"))
        except PolicyError as exc:
            raise ValidationError({"contributor_pool": [message_of(exc)]}) from exc
        if not 0 <= pool <= 1:
            raise ValidationError(
                {
                    "contributor_pool": [
                        _("The contributor pool must be between 0 and 1 (0% to 100%).")
                    ]
                }
            )
    if RevenueStream.objects.filter(project=project, name=name).exists():
        raise ValidationError({"name": [_stream_taken(project, name)]})
    try:
        with transaction.atomic():
            return RevenueStream.objects.create(
                project=project, name=name, pool_numerator=pool.numerator,
                pool_denominator=pool.denominator,
                recoups_costs=default_recoups if recoups_costs is None else recoups_costs,
                contributions=paid, created_by=actor,
            )  # fmt: skip
    except IntegrityError:  # created by a concurrent request since the check above
        raise ValidationError({"name": [_stream_taken(project, name)]}) from None


def _stream_taken(project: Project, name: str) -> str:
    return _("“%(title)s” already has a stream “%(name)s”.") % {
        "title": project.title,
        "name": name,
    }


def _stream_contributions(*, project: Project, contributions: Sequence[int]) -> list[int]:
    """The credited contributions a new stream pays, checked against the release's credits
    (empty when it pays them all)."""
    paid = sorted(set(contributions))
    if not paid:
        return []
    release = Release.objects.filter(project=project).first()
    if release is None:
        raise ValidationError(
            {"contributions": [_(
                "A stream can pay only some of the credits once the project is released: "
                "its credits are fixed then."
            )]}
        )  # fmt: skip
    credited = set(release.credits.values_list("contribution_id", flat=True))
    strangers = [contribution for contribution in paid if contribution not in credited]
    if strangers:
        listed = ", ".join(f"#{contribution}" for contribution in strangers[:10])
        raise ValidationError(
            {"contributions": [_(
                "The release of “%(title)s” does not credit %(listed)s; a stream pays "
                "only credited contributions."
            ) % {"title": project.title, "listed": listed}]}
        )  # fmt: skip
    return [] if set(paid) == credited else paid


def _replayed(event: RevenueEvent, fingerprint: str) -> RevenueEvent:
    if event.fingerprint != fingerprint:
        raise IdempotencyConflict(
            _(
                "This Idempotency-Key was already used for a different revenue event; "
                "use a new key for new revenue."
            )
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
        parties_for(release)


@dataclass(slots=True)
class _PartyState:
    """What an event needs of a party: a plain row, not a model instance (there can be
    10,000 of them per event, and building model instances cost a third of a post)."""

    id: int
    user_id: int
    share_exact: str
    allocated_minor: int


def parties_for(release: Release, stream: RevenueStream | None = None) -> list[_PartyState]:
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
    return parties_for(release, stream)


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
    parties = parties_for(release, stream)
    costs = costs_outstanding(project) if stream is None or stream.recoups_costs else []
    recouped = recoupment_plan(
        outstanding=[cost.outstanding_minor for cost in costs], amount=amount_minor
    )
    profit = amount_minor - sum(recouped)
    previous_revenue = sum(party.allocated_minor for party in parties)
    parts = apportion_weights(
        weights=weights_from_shares([party.share_exact for party in parties], whole="1"),
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
    repaid = recoup(event, costs, recouped)
    paid = [party for party in parties if allocations[party.user_id] > 0]
    insert_rows(
        Allocation,
        ("event", "user", "amount_minor"),
        [(event.id, party.user_id, allocations[party.user_id]) for party in paid],
    )
    # Each allocation's division among the person's lines follows in a job (`revenue_itemise`).
    for party in paid:
        party.allocated_minor += allocations[party.user_id]
    set_allocated(ReleaseParty, [(party.id, party.allocated_minor) for party in paid])
    revenue_post_entry(event, project, allocations, repaid)
    return event
