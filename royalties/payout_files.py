"""The bulk-payout file a payment facilitator takes, and the result file it sends back (pure).

Out: one row per payment, `payee_email,amount,currency,reference`, amounts as decimals in
the currency's own precision. Back: `reference,status[,message]` with status `paid` or
`failed`; extra columns are ignored, so a facilitator's richer export can be fed in as is.
"""

import csv
import io
from dataclasses import dataclass

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


class PayoutFileError(ValueError):
    """The result file cannot be read; the message names each line that is wrong."""


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
        raise PayoutFileError("A result file is limited to 20 MB.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise PayoutFileError("The result file must be UTF-8 text (CSV).") from None
    if "\x00" in text:  # never CSV, and PostgreSQL refuses it in a query or a row
        raise PayoutFileError("The result file contains a NUL byte; send CSV text.")
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
                f"The result file cannot be read after line {reader.line_num}: {exc}."
            ) from None


def parse_results(text: str) -> list[PaymentResult]:
    """Every row of a result file, or a PayoutFileError listing what is wrong with it."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = {name.strip().lower() for name in reader.fieldnames or []}
    missing = {"reference", "status"} - columns
    if missing:
        raise PayoutFileError(
            "The result file needs a header row with the columns reference and status "
            f"(missing: {', '.join(sorted(missing))})."
        )
    rows: list[PaymentResult] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for raw in _rows(reader):
        line = reader.line_num
        if len(rows) + len(problems) >= MAX_RESULT_ROWS:
            raise PayoutFileError(f"A result file has at most {MAX_RESULT_ROWS:,} rows.")
        row = {(key or "").strip().lower(): (value or "").strip() for key, value in raw.items()}
        reference, status = row.get("reference", ""), row.get("status", "").lower()
        if not reference and not status:
            continue  # a blank line
        if not reference:
            problems.append(f"line {line}: no reference")
        elif status not in RESULTS:
            problems.append(f"line {line}: status “{status[:20]}” is not paid or failed")
        elif reference in seen:
            problems.append(f"line {line}: {reference} already appears on line {seen[reference]}")
        else:
            seen[reference] = line
            rows.append(PaymentResult(line, reference, status, row.get("message", "")[:500]))
    if problems:
        shown = "; ".join(problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        raise PayoutFileError(f"The result file has problems: {shown}{more}.")
    return rows
