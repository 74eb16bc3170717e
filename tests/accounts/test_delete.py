"""Deleting an account: tombstones vs removal, files gone, lineage, splits and ledger intact."""

import pytest
from django.core.files.storage import default_storage
from django.db.models import Count, Sum
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import DataExport, User
from accounts.services import CLOSED_DISPLAY_NAME, account_delete, data_export_request
from contributions.models import Contribution, RemixLink
from contributions.services import contribution_create
from media.models import Rendition
from projects.models import Project, ProjectMember, Submission
from projects.services import CreditInput, member_accept, member_invite, project_release
from royalties.models import Posting, Statement
from royalties.selectors import payable_balances
from royalties.services import revenue_record, statements_build_month
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.contributions.factories import ContributionFactory
from tests.contributions.uploads import png_upload
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


def token_client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def release(project, *credits):
    for contribution in credits:
        Submission.objects.get_or_create(
            project=project, contribution=contribution,
            defaults={"submitted_by": contribution.author, "status": "accepted"},
        )  # fmt: skip
    return project_release(
        project=project,
        actor=project.owner,
        credits=[CreditInput(c.id, 1) for c in credits],
        commercial=True,
    )


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    ana = UserFactory(username="ana", display_name="Ana Loop", payout_email="pay@ana.example")
    ana.bio = "Cello and tape."
    ana.save()
    bo, prod = UserFactory(username="bo"), UserFactory(username="prod")

    # Uploaded and processed (original + renditions in storage), through the service.
    with django_capture_on_commit_callbacks(execute=True):
        loop = contribution_create(author=ana, title="Loop", file=png_upload("loop.png"))
        sketch = contribution_create(author=ana, title="Sketch", file=png_upload("sketch.png"))
    loop.refresh_from_db()
    sketch.refresh_from_db()
    assert loop.status == sketch.status == "ready" and sketch.renditions.exists()
    credited = ContributionFactory(author=ana, title="Cello line")
    own_source = ContributionFactory(author=ana, title="Draft verse")
    own_remix = ContributionFactory(author=ana, title="Second verse")
    RemixLink.objects.create(source=own_source, remix=own_remix)
    song = ContributionFactory(author=bo, title="Song")
    RemixLink.objects.create(source=loop, remix=song)

    # prod released "Night Bus" with bo's Song (which remixes ana's Loop) and ana's Cello line.
    night_bus = make_project(owner=prod, title="Night Bus")
    release(night_bus, song, credited)
    revenue_record(
        project=night_bus, actor=prod, amount="100.00", currency="USD", idempotency_key="one"
    )
    statements_build_month(period=timezone.now().date())

    # ana offered Loop to prod's open project, and co-produces it.
    day_tram = make_project(owner=prod, title="Day Tram")
    pending = Submission.objects.create(project=day_tram, contribution=loop, submitted_by=ana)
    member_invite(project=day_tram, actor=prod, username="ana")
    member_accept(project=day_tram, actor=ana)

    # ana's own projects: a draft, an open one with bo's submission, a released one.
    ana_draft = make_project(owner=ana, title="Ana's draft", status="draft")
    ana_open = make_project(owner=ana, title="Ana's open call")
    bo_offer = ContributionFactory(author=bo, title="Bo's offer")
    Submission.objects.create(project=ana_open, contribution=bo_offer, submitted_by=bo)
    ana_released = make_project(owner=ana, title="Ana's album")
    bo_track = ContributionFactory(author=bo, title="Bo's track")
    release(ana_released, bo_track)

    return {"ana": ana, "bo": bo, "prod": prod, "loop": loop, "sketch": sketch,
            "credited": credited, "own_source": own_source, "own_remix": own_remix,
            "song": song, "night_bus": night_bus, "day_tram": day_tram, "pending": pending,
            "ana_draft": ana_draft, "ana_open": ana_open, "bo_offer": bo_offer,
            "ana_released": ana_released}  # fmt: skip


def ledger_state() -> dict:
    return {
        "accounts": list(
            Posting.objects.values("account_id")
            .annotate(total=Sum("amount_minor"), n=Count("id"))
            .order_by("account_id")
        ),
        "postings": Posting.objects.count(),
    }


def lineage_of(client, contribution) -> dict:
    body = client.get(f"/api/contributions/{contribution.id}/lineage/?direction=both").json()
    return body


def delete_account(client, password=DEFAULT_PASSWORD):
    return client.delete("/api/auth/me/", {"password": password}, format="json")


def test_a_wrong_or_missing_password_deletes_nothing(world):
    client = token_client(world["ana"])

    wrong = delete_account(client, "not-my-password")
    missing = client.delete("/api/auth/me/", {}, format="json")

    assert wrong.status_code == missing.status_code == 400
    assert "not your password" in wrong.json()["password"][0]
    assert "password" in missing.json()
    ana = User.objects.get(pk=world["ana"].pk)
    assert (ana.username, ana.is_active, ana.email) == ("ana", True, "ana@example.org")
    assert Contribution.objects.filter(author=ana, removed_at__isnull=True).count() == 5
    assert client.get("/api/auth/me/").status_code == 200


def test_deleting_closes_the_account_and_scrubs_personal_data(
    world, django_capture_on_commit_callbacks
):
    client = token_client(world["ana"])

    with django_capture_on_commit_callbacks(execute=True):
        response = delete_account(client)

    assert response.status_code == 204
    ana = User.objects.get(pk=world["ana"].pk)  # the row stays: the ledger and releases need it
    assert ana.username == f"deleted-{ana.pk}"
    assert (ana.display_name, ana.email, ana.bio, ana.first_name) == (
        CLOSED_DISPLAY_NAME,
        "",
        "",
        "",
    )
    assert not ana.is_active and not ana.has_usable_password()
    # hitrec still owes her money (her Cello line earned), so her payout email is kept.
    assert payable_balances(user=ana)["USD"] > 0
    assert ana.payout_email == "pay@ana.example"


def test_the_token_dies_and_nobody_can_log_in_with_the_old_credentials(world, client):
    api = token_client(world["ana"])
    assert client.login(username="ana", password=DEFAULT_PASSWORD)
    assert client.get("/api/auth/me/").status_code == 200

    assert delete_account(api).status_code == 204

    assert not Token.objects.filter(user=world["ana"]).exists()
    assert api.get("/api/auth/me/").status_code == 401
    assert client.get("/api/auth/me/").status_code in (401, 403)  # the old session is dead
    assert not client.login(username="ana", password=DEFAULT_PASSWORD)
    refused = APIClient().post(
        "/api/auth/token/", {"username": "ana", "password": DEFAULT_PASSWORD}
    )
    assert refused.status_code == 400


def test_built_on_work_stays_as_tombstones_and_the_rest_is_removed_with_its_files(
    world, django_capture_on_commit_callbacks
):
    loop, sketch = world["loop"], world["sketch"]
    loop_files = [loop.file.name, *loop.renditions.values_list("file", flat=True)]
    sketch_files = [sketch.file.name, *sketch.renditions.values_list("file", flat=True)]
    assert all(default_storage.exists(name) for name in loop_files + sketch_files)

    with django_capture_on_commit_callbacks(execute=True):
        account_delete(user=world["ana"], password=DEFAULT_PASSWORD)

    # Loop (remixed by bo) and Cello line (in a release) stay as tombstones.
    for kept in (loop, world["credited"]):
        kept.refresh_from_db()
        assert kept.is_removed and kept.file.name == "" and kept.text == ""
        assert kept.author_id == world["ana"].pk
    assert loop.title == "Loop"
    assert not Rendition.objects.filter(contribution=loop).exists()
    # Sketch had no remix: gone. The draft verse was built on only by her own second verse,
    # which went first, so it is gone too instead of lingering as a tombstone.
    for gone in ("sketch", "own_source", "own_remix"):
        assert not Contribution.objects.filter(pk=world[gone].pk).exists()
    assert not any(default_storage.exists(name) for name in loop_files + sketch_files)
    # Others' work is untouched.
    assert Contribution.objects.get(pk=world["song"].pk).is_removed is False


def test_submissions_are_withdrawn_and_unreleased_projects_removed(world):
    account_delete(user=world["ana"], password=DEFAULT_PASSWORD)

    assert Submission.objects.get(pk=world["pending"].pk).status == "withdrawn"
    # Her draft and her open call are gone; bo's work offered to the open call is not.
    assert not Project.objects.filter(pk__in=[world["ana_draft"].pk, world["ana_open"].pk]).exists()
    assert Contribution.objects.filter(pk=world["bo_offer"].pk).exists()
    # Her released album stays, with her as the producer on record.
    album = Project.objects.get(pk=world["ana_released"].pk)
    assert album.owner_id == world["ana"].pk and album.release.producer_id == world["ana"].pk
    # She no longer co-produces prod's project; prod's projects are untouched.
    assert not ProjectMember.objects.filter(project=world["day_tram"], user=world["ana"]).exists()
    assert Project.objects.filter(pk=world["day_tram"].pk, status="open").exists()


def test_lineage_released_split_and_ledger_are_unchanged(
    world, api_client, django_capture_on_commit_callbacks
):
    night_bus, song, loop, ana = world["night_bus"], world["song"], world["loop"], world["ana"]
    split_before = api_client.get(f"/api/projects/{night_bus.id}/split/").json()
    lineage_before = lineage_of(api_client, song)
    ledger_before = ledger_state()
    balances_before = payable_balances(user=ana)
    statements_before = list(Statement.objects.values().order_by("id"))

    with django_capture_on_commit_callbacks(execute=True):
        account_delete(user=ana, password=DEFAULT_PASSWORD)

    split_after = api_client.get(f"/api/projects/{night_bus.id}/split/").json()
    lineage_after = lineage_of(api_client, song)

    # The split: same release, same parties with the same exact shares, same flows. Only the
    # name shown for her changed.
    def without_names(split):
        return {**split, "parties": [{**p, "username": None} for p in split["parties"]]}

    assert without_names(split_after) == without_names(split_before)
    assert {p["username"] for p in split_after["parties"] if p["user"] == ana.pk} == {
        f"deleted-{ana.pk}"
    }

    # The lineage: same nodes, depths and edges; Loop is now a tombstone under her new name.
    def shape(lineage):
        return (
            lineage["root"],
            [
                (n["id"], n["title"], n["kind"], n["depth"], n["direction"])
                for n in lineage["nodes"]
            ],
            lineage["edges"],
        )

    assert shape(lineage_after) == shape(lineage_before)
    [loop_node] = [n for n in lineage_after["nodes"] if n["id"] == loop.id]
    assert loop_node["removed"] is True
    assert loop_node["author"] == {"id": ana.pk, "username": f"deleted-{ana.pk}"}

    # The ledger: not one row added, changed or removed; what she is owed is unchanged.
    assert ledger_state() == ledger_before
    assert payable_balances(user=ana) == balances_before
    assert list(Statement.objects.values().order_by("id")) == statements_before


def test_her_earnings_stay_payable_after_the_account_is_closed(world):
    ana, night_bus = world["ana"], world["night_bus"]
    before = payable_balances(user=ana)["USD"]
    account_delete(user=ana, password=DEFAULT_PASSWORD)

    revenue_record(
        project=night_bus, actor=world["prod"], amount="100.00", currency="USD",
        idempotency_key="after",
    )  # fmt: skip
    statements_build_month(period=timezone.now().date())

    assert payable_balances(user=ana)["USD"] == 2 * before  # her share keeps flowing to her
    statement = Statement.objects.get(user=ana)
    assert statement.earned_minor == 2 * before


def test_the_payout_email_goes_when_nothing_is_owed_and_is_kept_when_money_is():
    nothing_owed = UserFactory(payout_email="pay@example.org")
    account_delete(user=nothing_owed, password=DEFAULT_PASSWORD)
    nothing_owed.refresh_from_db()
    assert nothing_owed.payout_email == ""

    # Owed money but no payout email set: the login email is kept there, or nobody could pay.
    producer = UserFactory(email="prod@example.org", payout_email="")
    project = make_project(owner=producer)
    release(project, ContributionFactory(author=UserFactory()))
    revenue_record(
        project=project, actor=producer, amount="10.00", currency="USD", idempotency_key="k"
    )
    account_delete(user=producer, password=DEFAULT_PASSWORD)
    producer.refresh_from_db()
    assert (producer.email, producer.payout_email) == ("", "prod@example.org")


def test_her_data_exports_are_removed_with_their_archives(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        export = data_export_request(user=world["ana"])
    export.refresh_from_db()
    assert export.status == "ready" and default_storage.exists(export.file.name)

    with django_capture_on_commit_callbacks(execute=True):
        account_delete(user=world["ana"], password=DEFAULT_PASSWORD)

    assert not DataExport.objects.filter(user=world["ana"]).exists()
    assert not default_storage.exists(export.file.name)


def test_closed_account_usernames_are_reserved(api_client):
    response = api_client.post(
        "/api/auth/register/",
        {"username": "Deleted-42", "email": "x@example.org", "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 400
    assert "reserved" in response.json()["username"][0]


def test_the_settings_page_deletes_the_account_with_the_password(world, client):
    client.force_login(world["ana"])

    refused = client.post("/settings/account/delete/", {"password": "nope"})
    assert refused.status_code == 400
    assert "not your password" in refused.content.decode()
    assert User.objects.get(pk=world["ana"].pk).is_active

    done = client.post("/settings/account/delete/", {"password": DEFAULT_PASSWORD})
    assert done.status_code == 302 and done.url == "/"
    assert not User.objects.get(pk=world["ana"].pk).is_active
    assert client.get("/settings/account/").status_code == 302  # logged out: to the login page


def test_other_apps_are_told_inside_the_closing_transaction(world):
    from accounts.closing import account_closing

    seen = []

    def receiver(sender, user, **kwargs):
        # Still the person's data at this point: the receiver can find what is theirs.
        seen.append((user.pk, user.username, user.is_active))

    account_closing.connect(receiver)
    try:
        account_delete(user=world["ana"], password=DEFAULT_PASSWORD)
    finally:
        account_closing.disconnect(receiver)

    assert seen == [(world["ana"].pk, "ana", True)]
