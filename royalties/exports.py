"""The money sections of a person's data export: their statements and their ledger."""

from collections.abc import Callable

from accounts.exports import ExportArchive, ExportSection, csv_bytes
from accounts.models import User
from royalties.documents import statement_csv
from royalties.models import LedgerAccount, Posting, Statement
from royalties.money import format_minor
from royalties.periods import format_period
from royalties.selectors import payable_balances, statement_document


def statements_write(archive: ExportArchive, user: User, progress: Callable[[float], None]) -> None:
    statements = Statement.objects.filter(user=user).select_related("user")
    index = [["statement", "period", "currency", "status", "carried_in", "earned", "paid_out",
              "carried_forward", "file"]]  # fmt: skip
    for statement in statements.order_by("period", "currency", "id"):
        name = (
            f"statements/{format_period(statement.period)}-{statement.currency}-{statement.id}.csv"
        )
        archive.write(name, statement_csv(statement_document(statement=statement)))
        money = {
            key: format_minor(getattr(statement, f"{key}_minor"), currency=statement.currency)
            for key in ("carried_in", "earned", "payable", "carried_forward")
        }
        index.append([
            statement.id, format_period(statement.period), statement.currency, statement.status,
            money["carried_in"], money["earned"], money["payable"], money["carried_forward"], name,
        ])  # fmt: skip
    archive.write("statements.csv", csv_bytes(index))


def ledger_write(archive: ExportArchive, user: User, progress: Callable[[float], None]) -> None:
    postings = (
        Posting.objects.filter(account__kind=LedgerAccount.Kind.PAYABLE, account__user=user)
        .select_related("entry__event__project", "account")
        .order_by("entry_id", "id")
    )
    archive.write_json(
        "ledger.json",
        {
            "balances": [
                {
                    "currency": currency,
                    "balance_minor": minor,
                    "balance": format_minor(minor, currency=currency),
                }
                for currency, minor in payable_balances(user=user).items()
            ],
            "postings": [
                {
                    "entry": posting.entry_id,
                    "kind": posting.entry.kind,
                    "date": posting.entry.created_at,
                    "memo": posting.entry.memo,
                    "project": posting.entry.event.project_id if posting.entry.event else None,
                    "project_title": (
                        posting.entry.event.project.title if posting.entry.event else None
                    ),
                    "currency": posting.account.currency,
                    "amount_minor": posting.amount_minor,
                    "owed_change_minor": -posting.amount_minor,
                }
                for posting in postings.iterator()
            ],
        },
    )


def money_owed_to(user: User) -> bool:
    """Whether the ledger still owes the person money (a positive payable balance)."""
    return any(minor > 0 for minor in payable_balances(user=user).values())


STATEMENTS = ExportSection(stage="statements", order=40, weight=4, write=statements_write)
LEDGER = ExportSection(stage="ledger", order=50, weight=4, write=ledger_write)
