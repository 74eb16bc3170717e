"""A statement's CSV and PDF are written in its owner's language, whoever downloads them:
headings through gettext (the Spanish expected here is computed with gettext under Spanish,
the catalog being still to come), months and money in the PDF through the owner's locale
(Babel's, so those prove the language without a catalog). The CSV's amounts and month stay
as a spreadsheet reads them."""

import csv
import io

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from pypdf import PdfReader

from contributions.models import RemixLink
from hitrec.formats import money_display, month_display
from projects.models import Submission
from projects.services import CreditInput, project_release
from royalties.models import Statement
from royalties.services import statements_build_month
from tests.accounts.factories import StaffFactory, UserFactory
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project
from tests.royalties.test_statements import earn

pytestmark = pytest.mark.django_db


def in_language(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


def pdf_text(content: bytes) -> str:
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())  # Babel's no-break spaces and line breaks as plain spaces


@pytest.fixture
def statements():
    """ana (Spanish) and bo (English, chosen by nobody) earn from “Night Bus”."""
    prod = UserFactory(username="prod")
    ana = UserFactory(username="ana", language="es")
    bo = UserFactory(username="bo")
    loop = ContributionFactory(author=ana, title="Loop")
    song = ContributionFactory(author=bo, title="Song")
    RemixLink.objects.create(source=loop, remix=song)
    project = make_project(owner=prod, title="Night Bus")
    Submission.objects.create(
        project=project, contribution=song, submitted_by=bo, status="accepted"
    )
    project_release(project=project, actor=prod, credits=[CreditInput(song.id, 1)], commercial=True)
    earn(project, "10000.00", "a")  # ana earns 1,250.00: a thousands separator to write
    statements_build_month(period=timezone.now().date())
    return {s.user.username: s for s in Statement.objects.select_related("user")}


def download(api_client, statement, fmt: str, as_user) -> bytes:
    api_client.force_authenticate(as_user)
    response = api_client.get(f"/api/payouts/statements/{statement.id}/", {"format": fmt})
    assert response.status_code == 200
    return response.content


def test_a_spanish_owners_pdf_statement_is_in_spanish_with_spanish_months_and_money(
    api_client, statements
):
    ana = statements["ana"]

    text = pdf_text(download(api_client, ana, "pdf", ana.user))

    with translation.override("es"):
        amount = money_display(ana.earned_minor, currency="USD")
        month = month_display(ana.period)
    assert " ".join(amount.split()) in text  # "1.250,00 US$"
    assert month in text  # e.g. "diciembre de 2026"
    assert in_language("es", "Earned this period") in text
    assert "$1,250.00" not in text


def test_an_english_owners_pdf_statement_stays_in_english(api_client, statements):
    bo = statements["bo"]

    text = pdf_text(download(api_client, bo, "pdf", bo.user))

    assert money_display(bo.earned_minor, currency="USD") in text  # "$…" in English
    assert month_display(bo.period) in text
    assert "Earned this period" in text and "hitrec payout statement" in text


def test_staff_download_a_statement_in_its_owners_language(api_client, statements):
    ana = statements["ana"]

    mine = download(api_client, ana, "pdf", ana.user)
    staffs = download(api_client, ana, "pdf", StaffFactory())

    with translation.override("es"):
        month = month_display(ana.period)
    assert month in pdf_text(staffs)
    assert pdf_text(staffs) == pdf_text(mine)


def test_the_csv_statement_has_its_owners_headings_and_machine_amounts(api_client, statements):
    ana, bo = statements["ana"], statements["bo"]

    spanish = list(csv.reader(io.StringIO(download(api_client, ana, "csv", ana.user).decode())))
    english = list(csv.reader(io.StringIO(download(api_client, bo, "csv", bo.user).decode())))

    assert spanish[0][0] == in_language("es", "statement")
    assert spanish[1] == [
        in_language("es", word) for word in ("kind", "project", "contribution", "path", "amount")
    ]
    [earned] = [row for row in spanish if row[0] == in_language("es", "earned this period")]
    assert earned[4] == "1250.00"  # a spreadsheet's number, in every language
    assert spanish[0][5] == english[0][5] == f"{ana.period:%Y-%m}"
    assert english[0][0] == "statement" and english[1][0] == "kind"
    [english_earned] = [row for row in english if row[0] == "earned this period"]
    assert english_earned[4] == f"{bo.earned_minor // 100}.{bo.earned_minor % 100:02d}"
