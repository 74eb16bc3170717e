"""The double-entry ledger's writers: accounts, balanced entries, bulk rows of minor units."""

from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Field, Model, Q
from django.utils.translation import gettext as _

from accounts.models import User
from projects.models import Project
from royalties.models import (
    Allocation,
    AllocationLine,
    JournalEntry,
    LedgerAccount,
    Posting,
    ReleaseLine,
    ReleaseParty,
    RevenueEvent,
)

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


def _column(model: type[Model], name: str) -> str:
    """The database column of one of the model's concrete fields, all these writers name.

    Anything else has no column: the same AttributeError as quoting the missing one raises.
    """
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or field.column is None:
        raise AttributeError(f"{model.__name__}.{name} has no database column.")
    return field.column


def insert_rows(
    model: type[Allocation] | type[AllocationLine] | type[Posting],
    fields: tuple[str, ...],
    rows: Sequence[tuple[int, ...]],
) -> None:
    """Insert rows of bigint values (ids, minor units) into the model's `fields`, in order.

    One statement on PostgreSQL (a COPY): the ledger's per-statement checks see every row.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(_column(model, name)) for name in fields)
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


def set_allocated(
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


def accounts_for(kind: str, currency: str, *, users=(), project=None) -> dict:
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
    """The payees' payable account ids, created on first use like `accounts_for` does.

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
    columns = ", ".join(
        quote(_column(LedgerAccount, name)) for name in ("kind", "currency", "user")
    )
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


def revenue_post_entry(
    event: RevenueEvent, project: Project, allocations: dict[int, int], repaid: dict[int, int]
) -> None:
    """Debit the project's revenue, credit each person's payable balance (their allocation
    plus any cost paid back to them): the entry sums to 0."""
    owed = dict(allocations)
    for user_id, amount in repaid.items():
        owed[user_id] = owed.get(user_id, 0) + amount
    payees = [user_id for user_id, amount in owed.items() if amount]
    revenue = accounts_for(LedgerAccount.Kind.PROJECT_REVENUE, event.currency, project=project)
    payable = _payable_account_ids(event, payees, cost_bearers=repaid)
    entry = JournalEntry.objects.create(
        kind=JournalEntry.Kind.REVENUE, event=event, memo=f"revenue: {event.note}"[:500]
    )
    postings = [(entry.id, revenue[project.id].id, event.amount_minor)]
    postings += [(entry.id, payable[user_id], -owed[user_id]) for user_id in payees]
    check_balanced(amount for _, _, amount in postings)
    insert_rows(Posting, ("entry", "account", "amount_minor"), postings)


def check_balanced(amounts: Iterable[int]) -> None:
    total = sum(amounts)
    if total != 0:
        raise RuntimeError(f"Internal error: a journal entry would not balance (sum {total}).")


@transaction.atomic
def journal_entry_reverse(*, entry: JournalEntry, actor: User, memo: str = "") -> JournalEntry:
    """Staff correct the ledger by posting the exact opposite of an entry, never by editing."""
    if not actor.is_staff:
        raise PermissionDenied(_("Only staff can correct the ledger."))
    if JournalEntry.objects.filter(reverses=entry).exists():
        raise ValidationError(_("This entry has already been reversed."))
    reversal = JournalEntry.objects.create(
        kind=JournalEntry.Kind.REVERSAL, reverses=entry, memo=memo[:500] or f"reverses #{entry.pk}"
    )
    postings = [
        Posting(entry=reversal, account_id=p.account_id, amount_minor=-p.amount_minor)
        for p in entry.postings.all()
    ]
    check_balanced(p.amount_minor for p in postings)
    Posting.objects.bulk_create(postings)
    return reversal
