"""A payout statement as a person reads it: CSV for spreadsheets, PDF for printing.

Both are written in the statement owner's language (`StatementDocument.language`), whoever
downloads them. The CSV keeps its amounts and month as a spreadsheet reads them ("12.34",
"2026-11"); the PDF writes them as the owner does (month_display, money_display).
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from hitrec.formats import money_display, month_display
from royalties.money import format_minor
from royalties.wording import stored_phrase

# A statement's status as its documents write it (lowercase, within a sentence or a cell).
STATUS_WORDS = {
    "open": pgettext_lazy("statement status", "open"),
    "issued": pgettext_lazy("statement status", "issued"),
    "paid": pgettext_lazy("statement status", "paid"),
    "failed": pgettext_lazy("statement status", "failed"),
}


@dataclass(frozen=True)
class DocumentLine:
    project: str
    contribution: str
    path: str
    amount_minor: int


HELD_NOTE = gettext_lazy(
    "This payout waits: hitrec pays only an address its owner has verified. Verify your "
    "payout address in your settings; the balance is kept until then."
)


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
    month: dt.date | None = None  # the period's first day, for the month in words
    language: str = settings.LANGUAGE_CODE  # the owner's (hitrec.i18n.language_of)
    # Owed but waiting: the owner's payout address is not verified (accounts.services.addresses).
    held: bool = False

    def held_note(self) -> str:
        return str(HELD_NOTE) if self.held else ""

    def money(self, minor: int) -> str:
        """An amount as a spreadsheet reads it: "12.34"."""
        return format_minor(minor, currency=self.currency)

    def money_shown(self, minor: int) -> str:
        """An amount as the reader writes it: "$12.34", "12,34 US$"."""
        return money_display(minor, currency=self.currency)

    def status_word(self) -> str:
        word = STATUS_WORDS.get(self.status)
        return str(word) if word is not None else self.status

    def month_shown(self) -> str:
        return month_display(self.month) if self.month is not None else self.period

    def subtotals(self) -> list[tuple[str, int]]:
        totals: dict[str, int] = {}
        for line in self.lines:
            totals[line.project] = totals.get(line.project, 0) + line.amount_minor
        return list(totals.items())


def statement_csv(doc: StatementDocument) -> bytes:
    """One row per line, then per-project subtotals and the totals, all in the same columns."""
    with translation.override(doc.language):
        return _statement_csv(doc)


def _statement_csv(doc: StatementDocument) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    # Translators: the cells of a statement's CSV download (its first row names the statement).
    writer.writerow([_("statement"), doc.number, _("person"), doc.person, _("period"), doc.period,
                     _("currency"), doc.currency, _("status"), doc.status_word()])  # fmt: skip
    if doc.held:
        writer.writerow([_("held"), doc.held_note()])
    writer.writerow([_("kind"), _("project"), _("contribution"), _("path"), _("amount")])
    for line in doc.lines:
        # Translators: in a statement's CSV, the first cell of a row that is one earning.
        writer.writerow([_("line"), line.project, stored_phrase(line.contribution),
                         stored_phrase(line.path), doc.money(line.amount_minor)])  # fmt: skip
    for project, amount in doc.subtotals():
        writer.writerow([_("project subtotal"), project, "", "", doc.money(amount)])
    writer.writerow([_("earned this period"), "", "", "", doc.money(doc.earned_minor)])
    writer.writerow([_("carried in"), "", "", "", doc.money(doc.carried_in_minor)])
    writer.writerow([_("paid out"), "", "", "", doc.money(doc.payable_minor)])
    writer.writerow([_("carried forward"), "", "", "", doc.money(doc.carried_forward_minor)])
    return out.getvalue().encode("utf-8")


def statement_pdf(doc: StatementDocument) -> bytes:
    with translation.override(doc.language):
        return _statement_pdf(doc)


def _statement_pdf(doc: StatementDocument) -> bytes:
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    buffer = io.BytesIO()
    month = doc.month_shown()
    pdf = SimpleDocTemplate(
        buffer, pagesize=A4, title=_("hitrec statement %(month)s") % {"month": month},
        author="hitrec",
        leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm,
    )  # fmt: skip
    story = [
        Paragraph(_("hitrec payout statement — %(month)s") % {"month": month}, styles["Title"]),
        Paragraph(
            # Translators: under a statement's title: whose it is, its number, currency (a
            # code such as EUR) and status (open, issued, paid or failed).
            _("For %(person)s · statement #%(number)s · %(currency)s · %(status)s")
            % {
                "person": _escape(doc.person),
                "number": doc.number,
                "currency": doc.currency,
                "status": doc.status_word(),
            },
            styles["BodyText"],
        ),
        *([Paragraph(_escape(doc.held_note()), styles["BodyText"])] if doc.held else []),
        Spacer(1, 6 * mm),
    ]
    rows = [[
        _("Project"), _("Contribution"), _("How it earned"),
        # Translators: %(currency)s is a currency code such as EUR.
        _("Amount (%(currency)s)") % {"currency": doc.currency},
    ]]  # fmt: skip
    rows += [
        [Paragraph(_escape(line.project), small),
         Paragraph(_escape(stored_phrase(line.contribution)), small),
         Paragraph(_escape(stored_phrase(line.path)), small), doc.money_shown(line.amount_minor)]
        for line in doc.lines
    ]  # fmt: skip
    rows += [
        [_("Subtotal: %(project)s") % {"project": project}, "", "", doc.money_shown(amount)]
        for project, amount in doc.subtotals()
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
        [_("Earned this period"), doc.money_shown(doc.earned_minor)],
        [_("Carried in from earlier months"), doc.money_shown(doc.carried_in_minor)],
        [_("Paid out with this statement"), doc.money_shown(doc.payable_minor)],
        [
            _("Carried forward (below the payout threshold)"),
            doc.money_shown(doc.carried_forward_minor),
        ],
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
