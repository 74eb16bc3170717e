"""Apportion revenue in integer minor units among exact shares, within quota after every event.

The three money rules (DESIGN.md, "Money"): each event's allocations sum exactly to its
amount; no allocation is negative; after every event each party's cumulative total ``a``
satisfies quota at the cumulative revenue ``h``: ``floor(s * h) <= a <= ceil(s * h)``.

Why not largest remainder per event
-----------------------------------
Rounding each event on its own lets the errors add up: with a thousand 1-cent events the
party with the largest share would win every cent. Largest remainder on the *cumulative*
revenue keeps quota but is not house monotone (the Alabama paradox): a party's rounded
total can go down when revenue goes up, which would mean a negative allocation. Balinski and
Young ("The quota method of apportionment", American Mathematical Monthly 82, 1975) gave a
method with both properties: hand out the units one at a time, each to the party with the
largest ``s / (a + 1)`` among those that stay within their upper quota by taking it, and
proved that no party then falls below its lower quota. Still ("A class of new methods for
congressional apportionment", SIAM J. Appl. Math. 37, 1979) described all such methods by a
look-ahead eligibility test: a party may take the next unit if every party can still reach
its lower quota at every later house size.

The method here: earliest deadline first
----------------------------------------
Think of party ``j``'s ``k``-th unit as a job. Quota at every house size ``h`` (a house is a
cumulative revenue) means exactly: the job is done at some ``h`` with

* ``h >= release = floor((k - 1) / s_j) + 1`` (before that, ``k > ceil(s_j * h)``: above the
  upper quota), and
* ``h <= deadline = ceil(k / s_j)`` (after that, ``k <= floor(s_j * h)``: the lower quota
  needs it).

One unit is handed out per house size, so this is scheduling unit jobs with release times and
deadlines on one machine, and the rule is Earliest Deadline First: the next unit goes to the
party whose next unit is due soonest among those allowed to take one (ties: the lower user
id). EDF is optimal for unit jobs (exchange argument below): if any continuation satisfies
quota at every future house size, EDF's does. Balinski and Young's theorem says one exists
from zero, so from zero EDF never gets stuck. Every choice EDF makes passes Still's
look-ahead test (it keeps a continuation), so it is one of his methods; it is not Balinski
and Young's own priority, and may choose differently among parties with slack.

Efficient form (one event of ``A`` units, without a step per unit)
--------------------------------------------------------------------
With ``H`` the previous revenue, ``a`` the previous totals and ``h = H + A``:

1. ``t_j = max(a_j, floor(s_j * h))``: every job due by ``h`` must be done by ``h``;
2. ``r = h - sum(t)`` units remain (negative only if the previous state admits no
   continuation: :class:`InfeasibleStateError`);
3. they go to the ``r`` parties with ``t_j < s_j * h`` (allowed one more unit at ``h``)
   whose next deadline ``ceil((t_j + 1) / s_j)`` is earliest, one unit each.

That is ``O(n log n)`` for ``n`` parties, whatever ``A``. Quota at ``h``: step 1 gives every
lower quota; ``a_j <= ceil(s_j * H) <= ceil(s_j * h)``, so step 1 stays under the upper quotas
and step 3 adds a unit only where it fits. Non-negative: ``t >= a``. Sums: by construction.
For ``A = 1`` it is EDF exactly (a party due at ``h`` gets the unit in step 1, otherwise
step 3 picks the earliest deadline); tests check it against a one-unit-at-a-time EDF.

Why step 3 never leads to a dead end. Suppose some schedule ``S`` continues the previous
state within quota for ever. By ``h``, ``S`` has done every job due by ``h`` (so ``r >= 0``)
and ``r`` jobs among those released by ``h`` and not yet due; ours did the ``r`` such jobs
with the earliest deadlines. Pair our extra jobs ``x`` with ``S``'s extra jobs ``y`` in
deadline order: ``deadline(x) <= deadline(y)``. Where ``S`` does ``x`` after ``h`` (at a house
``<= deadline(x) <= deadline(y)``), do ``y`` instead (``y`` is already released); ``y``'s
party's later units keep their slots, reassigned in order (deadlines grow with ``k``). The
result continues our state within quota for ever. By induction from zero, every state this
function returns has such a continuation, so ``r >= 0`` at every event, whatever their sizes.
(The exchange argument is the standard one for EDF; the one-unit-per-step question is
Tijdeman's "chairman assignment problem", Discrete Mathematics 32, 1980.)

An arbitrary quota-satisfying state can be a dead end: shares (9/20, 9/20, 1/20, 1/20) at
revenue 2 with totals (0, 0, 1, 1) satisfy quota, but at revenue 3 both large parties need a
unit and only one arrives. No rule can avoid that; this function never produces such a state,
and refuses to continue one (``InfeasibleStateError``) rather than break quota.

Cumulative totals can depend on how revenue was divided into events (each still within
quota); a one-unit-at-a-time run and a single event may differ among parties with slack.
"""

import heapq
import math
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction


class ApportionError(ValueError):
    """The apportionment's input is not valid."""


class InvalidSharesError(ApportionError):
    """The shares are not exact, not non-negative, or do not sum to exactly 1."""


class InvalidStateError(ApportionError):
    """The previous totals do not sum to the previous revenue or break quota."""


class InfeasibleStateError(ApportionError):
    """The previous totals cannot be continued within quota (never produced by this module)."""


def _check_int(value: object, what: str) -> int:
    # `type(value) is int` first: the common case, it runs per party and it excludes bool.
    if type(value) is not int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ApportionError(f"The {what} must be a non-negative int (minor units), not {value!r}.")
    if value < 0:
        raise ApportionError(f"The {what} must be a non-negative int (minor units), not {value!r}.")
    return value


def _share_terms(shares: Mapping[int, Fraction]) -> list[tuple[int, int, int]]:
    """``(user_id, numerator, denominator)`` by user id, after checking the shares."""
    if not shares:
        raise InvalidSharesError("There are no parties to apportion among.")
    terms = []
    for user_id in sorted(shares):
        share = shares[user_id]
        # Checked by exact type first: this runs for every party on every event.
        if type(share) is not Fraction:
            if isinstance(share, bool) or not isinstance(share, int | Fraction):
                raise InvalidSharesError(
                    f"The share of user {user_id} must be an int or a fractions.Fraction, not "
                    f"{type(share).__name__} ({share!r}): shares are exact, never floats."
                )
            share = Fraction(share)
        num, den = share.numerator, share.denominator
        if num < 0:
            raise InvalidSharesError(
                f"The share of user {user_id} is {share}; it cannot be negative."
            )
        terms.append((user_id, num, den))
    # Sum with a running lcm rather than Fraction additions: shares from one split share a
    # denominator, so this is a few integer operations per party.
    total_num, total_den = 0, 1
    for _, num, den in terms:
        if total_den % den:
            common = total_den // math.gcd(total_den, den) * den
            total_num *= common // total_den
            total_den = common
        total_num += num * (total_den // den)
    if total_num != total_den:
        raise InvalidSharesError(
            f"The shares sum to {Fraction(total_num, total_den)}, not exactly 1; every minor "
            "unit must go to someone."
        )
    return terms


def apportion(
    *,
    shares: Mapping[int, Fraction],
    previous_totals: Mapping[int, int],
    previous_revenue: int,
    amount: int,
) -> dict[int, int]:
    """This event's allocation of ``amount`` minor units: ``{user_id: units}``, by user id.

    ``shares`` are exact and sum to 1; ``previous_totals`` is each party's cumulative total
    before this event (a missing party has 0) and ``previous_revenue`` their sum. The caller
    persists the new totals (previous + allocation) and revenue for the next event. Every
    party of ``shares`` has an entry, zero included. See the module docstring for the method
    and why it keeps the three money rules.
    """
    terms = _share_terms(shares)
    unknown = set(previous_totals).difference(shares)
    if unknown:
        raise InvalidStateError(
            f"Users {sorted(unknown)} have previous totals but no share; the totals must "
            "belong to the same parties as the shares."
        )
    parts = _apportioned(
        label=lambda position: f"user {terms[position][0]}",
        fractions=[(num, den) for _, num, den in terms],
        befores=[previous_totals.get(user_id, 0) for user_id, _, _ in terms],
        previous_revenue=previous_revenue,
        amount=amount,
    )
    return {user_id: part for (user_id, _, _), part in zip(terms, parts, strict=True)}


def apportion_weights(
    *, weights: Sequence[int], previous_totals: Sequence[int], previous_revenue: int, amount: int
) -> list[int]:
    """`apportion` for shares given as integer weights, by position: party ``i``'s share is
    ``weights[i] / sum(weights)``; ties go to the earlier position.

    For callers that hold many small share sets (a person's lines within their part): no
    ``Fraction`` is built, so no gcd is taken per share.
    """
    total = 0
    for weight in weights:
        if type(weight) is not int or weight < 0:
            raise InvalidSharesError(f"Weights must be non-negative ints, not {weight!r}.")
        total += weight
    if total == 0:
        raise InvalidSharesError("The weights sum to 0; every minor unit must go to someone.")
    if len(previous_totals) != len(weights):
        raise InvalidStateError("There must be one previous total per weight.")
    return _apportioned(
        label="position {}".format,
        fractions=[(weight, total) for weight in weights],
        befores=list(previous_totals),
        previous_revenue=previous_revenue,
        amount=amount,
    )


def _apportioned(
    *,
    label: Callable[[int], str],
    fractions: Sequence[tuple[int, int]],
    befores: Sequence[int],
    previous_revenue: int,
    amount: int,
) -> list[int]:
    """The method itself, on shares ``num / den`` (summing to 1), in the parties' order.

    ``label(position)`` names a party in an error message; it is called only for one.
    """
    previous_revenue = _check_int(previous_revenue, "previous revenue")
    amount = _check_int(amount, "amount")
    revenue = previous_revenue + amount
    totals: list[int] = []
    allowed_one_more: list[tuple[int, int]] = []  # (deadline of the next unit, position)
    previous_sum = 0
    for position, ((num, den), before) in enumerate(zip(fractions, befores, strict=True)):
        if type(before) is not int or before < 0:  # (the message is built only when needed)
            before = _check_int(before, f"previous total of {label(position)}")
        previous_sum += before
        # Quota at the previous revenue: floor(s * H) <= a <= ceil(s * H), in integers.
        if not num * previous_revenue - den < before * den < num * previous_revenue + den:
            raise InvalidStateError(
                f"{label(position).capitalize()} has a previous total of {before}, but the "
                f"entitlement at {previous_revenue} is {Fraction(num * previous_revenue, den)}: "
                "more than one unit away, so the totals were not produced by this "
                "apportionment."
            )
        total = max(before, num * revenue // den)
        totals.append(total)
        if total * den < num * revenue:  # one more unit stays within the upper quota at h
            # The house size at which the lower quota needs unit total + 1: ceil((t+1) / s).
            allowed_one_more.append((-(-(total + 1) * den // num), position))
    if previous_sum != previous_revenue:
        raise InvalidStateError(
            f"The previous totals sum to {previous_sum}, not to the previous revenue "
            f"{previous_revenue}."
        )
    remaining = revenue - sum(totals)
    if remaining < 0:
        raise InfeasibleStateError(
            f"At a cumulative revenue of {revenue}, the lower quotas not yet met still need "
            f"{sum(totals) - previous_revenue} units, and this event brings {amount}: the "
            "previous totals satisfy quota but cannot be continued within it (this "
            "apportionment never produces such totals)."
        )
    # At most one unit each (a second would pass the upper quota), earliest deadline first.
    # There are always enough: the allowed parties' gaps s*h - t are each below 1 and add up
    # to at least `remaining`.
    if len(allowed_one_more) < remaining:  # impossible by the argument above
        raise RuntimeError("Internal error: fewer parties can take a unit than units remain.")
    for _, position in heapq.nsmallest(remaining, allowed_one_more):
        totals[position] += 1
    return [total - before for total, before in zip(totals, befores, strict=True)]


def apportion_totals(*, shares: Mapping[int, Fraction], revenue: int) -> dict[int, int]:
    """Cumulative totals for ``revenue`` received as one event from nothing."""
    return apportion(shares=shares, previous_totals={}, previous_revenue=0, amount=revenue)


def recoupment_plan(*, outstanding: list[int], amount: int) -> list[int]:
    """How much of `amount` pays back each outstanding cost, in the order given (oldest
    first): each cost is paid back in full before the next gets anything."""
    if amount < 0 or any(owed < 0 for owed in outstanding):
        raise ValueError("Amounts and outstanding costs must not be negative.")
    plan = []
    left = amount
    for owed in outstanding:
        part = min(owed, left)
        plan.append(part)
        left -= part
    return plan
