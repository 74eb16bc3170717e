"""Who hears of money: revenue allocated, a statement issued, a cost recorded or withdrawn."""

import functools
from collections.abc import Callable

from django.utils.text import Truncator
from django.utils.translation import gettext as _

from accounts.models import User
from hitrec.formats import month_display
from notifications.models import Kind
from notifications.services.fan_out.wording import day_written
from notifications.services.recording import notifications_record
from royalties.models import Allocation, ProductionCost, RevenueEvent, Statement
from royalties.selectors import credited_ids, producer_ids
from royalties.wording import amount_number


def notify_revenue(*, event_id: int) -> int:
    """Everyone allocated a part of a revenue event learns how much."""
    event = RevenueEvent.objects.select_related("project").filter(pk=event_id).first()
    if event is None:
        return 0
    currency = event.currency
    # Each person's own part only (the project's events are on its page, for those credited).
    parts = Allocation.objects.filter(event=event, amount_minor__gt=0).values_list(
        "user_id", "amount_minor"
    )
    return notifications_record(
        kind=Kind.REVENUE,
        key=f"revenue:{event.id}",
        actor_id=event.recorded_by_id,
        link="/dashboard/",
        texts={
            user_id: functools.partial(_revenue_words, event.project.title, amount, currency)
            for user_id, amount in parts
        },
    )


def _revenue_words(title: str, amount: int, currency: str) -> str:
    # Translators: %(amount)s is followed by its currency code, e.g. 5.00 USD.
    return _("Revenue was recorded for “%(title)s”: your part is %(amount)s %(currency)s.") % {
        "title": title,
        "amount": amount_number(amount, currency=currency),
        "currency": currency,
    }


def notify_statement_issued(*, statement_id: int) -> int:
    """The person learns that their statement was issued, and what it pays."""
    statement = Statement.objects.filter(pk=statement_id).first()
    if statement is None:
        return 0
    currency = statement.currency

    def words() -> str:
        if statement.payable_minor:
            # Translators: %(month)s is a month and its year, e.g. "December 2026".
            message = _(
                "Your %(month)s statement (%(currency)s) was issued: "
                "%(amount)s %(currency)s payable."
            )
            amount = statement.payable_minor
        else:
            message = _(
                "Your %(month)s statement (%(currency)s) was issued: %(amount)s %(currency)s "
                "carried forward (below the payout threshold)."
            )
            amount = statement.carried_forward_minor
        return message % {
            "month": month_display(statement.period),
            "currency": currency,
            "amount": amount_number(amount, currency=currency),
        }

    return notifications_record(
        kind=Kind.STATEMENT_ISSUED,
        key=f"statement:{statement.id}",
        actor_id=None,
        link="/dashboard/",
        texts={statement.user_id: words},
    )


def notify_cost(*, cost_id: int, change: str) -> int:
    """A cost recorded, agreed to or withdrawn.

    Recorded before the release, or withdrawn: the producer who bore it learns it, when
    another did it. Recorded after the release, or agreed to: everyone credited in the
    release and the producers learn its amount, what it was for, who bore it, whether a
    receipt backs it and when revenue pays it back (the producers who may agree to it, that
    it waits for them)."""
    cost = (
        ProductionCost.objects.select_related(
            "project", "recorded_by", "withdrawn_by", "approved_by", "borne_by"
        )
        .filter(pk=cost_id)
        .first()
    )
    if cost is None or (change == "withdrawn" and cost.withdrawn_at is None):
        return 0
    project, currency = cost.project, cost.currency
    actor: User | None
    if change == "withdrawn":
        actor = cost.withdrawn_by
        if actor is None:
            # `production_cost_withdraw` sets both; without it `actor.username` fails alike.
            raise AttributeError(f"Cost #{cost.id} is withdrawn by nobody.")
    elif change == "approved":
        actor = cost.approved_by
    else:
        actor = cost.recorded_by
    if actor is None:
        return 0  # agreed to by nobody (not `production_cost_approve`): nothing to tell
    names = {
        "name": actor.username,
        "note": cost.note,
        "title": project.title,
        "currency": currency,
    }
    if change == "approved" or cost.rule != ProductionCost.Rule.AT_RECORDING:
        return _cost_in_the_open(cost, change=change, actor_id=actor.id, names=names)

    def words() -> str:
        if change == "withdrawn":
            return _(
                "%(name)s withdrew %(amount)s %(currency)s of “%(note)s”, a cost you bore on "
                "“%(title)s”: revenue will not pay it back. Reason: %(reason)s"
            ) % {
                **names,
                "amount": amount_number(cost.withdrawn_minor, currency=currency),
                "reason": Truncator(cost.withdrawal_reason).chars(300),
            }
        return _(
            "%(name)s recorded a cost you bore on “%(title)s”: %(amount)s %(currency)s for "
            "“%(note)s”. Revenue pays it back to you first."
        ) % {**names, "amount": amount_number(cost.amount_minor, currency=currency)}

    return notifications_record(
        kind=Kind.COST,
        key=f"cost:{cost.id}:{change}",
        actor_id=actor.id,
        link=f"/projects/{project.id}/desk/#costs",
        texts={cost.borne_by_id: words},
    )


def _cost_in_the_open(cost: ProductionCost, *, change: str, actor_id: int, names: dict) -> int:
    """A cost recorded after the release, or agreed to: everyone credited and the producers
    are told, the producers with a link to their desk, the others to the project's costs."""
    project, currency = cost.project, cost.currency
    names = {**names, "bearer": cost.borne_by.username, "note": Truncator(cost.note).chars(200)}

    def details() -> dict:
        # The amount as the reader writes numbers: called in each recipient's language.
        return {**names, "amount": amount_number(cost.amount_minor, currency=currency)}

    def agreed() -> str:
        return (
            _(
                "%(name)s agreed to the production cost of %(amount)s %(currency)s for “%(note)s” "
                "on “%(title)s”: from now on revenue pays it back to %(bearer)s before the rest "
                "is shared."
            )
            % details()
        )

    def recorded(asked: bool) -> str:
        if cost.receipt:
            what = _(
                "%(name)s recorded a production cost on “%(title)s”: %(amount)s %(currency)s "
                "for “%(note)s”, borne by %(bearer)s, with a receipt you can download."
            )
        else:
            what = _(
                "%(name)s recorded a production cost on “%(title)s”: %(amount)s %(currency)s "
                "for “%(note)s”, borne by %(bearer)s, with no receipt."
            )
        if asked:
            when = _("It waits for your agreement on the producer's desk.")
        elif cost.rule == ProductionCost.Rule.AGREEMENT:
            when = _(
                "Revenue pays it back before the rest is shared only once a producer who "
                "neither recorded nor bore it agrees."
            )
        elif cost.effective_at is not None:
            when = _(
                "Unless it is withdrawn, revenue pays it back before the rest is shared from "
                "%(day)s; comment on the project if it looks wrong."
            ) % {"day": day_written(cost.effective_at)}
        else:
            # A cost in effect when recorded (the rule before the release).
            when = _("Revenue pays it back before the rest is shared.")
        # Translators: a recorded cost, then when revenue pays it back.
        return _("%(what)s %(when)s") % {"what": what % details(), "when": when}

    producers = producer_ids(project=project)
    everyone = (credited_ids(project=project) | producers | {cost.borne_by_id}) - {actor_id}
    askable = (
        producers - {cost.recorded_by_id, cost.borne_by_id}
        if change == "recorded" and cost.rule == ProductionCost.Rule.AGREEMENT
        else set()
    )
    if change == "approved":
        texts: dict[int, Callable[[], str]] = dict.fromkeys(everyone, agreed)
    else:
        told, asked = functools.partial(recorded, False), functools.partial(recorded, True)
        texts = {user_id: asked if user_id in askable else told for user_id in everyone}
    key = f"cost:{cost.id}:{change}"
    desk = {user_id: words for user_id, words in texts.items() if user_id in producers}
    others = {user_id: words for user_id, words in texts.items() if user_id not in producers}
    return notifications_record(
        kind=Kind.COST, key=key, actor_id=actor_id,
        link=f"/projects/{project.id}/desk/#costs", texts=desk,
    ) + notifications_record(
        kind=Kind.COST, key=key, actor_id=actor_id,
        link=f"/projects/{project.id}/#costs", texts=others,
    )  # fmt: skip
