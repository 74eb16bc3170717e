"""A payout statement as a person reads it: CSV for spreadsheets, PDF for printing."""

import csv
import io
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from royalties.money import format_minor


@dataclass(frozen=True)
class DocumentLine:
    project: str
    contribution: str
    path: str
    amount_minor: int


@dataclass(frozen=True)
class StatementDocument:
    number: int
    person: str
    period: str  # "2026-11"
    currency: str
    status: str
    carried_in_minor: int
    earned_minor: int
    payable_minor: int
    carried_forward_minor: int
    lines: list[DocumentLine]

    def money(self, minor: int) -> str:
        return format_minor(minor, currency=self.currency)

    def subtotals(self) -> list[tuple[str, int]]:
        totals: dict[str, int] = {}
        for line in self.lines:
            totals[line.project] = totals.get(line.project, 0) + line.amount_minor
        return list(totals.items())


def statement_csv(doc: StatementDocument) -> bytes:
    """One row per line, then per-project subtotals and the totals, all in the same columns."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["statement", doc.number, "person", doc.person, "period", doc.period,
                     "currency", doc.currency, "status", doc.status])  # fmt: skip
    writer.writerow(["kind", "project", "contribution", "path", "amount"])
    for line in doc.lines:
        writer.writerow(["line", line.project, line.contribution, line.path,
                         doc.money(line.amount_minor)])  # fmt: skip
    for project, amount in doc.subtotals():
        writer.writerow(["project subtotal", project, "", "", doc.money(amount)])
    writer.writerow(["earned this period", "", "", "", doc.money(doc.earned_minor)])
    writer.writerow(["carried in", "", "", "", doc.money(doc.carried_in_minor)])
    writer.writerow(["paid out", "", "", "", doc.money(doc.payable_minor)])
    writer.writerow(["carried forward", "", "", "", doc.money(doc.carried_forward_minor)])
    return out.getvalue().encode("utf-8")


def statement_pdf(doc: StatementDocument) -> bytes:
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer, pagesize=A4, title=f"hitrec statement {doc.period}", author="hitrec",
        leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm,
    )  # fmt: skip
    story = [
        Paragraph(f"hitrec payout statement — {doc.period}", styles["Title"]),
        Paragraph(
            f"For {_escape(doc.person)} · statement #{doc.number} · {doc.currency} · {doc.status}",
            styles["BodyText"],
        ),
        Spacer(1, 6 * mm),
    ]
    rows = [["Project", "Contribution", "How it earned", f"Amount ({doc.currency})"]]
    rows += [
        [Paragraph(_escape(line.project), small), Paragraph(_escape(line.contribution), small),
         Paragraph(_escape(line.path), small), doc.money(line.amount_minor)]
        for line in doc.lines
    ]  # fmt: skip
    rows += [
        [f"Subtotal: {project}", "", "", doc.money(amount)] for project, amount in doc.subtotals()
    ]
    table = Table(rows, colWidths=[38 * mm, 38 * mm, 70 * mm, 28 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3efe6")),
        ("ALIGN", (3, 0), (3, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
    ]))  # fmt: skip
    story += [table, Spacer(1, 6 * mm)]
    totals = [
        ["Earned this period", doc.money(doc.earned_minor)],
        ["Carried in from earlier months", doc.money(doc.carried_in_minor)],
        ["Paid out with this statement", doc.money(doc.payable_minor)],
        ["Carried forward (below the payout threshold)", doc.money(doc.carried_forward_minor)],
    ]
    summary = Table(totals, colWidths=[120 * mm, 54 * mm])
    summary.setStyle(
        TableStyle([("ALIGN", (1, 0), (1, -1), "RIGHT"), ("FONTSIZE", (0, 0), (-1, -1), 9)])
    )
    story.append(summary)
    pdf.build(story)
    return buffer.getvalue()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
