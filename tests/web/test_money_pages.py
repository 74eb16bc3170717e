"""The money pages: a producer's costs and revenue streams on the desk, staff's payouts page."""

import datetime as dt
import re
from fractions import Fraction
from pathlib import Path

import pytest
from django.contrib.messages import constants, get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from projects.models import Submission
from projects.services import CreditInput, member_accept, member_invite, project_release
from royalties.models import (
    PayoutBatch,
    ProductionCost,
    RevenueEvent,
    RevenueStream,
    Statement,
    StatementRun,
    StatementRunBatch,
)
from royalties.services import (
    production_cost_approve,
    production_cost_record,
    revenue_record,
    revenue_stream_create,
    statement_batch_build,
    statement_issue,
    statements_build_month,
)
from tests.accounts.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory
from tests.accounts.two_factor import signed_in_with_second_factor
from tests.browser.fixtures import log_in
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project
from tests.royalties.costs import cost_in_effect

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def people():
    return {name: UserFactory(username=name) for name in ("prod", "cop", "ana", "bo")}


@pytest.fixture
def released(people):
    """Ana's song, released by Prod (with Cop as co-producer); contributors share 1/2."""
    project = make_project(owner=people["prod"], title="Night Bus", contributor_pool="1/2")
    member_invite(project=project, actor=people["prod"], username="cop")
    member_accept(project=project, actor=people["cop"])
    song = ContributionFactory(author=people["ana"], title="Song")
    Submission.objects.create(
        project=project, contribution=song, submitted_by=people["ana"], status="accepted"
    )
    project_release(
        project=project, actor=people["prod"], credits=[CreditInput(song.id, 1)], commercial=True
    )
    return project


@pytest.fixture
def song_and_lyrics(people):
    """Night Bus, released crediting Ana's song and Bo's lyrics (1 each), by Prod."""
    project = make_project(owner=people["prod"], title="Night Bus", contributor_pool="1/2")
    song = ContributionFactory(author=people["ana"], title="Song")
    lyrics = ContributionFactory(author=people["bo"], title="Lyrics")
    for work in (song, lyrics):
        Submission.objects.create(
            project=project, contribution=work, submitted_by=work.author, status="accepted"
        )
    project_release(
        project=project, actor=people["prod"], commercial=True,
        credits=[CreditInput(song.id, 1), CreditInput(lyrics.id, 1)],
    )  # fmt: skip
    return {"project": project, "song": song, "lyrics": lyrics}


def signed_in(client, user):
    """Signed in as a person would be; staff with their second factor, as staff pages need."""
    if user.is_staff:
        return signed_in_with_second_factor(client, user)
    client.force_login(user)
    return client


def errors(response) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request) if m.level == constants.ERROR]


def notes(response) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request)]


def receipt(content: bytes = PDF, name: str = "invoice.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# --- costs ---------------------------------------------------------------------------------


def test_a_producer_records_a_cost_with_its_receipt_and_sees_it_on_the_desk(
    client, released, people
):
    signed_in(client, people["prod"])
    desk = reverse("web:desk", args=[released.id])

    response = client.post(
        reverse("web:desk-cost", args=[released.id]),
        {"amount": "250.00", "note": "Studio day", "borne_by": people["cop"].id,
         "receipt": receipt()},
    )  # fmt: skip

    assert response.status_code == 302 and response["Location"] == f"{desk}#costs"
    assert "Recorded a cost of 250.00 USD borne by cop" in " ".join(notes(response))
    cost = ProductionCost.objects.get(project=released)
    assert (cost.amount_minor, cost.borne_by, cost.recorded_by) == (
        25000,
        people["cop"],
        people["prod"],
    )
    page = client.get(desk).content.decode()
    row = re.search(rf'<tr data-cost="{cost.id}">.*?</tr>', page, re.S).group(0)
    assert "$250.00" in row and "Studio day" in row and "cop" in row
    link = reverse("api:project-cost-receipt", args=[released.id, cost.id])
    assert f'href="{link}"' in row
    download = client.get(link)  # the page's session is enough
    assert download.status_code == 200
    assert b"".join(download.streaming_content if download.streaming else [download.content]) == PDF
    assert "attachment" in download["Content-Disposition"]


def test_revenue_pays_the_cost_back_and_the_desk_says_how_much_is_outstanding(
    client, released, people
):
    cost_in_effect(
        project=released, actor=people["prod"], amount="30.00", currency="USD", note="Mixing"
    )
    revenue_record(
        project=released, actor=people["prod"], amount="20.00", currency="USD",
        idempotency_key="first",
    )  # fmt: skip

    page = signed_in(client, people["prod"]).get(reverse("web:desk", args=[released.id]))

    row = re.search(r"<tr data-cost=.*?</tr>", page.content.decode(), re.S).group(0)
    assert "<td>$20.00</td>" in row  # paid back
    assert "<td>$10.00</td>" in row  # outstanding


def test_a_receipt_that_is_not_a_pdf_or_picture_is_refused_and_nothing_is_kept(
    client, released, people, settings
):
    signed_in(client, people["prod"])

    response = client.post(
        reverse("web:desk-cost", args=[released.id]),
        {"amount": "12.00", "note": "Cables", "receipt": receipt(b"<html>hi</html>", "x.pdf")},
    )

    assert response.status_code == 302
    assert errors(response) == ["A receipt must be a PDF, JPEG, PNG or WebP file."]
    assert not ProductionCost.objects.exists()
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_a_cost_with_a_bad_amount_says_which_field_is_wrong(client, released, people):
    response = signed_in(client, people["prod"]).post(
        reverse("web:desk-cost", args=[released.id]), {"amount": "12.345", "note": "Cables"}
    )

    assert errors(response) == ["USD has 2 decimals; “12.345” has more. Amounts are never rounded."]
    assert not ProductionCost.objects.exists()


def test_a_producer_withdraws_what_is_outstanding_of_a_cost_from_the_desk(client, released, people):
    cost = cost_in_effect(
        project=released, actor=people["prod"], amount="40.00", currency="USD", note="Strings"
    )
    revenue_record(
        project=released, actor=people["prod"], amount="15.00", currency="USD",
        idempotency_key="a",
    )  # fmt: skip
    signed_in(client, people["cop"])
    desk = reverse("web:desk", args=[released.id])
    row = re.compile(rf'<tr data-cost="{cost.id}">.*?</tr>', re.S)
    before = row.search(client.get(desk).content.decode()).group(0)
    assert "Withdraw the outstanding $25.00" in before

    empty = client.post(reverse("web:desk-cost-withdraw", args=[released.id, cost.id]), {})
    response = client.post(
        reverse("web:desk-cost-withdraw", args=[released.id, cost.id]),
        {"reason": "The label paid for the strings."},
    )

    assert errors(empty) == ["Reason: This field is required."]
    assert response.status_code == 302 and response["Location"] == f"{desk}#costs"
    assert notes(response)[-1] == "Withdrew 25.00 USD of “Strings”: revenue will not pay it back."
    cost.refresh_from_db()
    assert (cost.recouped_minor, cost.withdrawn_minor, cost.withdrawn_by) == (
        1500,
        2500,
        people["cop"],
    )
    after = row.search(client.get(desk).content.decode()).group(0)
    assert "withdrawn" in after and "The label paid for the strings." in after
    assert "data-cost-withdraw" not in after  # nothing left to withdraw


def test_costs_can_be_borne_only_by_the_projects_producers(client, released, people):
    response = signed_in(client, people["prod"]).post(
        reverse("web:desk-cost", args=[released.id]),
        {"amount": "12.00", "note": "Cables", "borne_by": people["ana"].id},
    )

    assert [e.split(":")[0] for e in errors(response)] == ["Borne by"]
    assert not ProductionCost.objects.exists()


@pytest.mark.parametrize("who", ["ana", "bo"])
def test_people_who_are_not_producers_neither_see_nor_add_costs(client, released, people, who):
    signed_in(client, people[who])

    response = client.post(
        reverse("web:desk-cost", args=[released.id]),
        {"amount": "99.00", "note": "Mine", "receipt": receipt()},
    )

    assert response.status_code == 302
    assert errors(response) == ["Only the producers of “Night Bus” can record costs."]
    assert not ProductionCost.objects.exists()
    assert client.get(reverse("web:desk", args=[released.id])).status_code == 403


def test_a_cost_recorded_after_the_release_waits_for_the_co_producer_who_agrees_on_the_desk(
    client, released, people
):
    signed_in(client, people["prod"])
    desk = reverse("web:desk", args=[released.id])
    recorded = client.post(
        reverse("web:desk-cost", args=[released.id]),
        {"amount": "40.00", "note": "Strings", "borne_by": people["prod"].id,
         "receipt": receipt()},
    )  # fmt: skip
    without = client.post(
        reverse("web:desk-cost", args=[released.id]), {"amount": "9.00", "note": "Snacks"}
    )
    cost = ProductionCost.objects.get(project=released)
    row = re.compile(rf'<tr data-cost="{cost.id}">.*?</tr>', re.S)
    own_desk = row.search(client.get(desk).content.decode()).group(0)
    refused = client.post(reverse("web:desk-cost-approve", args=[released.id, cost.id]))

    assert notes(recorded)[-1] == (
        "Recorded a cost of 40.00 USD borne by prod. Revenue pays it back first once a producer "
        "who neither recorded nor bore it agrees."
    )
    assert errors(without) == [
        "“Night Bus” is released: a cost recorded now needs its receipt, which everyone "
        "credited can see."
    ]
    assert "waits for another producer" in own_desk and "data-cost-approve" not in own_desk
    assert errors(refused) == ["You recorded this cost, so another producer must agree to it."]

    signed_in(client, people["cop"])
    before = row.search(client.get(desk).content.decode()).group(0)
    agreed = client.post(reverse("web:desk-cost-approve", args=[released.id, cost.id]))
    after = row.search(client.get(desk).content.decode()).group(0)

    assert "data-cost-approve" in before
    assert agreed["Location"] == f"{desk}#costs"
    assert notes(agreed)[-1] == (
        "Agreed to the cost of 40.00 USD for “Strings”: revenue pays it back to prod first from "
        "now on."
    )
    assert "agreed by cop" in after and "data-cost-approve" not in after
    cost.refresh_from_db()
    assert cost.approved_by == people["cop"]


def test_the_project_page_shows_cost_totals_to_everyone_and_each_cost_to_those_credited(
    client, released, people, django_assert_max_num_queries
):
    agreed = production_cost_record(
        project=released, actor=people["prod"], amount="30.00", currency="USD",
        note="Mixing", receipt=receipt(),
    )  # fmt: skip
    production_cost_approve(cost=agreed, actor=people["cop"])
    production_cost_record(
        project=released, actor=people["cop"], amount="5.00", currency="USD",
        note="Taxi", borne_by=people["prod"], receipt=receipt(),
    )  # fmt: skip
    revenue_record(
        project=released, actor=people["prod"], amount="20.00", currency="USD",
        idempotency_key="first",
    )  # fmt: skip
    url = reverse("web:project", args=[released.id])

    public = client.get(url).content.decode()
    section = re.search(r'<section id="costs">.*?</section>', public, re.S).group(0)
    assert "<dd>$20.00</dd>" in section  # paid back
    assert re.search(r"data-cost-outstanding>\$10.00<", section)
    assert re.search(r"data-cost-pending>\$5.00 ", section)
    assert "data-cost-table" not in section and "Mixing" not in section

    signed_in(client, people["bo"])  # credited in nothing here
    assert "data-cost-table" not in client.get(url).content.decode()

    signed_in(client, people["ana"])  # her song is credited
    with django_assert_max_num_queries(60) as counted:
        page = client.get(url).content.decode()
    table = re.search(r"<table class=\"costs\" data-cost-table>.*?</table>", page, re.S).group(0)
    assert "Mixing" in table and "Taxi" in table and "agreed by cop" in table
    assert "unless withdrawn" in table  # the taxi waits for its window
    assert table.count("Download") == 2
    for n in range(5):
        production_cost_record(
            project=released, actor=people["cop"], amount="1.00", currency="USD",
            note=f"more {n}", borne_by=people["prod"], receipt=receipt(),
        )  # fmt: skip
    with django_assert_max_num_queries(len(counted)):
        assert client.get(url).content.decode().count("<tr data-cost=") == 7


# --- revenue streams -----------------------------------------------------------------------


def test_a_stream_added_on_the_desk_takes_revenue_from_the_project_page(client, released, people):
    signed_in(client, people["prod"])

    added = client.post(
        reverse("web:desk-stream", args=[released.id]),
        {"name": "sync", "contributor_pool": "3/4", "recoups_costs": "no"},
    )

    assert "Added the revenue stream “sync”" in " ".join(notes(added))
    stream = RevenueStream.objects.get(project=released)
    assert (stream.name, stream.contributor_pool, stream.recoups_costs) == (
        "sync",
        Fraction(3, 4),
        False,
    )
    desk = client.get(reverse("web:desk", args=[released.id])).content.decode()
    row = re.search(r'<tr data-stream="sync">.*?</tr>', desk, re.S).group(0)
    assert "<td>0.75</td>" in row and "<td>no</td>" in row

    project_page = client.get(reverse("web:project", args=[released.id])).content.decode()
    assert '<option value="sync">sync</option>' in project_page
    posted = client.post(
        reverse("web:project-revenue", args=[released.id]),
        {"amount": "40.00", "note": "TV spot", "idempotency_key": "sync-1", "stream": "sync"},
    )

    assert "Recorded 40.00 USD in the stream “sync”" in " ".join(notes(posted))
    event = RevenueEvent.objects.get(project=released)
    assert event.stream == stream
    # 3/4 to Ana's song under the stream's pool, not the release's 1/2.
    assert dict(event.allocations.values_list("user__username", "amount_minor")) == {
        "ana": 3000, "prod": 1000,
    }  # fmt: skip
    page = client.get(reverse("web:project", args=[released.id])).content.decode()
    assert re.search(r'<td>\$40.00</td><td>sync</td><td dir="auto">TV spot</td>', page)


def test_once_released_a_stream_added_on_the_desk_may_pay_only_some_credits(
    client, people, song_and_lyrics
):
    project, lyrics = song_and_lyrics["project"], song_and_lyrics["lyrics"]
    signed_in(client, people["prod"])
    desk = reverse("web:desk", args=[project.id])
    form = re.search(
        r"<form[^>]*data-stream-form.*?</form>", client.get(desk).content.decode(), re.S
    )
    assert f'value="{lyrics.id}"' in form.group(0) and f"#{lyrics.id} Lyrics" in form.group(0)

    client.post(
        reverse("web:desk-stream", args=[project.id]),
        {"name": "publishing", "contributions": [lyrics.id]},
    )
    bad = client.post(
        reverse("web:desk-stream", args=[project.id]), {"name": "sync", "contributions": ["7x"]}
    )

    stream = RevenueStream.objects.get(project=project)
    assert (stream.name, stream.contributions) == ("publishing", [lyrics.id])
    assert errors(bad) and errors(bad)[0].startswith("Pays only:")
    row = re.search(r'<tr data-stream="publishing">.*?</tr>', client.get(desk).content.decode())
    assert "only Lyrics" in row.group(0)


def test_budget_streams_default_to_paying_everything_to_contributors(client, released, people):
    signed_in(client, people["cop"]).post(
        reverse("web:desk-stream", args=[released.id]), {"name": "budget"}
    )

    stream = RevenueStream.objects.get(project=released)
    assert (stream.contributor_pool, stream.recoups_costs) == (1, False)


def test_revenue_to_a_stream_the_project_lacks_is_refused(client, released, people):
    revenue_stream_create(project=released, actor=people["prod"], name="master")

    response = signed_in(client, people["prod"]).post(
        reverse("web:project-revenue", args=[released.id]),
        {"amount": "5.00", "idempotency_key": "k", "stream": "sync"},
    )

    assert errors(response) == ["“Night Bus” has no revenue stream “sync”; its streams are master."]
    assert not RevenueEvent.objects.exists()


def test_a_stream_name_taken_or_malformed_is_refused(client, released, people):
    revenue_stream_create(project=released, actor=people["prod"], name="sync")
    signed_in(client, people["prod"])

    taken = client.post(reverse("web:desk-stream", args=[released.id]), {"name": "sync"})
    client.get(taken["Location"])  # the desk shows the message, and it is gone
    malformed = client.post(reverse("web:desk-stream", args=[released.id]), {"name": "tv spot"})

    assert errors(taken) == ["“Night Bus” already has a stream “sync”."]
    assert [e.split(":")[0] for e in errors(malformed)] == ["Name"]
    assert RevenueStream.objects.count() == 1


def test_only_producers_add_streams(client, released, people):
    response = signed_in(client, people["ana"]).post(
        reverse("web:desk-stream", args=[released.id]), {"name": "sync"}
    )

    assert errors(response) == ["Only the producers of “Night Bus” can add revenue streams."]
    assert not RevenueStream.objects.exists()


def test_the_desk_reads_costs_and_streams_in_a_constant_number_of_queries(
    client, released, people, django_assert_max_num_queries
):
    signed_in(client, people["prod"])
    url = reverse("web:desk", args=[released.id])
    cost_in_effect(
        project=released, actor=people["prod"], amount="1.00", currency="USD", note="one"
    )
    revenue_stream_create(project=released, actor=people["prod"], name="master")
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    one_each = len(few)

    for n in range(8):
        bearer = people["cop"] if n % 2 else people["prod"]
        production_cost_record(
            project=released, actor=bearer, amount=f"{n + 2}.00", currency="USD",
            note=f"cost {n}", borne_by=bearer, receipt=receipt(),
        )  # fmt: skip
        revenue_stream_create(project=released, actor=people["prod"], name=f"stream-{n}")

    with django_assert_max_num_queries(one_each):
        page = client.get(url).content.decode()
    assert page.count("<tr data-cost=") == 9 and page.count("<tr data-stream=") == 9


# --- payouts -------------------------------------------------------------------------------


@pytest.fixture
def issued(released, people):
    """A month of revenue built into statements, Ana's and Prod's issued."""
    revenue_record(
        project=released, actor=people["prod"], amount="100.00", currency="USD",
        idempotency_key="month",
    )  # fmt: skip
    statements_build_month(period=timezone.now().date())
    staff = StaffFactory()
    for statement in Statement.objects.all():
        statement_issue(statement=statement, actor=staff)
    return {s.user.username: s for s in Statement.objects.select_related("user")}


def results_file(rows: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("results.csv", rows.encode(), content_type="text/csv")


def test_staff_batch_the_waiting_statements_download_the_file_and_upload_the_results(
    client, issued
):
    staff = signed_in(client, StaffFactory(username="sam"))
    page_url = reverse("web:staff-payouts")
    waiting = staff.get(page_url).content.decode()
    for statement in issued.values():
        assert f'<tr data-statement="{statement.id}">' in waiting
    assert "Create a payout batch of 2 statements" in waiting

    created = staff.post(reverse("web:staff-payout-batch-create"))

    batch = PayoutBatch.objects.get()
    assert created["Location"] == page_url
    assert f"Batch #{batch.id} holds 2 payments" in " ".join(notes(created))
    page = staff.get(page_url).content.decode()
    assert "No issued statements are waiting to be paid." in page
    row = re.search(rf'<tr data-batch="{batch.id}">.*?</tr>', page, re.S).group(0)
    assert re.search(r"<td>2</td><td>2</td><td>0</td><td>0</td>", row)  # payments, pending…
    csv_link = reverse("api:payout-file", args=[batch.id])
    assert f'href="{csv_link}"' in row
    csv = staff.get(csv_link).content.decode()
    ana, prod = issued["ana"], issued["prod"]
    assert f"ana@example.org,50.00,USD,hitrec-{ana.id}" in csv
    assert f"prod@example.org,50.00,USD,hitrec-{prod.id}" in csv

    uploaded = staff.post(
        reverse("web:staff-payout-results", args=[batch.id]),
        {"file": results_file(
            f"reference,status,message\nhitrec-{ana.id},paid,\nhitrec-{prod.id},failed,closed\n"
        )},
    )  # fmt: skip

    assert f"Batch #{batch.id}: 1 paid, 1 failed, 0 unchanged" in " ".join(notes(uploaded))
    ana.refresh_from_db()
    prod.refresh_from_db()
    assert (ana.status, prod.status) == ("paid", "failed")
    row = re.search(
        rf'<tr data-batch="{batch.id}">.*?</tr>', staff.get(page_url).content.decode(), re.S
    )
    assert re.search(r"<td>2</td><td>0</td><td>1</td><td>1</td>", row.group(0))
    assert "all recorded" in row.group(0)


def test_the_same_result_file_twice_records_nothing_new(client, issued):
    staff = signed_in(client, StaffFactory())
    staff.post(reverse("web:staff-payout-batch-create"))
    batch = PayoutBatch.objects.get()
    rows = f"reference,status\nhitrec-{issued['ana'].id},paid\n"
    url = reverse("web:staff-payout-results", args=[batch.id])
    staff.post(url, {"file": results_file(rows)})

    again = staff.post(url, {"file": results_file(rows)})

    assert f"Batch #{batch.id}: 0 paid, 0 failed, 1 unchanged" in " ".join(notes(again))
    assert Statement.objects.get(pk=issued["ana"].id).status == "paid"


def test_a_wrong_result_file_is_refused_whole_with_the_reason(client, issued):
    staff = signed_in(client, StaffFactory())
    staff.post(reverse("web:staff-payout-batch-create"))
    batch = PayoutBatch.objects.get()
    url = reverse("web:staff-payout-results", args=[batch.id])

    unknown = staff.post(
        url,
        {"file": results_file(
            f"reference,status\nhitrec-{issued['ana'].id},paid\nhitrec-999999,paid\n"
        )},
    )  # fmt: skip
    page = staff.get(unknown["Location"]).content.decode()  # the message is shown there
    not_text = staff.post(url, {"file": SimpleUploadedFile("r.csv", b"\xff\xfe\x00")})

    assert errors(unknown) == [f"line 3: hitrec-999999 is not in batch {batch.id}"]
    assert f"line 3: hitrec-999999 is not in batch {batch.id}" in page
    assert errors(not_text) == ["Result file: The result file must be UTF-8 text (CSV)."]
    assert set(Statement.objects.values_list("status", flat=True)) == {"issued"}


def test_a_result_file_over_a_megabyte_is_taken_and_one_over_the_limit_is_refused(
    client, issued, settings
):
    """The page reads result files under their own 20 MB limit, not a text upload's 1 MB."""
    staff = signed_in(client, StaffFactory())
    staff.post(reverse("web:staff-payout-batch-create"))
    batch = PayoutBatch.objects.get()
    url = reverse("web:staff-payout-results", args=[batch.id])
    padding = ",\n" * 700_000  # 1.4 MB of empty rows, which are skipped

    large = staff.post(
        url,
        {"file": results_file(f"reference,status\nhitrec-{issued['ana'].id},paid\n{padding}")},
    )
    assert f"Batch #{batch.id}: 1 paid, 0 failed, 0 unchanged" in " ".join(notes(large))
    too_large = staff.post(url, {"file": SimpleUploadedFile("r.csv", b"x" * 20_100_000)})
    assert errors(too_large) == ["A result file is limited to 20 MB."]
    staff.get(too_large["Location"])  # the page shows (and so uses up) the message
    nul = staff.post(url, {"file": results_file("reference,status\nhitrec-1\x00,paid\n")})
    assert errors(nul) == ["Result file: The result file contains a NUL byte; send CSV text."]
    assert Statement.objects.get(pk=issued["ana"].id).status == "paid"


def test_with_nothing_waiting_a_batch_is_refused(client, released):
    staff = signed_in(client, StaffFactory())

    response = staff.post(reverse("web:staff-payout-batch-create"))

    assert errors(response) == [
        "There are no issued statements waiting to be paid to someone with a verified email address."
    ]
    assert not PayoutBatch.objects.exists()


def test_people_who_are_not_staff_are_refused_the_payouts_pages_and_nothing_changes(
    client, issued, people
):
    staff = StaffFactory()
    signed_in(client, staff).post(reverse("web:staff-payout-batch-create"))
    client.logout()
    batch = PayoutBatch.objects.get()
    file = f"reference,status\nhitrec-{issued['ana'].id},paid\n"
    requests = [
        ("get", reverse("web:staff-payouts"), {}),
        ("post", reverse("web:staff-payout-batch-create"), {}),
        ("post", reverse("web:staff-payout-results", args=[batch.id]), {"file": file}),
        ("get", reverse("api:payout-file", args=[batch.id]), {}),
    ]
    for who in (people["prod"], people["ana"]):
        signed_in(client, who)
        for method, url, data in requests:
            data = {"file": results_file(data["file"])} if data else {}
            assert getattr(client, method)(url, data).status_code == 403, (who, url)
    client.logout()
    for method, url, _ in requests[:3]:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")

    assert PayoutBatch.objects.count() == 1
    assert set(Statement.objects.values_list("status", flat=True)) == {"issued"}


def test_the_payouts_page_reads_batches_in_a_constant_number_of_queries(
    client, issued, django_assert_max_num_queries
):
    staff = signed_in(client, StaffFactory())
    staff.post(reverse("web:staff-payout-batch-create"))
    with django_assert_max_num_queries(20) as few:
        staff.get(reverse("web:staff-payouts"))
    one_batch = len(few)  # now: each request below starts a new query log
    for n in range(5):  # more batches, each of one more statement
        statement = Statement.objects.create(
            user=UserFactory(), period=timezone.now().date().replace(day=1), currency="USD",
            status="issued", earned_minor=5000 + n, payable_minor=5000 + n,
        )  # fmt: skip
        staff.post(reverse("web:staff-payout-batch-create"))
        assert statement.payout_item

    with django_assert_max_num_queries(one_batch):
        page = staff.get(reverse("web:staff-payouts")).content.decode()
    assert page.count("<tr data-batch=") == 6


def test_staff_build_a_months_statements_from_the_payouts_page(
    client, released, people, django_capture_on_commit_callbacks
):
    revenue_record(
        project=released, actor=people["prod"], amount="100.00", currency="USD",
        idempotency_key="month",
    )  # fmt: skip
    staff = signed_in(client, StaffFactory(username="sam"))
    month = timezone.now().date()
    page = staff.get(reverse("web:staff-payouts")).content.decode()
    assert f'value="{month:%Y-%m}"' in page  # this month, unless staff choose another

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(reverse("web:staff-statement-run"), {"period": f"{month:%Y-%m}"})

    assert response.status_code == 302
    assert response["Location"] == reverse("web:staff-payouts") + "#runs"
    assert notes(response) == [
        f"Building everyone's statements for {month:%B %Y}: follow the run below."
    ]
    run = StatementRun.objects.get()
    assert (run.period, run.status, run.done, run.total) == (month.replace(day=1), "done", 2, 2)
    assert set(Statement.objects.values_list("user__username", flat=True)) == {"prod", "ana"}
    page = staff.get(reverse("web:staff-payouts")).content.decode()
    row = re.search(rf'<tr data-run="{run.id}">.*?</tr>', page, re.S).group(0)
    assert f"{month:%B %Y}" in row and "by sam" in row and "2 of 2" in row
    assert '<span class="status">Done</span>' in row and "data-follow-job" not in row


def test_staff_issue_a_months_open_statements_from_the_payouts_page(
    client, released, people, django_capture_on_commit_callbacks
):
    revenue_record(
        project=released, actor=people["prod"], amount="100.00", currency="USD",
        idempotency_key="month",
    )  # fmt: skip
    month = timezone.now().date()
    statements_build_month(period=month)
    staff = signed_in(client, StaffFactory(username="sam"))
    nothing_open = staff.post(reverse("web:staff-statement-issue"), {"period": "2020-01"})

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(reverse("web:staff-statement-issue"), {"period": f"{month:%Y-%m}"})

    assert errors(nothing_open) == ["No statement of January 2020 is open to issue."]
    assert notes(response)[-1] == (
        f"Issuing the 2 open statements of {month:%B %Y}: each person is told as theirs is issued."
    )
    assert set(Statement.objects.values_list("status", flat=True)) == {"issued"}
    run = StatementRun.objects.get(kind="issue")
    page = staff.get(reverse("web:staff-payouts")).content.decode()
    row = re.search(rf'<tr data-run="{run.id}">.*?</tr>', page, re.S).group(0)
    assert "<td>Issue</td>" in row and "2 of 2" in row and "Done" in row
    assert page.count('<tr data-statement="') == 2  # now waiting to be paid


def test_a_second_run_for_a_month_under_way_is_refused_on_the_page(
    client, db, django_capture_on_commit_callbacks
):
    staff = signed_in(client, StaffFactory())
    with django_capture_on_commit_callbacks(execute=False):  # the first is queued, not run
        staff.post(reverse("web:staff-statement-run"), {"period": "2026-10"})
    first = StatementRun.objects.get()

    again = staff.post(reverse("web:staff-statement-run"), {"period": "2026-10"})

    assert again.status_code == 302
    assert errors(again) == [
        f"The statements of October 2026 are being built (run #{first.id}); build them once "
        "it is done."
    ]
    assert StatementRun.objects.count() == 1


@pytest.mark.parametrize(
    ("period", "problem"),
    [
        ("2024-13", "Month: Give the month as YYYY-MM."),
        ("March", "Month: Give the month as YYYY-MM."),
        ("0000-01", "Month: Give a month between 0001-01 and 9998-12."),
        ("", "Month: This field is required."),
    ],
)
def test_a_month_that_is_not_one_starts_no_run(client, db, period, problem):
    response = signed_in(client, StaffFactory()).post(
        reverse("web:staff-statement-run"), {"period": period}
    )

    assert errors(response) == [problem]
    assert not StatementRun.objects.exists()


def test_a_running_run_shows_its_progress_and_a_failed_one_its_error(client, db):
    staff = StaffFactory()
    running = StatementRun.objects.create(
        period=dt.date(2026, 10, 1), requested_by=staff, status="running", total=8, done=2
    )
    failed = StatementRun.objects.create(
        period=dt.date(2026, 9, 1), requested_by=staff, status="failed", total=4, done=1,
        error="ValueError: the database said no",
    )  # fmt: skip

    page = signed_in(client, staff).get(reverse("web:staff-payouts")).content.decode()

    row = re.search(rf'<tr data-run="{running.id}">.*?</tr>', page, re.S).group(0)
    follow = reverse("api:statement-run", args=[running.id])
    assert f'data-follow-job="{follow}"' in row
    assert (
        '<progress max="100" value="25" aria-label="Statement run progress">' in row
        and "2 of 8" in row
    )
    row = re.search(rf'<tr data-run="{failed.id}">.*?</tr>', page, re.S).group(0)
    assert "Failed" in row and "ValueError: the database said no" in row
    retry = reverse("web:staff-statement-run-retry", args=[failed.id])
    assert f'action="{retry}"' in row
    assert "data-run-retry" not in re.search(
        rf'<tr data-run="{running.id}">.*?</tr>', page, re.S
    ).group(0)

    tried = client.post(retry)
    not_failed = client.post(reverse("web:staff-statement-run-retry", args=[running.id]))

    assert notes(tried)[-1] == "Trying the build run of September 2026 again: follow it below."
    assert errors(not_failed) == ["Only a failed run can be tried again; this one is running."]
    failed.refresh_from_db()
    assert (failed.status, failed.error) == ("queued", "")  # planned again by its first job


def test_staff_find_the_payouts_page_in_the_menu(client, db):
    assert "Payouts" in signed_in(client, StaffFactory()).get("/").content.decode()
    assert ">Payouts<" not in signed_in(client, UserFactory()).get("/").content.decode()


# --- in a browser --------------------------------------------------------------------------


@pytest.mark.browser
def test_a_producer_records_a_cost_with_a_receipt_in_the_browser(page, live_server):
    prod = UserFactory(username="prod")
    project = make_project(owner=prod, title="Night Bus")
    page.goto("/login/")
    page.fill("input[name=username]", "prod")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard/$"))

    page.goto(f"/projects/{project.id}/desk/")
    page.fill("form[data-cost-form] input[name=amount]", "120.50")
    page.fill("form[data-cost-form] input[name=note]", "Rehearsal room")
    page.set_input_files(
        "form[data-cost-form] input[name=receipt]",
        files=[{"name": "room.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.click("form[data-cost-form] button[type=submit]")

    page.wait_for_url(re.compile(rf"/projects/{project.id}/desk/#costs$"))
    assert "Recorded a cost of 120.50 USD" in page.locator(".messages").inner_text()
    row = page.locator("table.costs tbody tr").first
    assert "Rehearsal room" in row.inner_text() and "$120.50" in row.inner_text()
    with page.expect_download() as download:
        row.locator("a", has_text="Download").click()
    assert Path(download.value.path()).read_bytes() == PDF


@pytest.mark.browser
def test_the_payouts_page_follows_a_run_until_it_is_done(page, live_server):
    staff = StaffFactory(username="sam")
    ana = UserFactory(username="ana")
    # A run as its planning job leaves it: two batches queued, none built yet (built below,
    # as the money workers would, while the page watches).
    run = StatementRun.objects.create(
        period=dt.date(2026, 10, 1), requested_by=staff, status="running", total=2
    )
    batches = [
        StatementRunBatch.objects.create(run=run, number=n, people=[[user.id, "USD"]], size=1)
        for n, user in enumerate([staff, ana], start=1)
    ]
    log_in(page, staff)
    page.goto("/staff/payouts/")
    row = page.locator(f'tr[data-run="{run.id}"]')
    assert row.locator("progress").get_attribute("value") == "0"

    statement_batch_build(batch_id=batches[0].id)
    page.wait_for_function(
        f"""() => document.querySelector('tr[data-run="{run.id}"] progress')?.value === 50"""
    )
    assert "1 of 2" in row.inner_text()
    statement_batch_build(batch_id=batches[1].id)

    # Done: the page reloads itself and shows the finished run.
    row.locator(".status", has_text="done").wait_for(timeout=15_000)
    assert "2 of 2" in row.inner_text() and not row.locator("progress").count()


@pytest.mark.browser
def test_a_producer_withdraws_a_cost_and_adds_a_stream_for_some_credits_in_the_browser(
    page, live_server, people, song_and_lyrics
):
    project, lyrics = song_and_lyrics["project"], song_and_lyrics["lyrics"]
    cost = cost_in_effect(
        project=project, actor=people["prod"], amount="80.00", currency="USD", note="Typo"
    )
    page.goto("/login/")
    page.fill("input[name=username]", "prod")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard/$"))
    page.goto(f"/projects/{project.id}/desk/")

    row = page.locator(f'tr[data-cost="{cost.id}"]')
    row.locator("input[name=reason]").fill("Meant 8.00")
    row.locator("button", has_text="Withdraw the outstanding $80.00").click()
    page.wait_for_url(re.compile(rf"/projects/{project.id}/desk/#costs$"))
    assert "Withdrew 80.00 USD of “Typo”" in page.locator(".messages").inner_text()
    assert "withdrawn" in row.inner_text() and "Meant 8.00" in row.inner_text()

    form = page.locator("form[data-stream-form]")
    form.locator("input[name=name]").fill("publishing")
    form.get_by_label(f"#{lyrics.id} Lyrics").check()
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/projects/{project.id}/desk/#streams$"))
    assert "only Lyrics" in page.locator('tr[data-stream="publishing"]').inner_text()
    assert RevenueStream.objects.get(project=project).contributions == [lyrics.id]


# --- the earnings page ---------------------------------------------------------------------


def statement_row(client, statement) -> str:
    page = client.get(reverse("web:dashboard")).content.decode()
    return re.search(rf'<tr data-statement="{statement.id}">.*?</tr>', page, re.S).group(0)


def test_the_earnings_chart_draws_each_currency_apart_in_its_own_unit(client):
    ana = UserFactory()
    for month, currency, earned in (
        (dt.date(2026, 10, 1), "USD", 1200),
        (dt.date(2026, 11, 1), "USD", 30384),
        (dt.date(2026, 11, 1), "JPY", 1500),  # no minor unit: 1,500 yen
    ):
        Statement.objects.create(
            user=ana, period=month, currency=currency, status="issued",
            earned_minor=earned, payable_minor=earned,
        )  # fmt: skip

    page = signed_in(client, ana).get(reverse("web:dashboard")).content.decode()

    labels = re.findall(r'<svg class="chart" role="img" aria-label="([^"]*)"', page)
    assert labels == [
        "Your earnings by month, in JPY: 2026-11 1500",
        "Your earnings by month, in USD: 2026-10 12.00, 2026-11 303.84",
    ]


def test_the_earnings_page_says_an_owed_balance_is_to_be_paid_and_not_paid_out(
    client, issued, people
):
    ana = issued["ana"]
    page = signed_in(client, people["ana"]).get(reverse("web:dashboard")).content.decode()
    assert "Paid out" not in page
    assert "<th>Paid</th>" in page

    row = statement_row(client, ana)

    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    assert cells[3] == "$50.00"  # to be paid
    assert "not yet" in cells[4]  # paid
    assert "issued: payment on its way" in row


def test_the_earnings_page_shows_what_was_paid_once_it_is_paid(client, issued, people):
    ana = issued["ana"]
    staff = signed_in(client, StaffFactory())
    staff.post(reverse("web:staff-payout-batch-create"))
    batch = PayoutBatch.objects.get()
    staff.post(
        reverse("web:staff-payout-results", args=[batch.id]),
        {"file": results_file(f"reference,status,message\nhitrec-{ana.id},paid,\n")},
    )
    ana.refresh_from_db()
    assert ana.status == "paid"

    row = statement_row(signed_in(client, people["ana"]), ana)

    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    assert cells[3] == "—"
    assert cells[4] == f"$50.00 on {ana.paid_at:%b} {ana.paid_at.day}, {ana.paid_at.year}"
    assert "not yet" not in row
