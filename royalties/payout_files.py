"""The bulk-payout file a payment facilitator takes, and the result file it sends back (pure).

Out: one row per payment, `payee_email,amount,currency,reference`, amounts as decimals in
the currency's own precision. Back: `reference,status[,message]` with status `paid` or
`failed`; extra columns are ignored, so a facilitator's richer export can be fed in as is.
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from hitrec.messages import ExplainedError, gettext_noop
from royalties.money import format_minor

OUT_COLUMNS = ("payee_email", "amount", "currency", "reference")
RESULTS = ("paid", "failed")
MAX_RESULT_ROWS = 100_000
RESULT_FILE_MAX_BYTES = 20 * 1000 * 1000


@dataclass(frozen=True)
class Payment:
    payee_email: str
    amount_minor: int
    currency: str
    reference: str


@dataclass(frozen=True)
class PaymentResult:
    line: int  # in the file, counting the header as line 1, for error messages
    reference: str
    status: str  # one of RESULTS
    message: str


class PayoutFileError(ExplainedError):
    """The result file cannot be read; the message names each line that is wrong.

    A file with wrong lines also keeps them apart in ``problems`` (each an ExplainedError),
    so that the layer that shows the refusal can translate each (`problems_message`)."""

    def __init__(
        self, message: str, *, problems: tuple[ExplainedError, ...] = (), **params: object
    ) -> None:
        self.problems = problems
        super().__init__(message, **params)


SHOWN_PROBLEMS = 20


def problems_message(
    problems: tuple[ExplainedError, ...], translate: Callable[[BaseException], str] = str
) -> str:
    """The refusal of a file with wrong lines, each line's problem put in words by
    `translate` (hitrec.i18n.message_of where a person reads it; str gives English)."""
    shown = "; ".join(translate(problem) for problem in problems[:SHOWN_PROBLEMS])
    unlisted = len(problems) - SHOWN_PROBLEMS
    if unlisted > 0:
        return translate(
            ExplainedError(
                gettext_noop("The result file has problems: %(shown)s (and %(count)s more)."),
                shown=shown,
                count=unlisted,
            )
        )
    return translate(
        ExplainedError(gettext_noop("The result file has problems: %(shown)s."), shown=shown)
    )


def payout_csv(payments: list[Payment]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(OUT_COLUMNS)
    for payment in payments:
        writer.writerow(
            [
                _safe_cell(payment.payee_email),
                format_minor(payment.amount_minor, currency=payment.currency),
                payment.currency,
                payment.reference,
            ]
        )
    return out.getvalue()


def _safe_cell(text: str) -> str:
    # A spreadsheet runs a cell that starts with = + - @ as a formula: never from our data.
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def result_file_text(data: bytes) -> str:
    """The result file's bytes as text, or a PayoutFileError saying why they are not."""
    if len(data) > RESULT_FILE_MAX_BYTES:
        raise PayoutFileError(gettext_noop("A result file is limited to 20 MB."))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise PayoutFileError(gettext_noop("The result file must be UTF-8 text (CSV).")) from None
    if "\x00" in text:  # never CSV, and PostgreSQL refuses it in a query or a row
        raise PayoutFileError(gettext_noop("The result file contains a NUL byte; send CSV text."))
    return text


def _rows(reader: csv.DictReader):
    """The reader's rows; a row the csv module cannot read (a field over its 128 KiB limit,
    say) is the file's problem, named by its line, not a crash."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise PayoutFileError(
                gettext_noop("The result file cannot be read after line %(line)s: %(error)s."),
                line=reader.line_num,
                error=exc,
            ) from None


def parse_results(text: str) -> list[PaymentResult]:
    """Every row of a result file, or a PayoutFileError listing what is wrong with it."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = {name.strip().lower() for name in reader.fieldnames or []}
    missing = {"reference", "status"} - columns
    if missing:
        # Translators: reference and status are the file's column names; keep them as is.
        raise PayoutFileError(
            gettext_noop(
                "The result file needs a header row with the columns reference and status "
                "(missing: %(missing)s)."
            ),
            missing=", ".join(sorted(missing)),
        )
    rows: list[PaymentResult] = []
    problems: list[ExplainedError] = []
    seen: dict[str, int] = {}
    for raw in _rows(reader):
        line = reader.line_num
        if len(rows) + len(problems) >= MAX_RESULT_ROWS:
            raise PayoutFileError(
                gettext_noop("A result file has at most %(count)s rows."),
                count=f"{MAX_RESULT_ROWS:,}",
            )
        row = {(key or "").strip().lower(): (value or "").strip() for key, value in raw.items()}
        reference, status = row.get("reference", ""), row.get("status", "").lower()
        if not reference and not status:
            continue  # a blank line
        if not reference:
            problems.append(ExplainedError(gettext_noop("line %(line)s: no reference"), line=line))
        elif status not in RESULTS:
            # Translators: paid and failed are the values the file's status column takes.
            message = gettext_noop("line %(line)s: status “%(status)s” is not paid or failed")
            problems.append(ExplainedError(message, line=line, status=status[:20]))
        elif reference in seen:
            message = gettext_noop("line %(line)s: %(reference)s already appears on line %(first)s")
            problems.append(
                ExplainedError(message, line=line, reference=reference, first=seen[reference])
            )
        else:
            seen[reference] = line
            rows.append(PaymentResult(line, reference, status, row.get("message", "")[:500]))
    if problems:
        found = tuple(problems)
        raise PayoutFileError(problems_message(found), problems=found)
    return rows
