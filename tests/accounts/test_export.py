"""Downloading all one's data: the archive's contents, the owner-only download, the job."""

import csv
import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import DataExport
from accounts.services import data_export as services
from accounts.services import (
    data_export_build,
    data_export_request,
    data_exports_expire,
    user_profile_update,
)
from community.models import Comment
from contributions.models import RemixLink
from contributions.services import contribution_create, contribution_delete
from notifications.services import preferences_set
from projects.models import Submission
from projects.services import CreditInput, project_release
from royalties.models import Statement
from royalties.selectors import payable_balances
from royalties.services import revenue_record, statements_build_month
from tests.accounts.factories import UserFactory
from tests.contributions.factories import ContributionFactory
from tests.contributions.uploads import png_upload
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db

SKETCH = png_upload("my sketch (1).png", size=(80, 60))
SKETCH_BYTES = SKETCH.read()
VERSE = "# Verse\n\nA line about the night bus.\n"


def token_client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    ana = UserFactory(username="ana", display_name="Ana Loop", payout_email="pay@ana.example")
    ana.bio = "Cello and tape."
    ana.save()
    user_profile_update(user=ana, skills=["Cello", "Tape loops"])
    preferences_set(user=ana, preferences={"ask_for_you": "digest"})
    bo, prod = UserFactory(username="bo"), UserFactory(username="prod")
    loop = ContributionFactory(author=bo, title="Bo's loop")
    with django_capture_on_commit_callbacks(execute=True):
        sketch = contribution_create(
            author=ana, title="Sketch", file=png_upload("my sketch (1).png", size=(80, 60))
        )
        verse = contribution_create(author=ana, title="Night verse", text=VERSE, sources=[loop.id])
    sketch.refresh_from_db()
    assert sketch.status == "ready" and sketch.renditions.exists()  # renditions exist...
    gone = ContributionFactory(author=ana, title="Old idea")
    RemixLink.objects.create(source=gone, remix=ContributionFactory(author=bo))
    contribution_delete(contribution=gone, actor=ana)  # ...and so does a tombstone

    project = make_project(owner=prod, title="Night Bus")
    Submission.objects.create(
        project=project, contribution=verse, submitted_by=ana, status="accepted"
    )
    project_release(
        project=project, actor=prod, credits=[CreditInput(verse.id, 1)], commercial=True
    )
    revenue_record(
        project=project, actor=prod, amount="100.00", currency="USD", idempotency_key="a"
    )
    statements_build_month(period=timezone.now().date())
    return {"ana": ana, "bo": bo, "sketch": sketch, "verse": verse, "gone": gone,
            "loop": loop, "project": project}  # fmt: skip


def build_through_api(client, captured) -> dict:
    with captured(execute=True):
        answer = client.post("/api/auth/me/export/")
    assert answer.status_code == 202
    return answer.json()


def open_archive(client, export_id) -> zipfile.ZipFile:
    response = client.get(f"/api/auth/me/exports/{export_id}/download")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_archive_holds_all_of_the_persons_data(world, django_capture_on_commit_callbacks):
    ana, sketch, verse = world["ana"], world["sketch"], world["verse"]
    client = token_client(ana)
    asked = build_through_api(client, django_capture_on_commit_callbacks)
    assert (asked["status"], asked["progress"]["percent"]) == ("queued", 0)

    archive = open_archive(client, asked["id"])

    statement = Statement.objects.get(user=ana)
    statement_file = f"statements/{statement.period:%Y-%m}-USD-{statement.id}.csv"
    sketch_file = f"contributions/{sketch.id}-my_sketch_1.png"
    verse_file = f"contributions/{verse.id}-night-verse.md"
    expected = {"README.txt", "profile.json", "contributions.json", "projects.json",
                "comments.json", "notifications.json", "statements.csv", statement_file,
                "ledger.json", "audit.json", "claims.json", sketch_file, verse_file}  # fmt: skip
    # Exactly these: no renditions (thumbnails are derived), nothing of anyone else.
    assert set(archive.namelist()) == expected

    profile = json.loads(archive.read("profile.json"))
    assert {k: profile[k] for k in ("username", "display_name", "email", "bio", "payout_email")} == {
        "username": "ana", "display_name": "Ana Loop", "email": "ana@example.org",
        "bio": "Cello and tape.", "payout_email": "pay@ana.example",
    }  # fmt: skip
    assert profile["joined"].startswith(f"{ana.date_joined:%Y-%m-%d}")
    assert profile["skills"] == ["cello", "tape-loops"]
    # How they chose to hear of things, the switch for asks that match their skills too.
    preferences = json.loads(archive.read("notifications.json"))["preferences"]
    assert preferences["ask_for_you"] == "digest" and preferences["remixed"] == "immediate"

    # Originals byte for byte, as uploaded; text bodies as Markdown.
    assert archive.read(sketch_file) == SKETCH_BYTES
    assert archive.read(sketch_file) == default_storage.open(sketch.file.name).read()
    assert archive.read(verse_file).decode() == VERSE

    works = {work["id"]: work for work in json.loads(archive.read("contributions.json"))}
    assert set(works) == {sketch.id, verse.id, world["gone"].id}
    assert works[sketch.id]["file"] == sketch_file
    assert works[sketch.id]["sha256"] == sketch.sha256
    assert works[verse.id]["sources"] == [
        {"id": world["loop"].id, "title": "Bo's loop", "author": "bo"}
    ]
    assert works[verse.id]["submissions"] == [
        {"project": world["project"].id, "project_title": "Night Bus", "status": "accepted"}
    ]
    assert works[world["gone"].id]["file"] is None and works[world["gone"].id]["removed_at"]

    # Statements: the index, and each statement exactly as its own CSV download gives it.
    [index_header, index_row] = list(
        csv.reader(io.StringIO(archive.read("statements.csv").decode()))
    )
    assert index_header[0] == "statement" and index_row[0] == str(statement.id)
    assert index_row[-1] == statement_file
    as_downloaded = client.get(f"/api/payouts/statements/{statement.id}/?format=csv").content
    assert archive.read(statement_file) == as_downloaded

    ledger = json.loads(archive.read("ledger.json"))
    assert ledger["balances"] == [
        {"currency": "USD", "balance_minor": payable_balances(user=ana)["USD"], "balance": "37.50"}
    ]
    assert sum(p["owed_change_minor"] for p in ledger["postings"]) == 3750
    assert ledger["postings"][0]["project_title"] == "Night Bus"

    readme = archive.read("README.txt").decode()
    assert "ledger.json" in readme and "notifications.json" in readme


def test_the_status_shows_progress_and_the_download_link(world, django_capture_on_commit_callbacks):
    client = token_client(world["ana"])
    asked = build_through_api(client, django_capture_on_commit_callbacks)

    status = client.get(f"/api/auth/me/exports/{asked['id']}/").json()

    assert status["status"] == "ready"
    assert status["progress"] == {"stage": "ready", "stage_label": "ready", "percent": 100}
    assert status["download"] == f"/api/auth/me/exports/{asked['id']}/download"
    assert status["bytes"] > len(SKETCH_BYTES)
    assert status["expires_at"] > status["finished_at"]


def test_progress_is_recorded_while_the_archive_is_built(world, monkeypatch):
    export = data_export_request(user=world["ana"])  # on_commit never fires here: still queued
    seen = []
    real = services._export_progress_recorder

    def spy(export_id):
        record = real(export_id)

        def recording(stage, percent):
            record(stage, percent)
            row = DataExport.objects.get(pk=export_id)
            seen.append((row.status, row.progress_stage, row.progress_percent))

        return recording

    monkeypatch.setattr(services, "_export_progress_recorder", spy)
    data_export_build(export_id=export.id)

    assert {status for status, _, _ in seen} == {"running"}
    stages = [stage for _, stage, _ in seen]
    for stage in ("profile", "contributions", "statements", "ledger", "saving"):
        assert stage in stages
    percents = [percent for _, _, percent in seen]
    assert percents == sorted(percents) and 0 < percents[-1] < 100
    export.refresh_from_db()
    assert (export.status, export.progress_percent) == ("ready", 100)


def test_only_the_owner_sees_or_downloads_an_export(
    world, api_client, django_capture_on_commit_callbacks
):
    asked = build_through_api(token_client(world["ana"]), django_capture_on_commit_callbacks)
    bo = token_client(world["bo"])

    assert bo.get(f"/api/auth/me/exports/{asked['id']}/").status_code == 404
    assert bo.get(f"/api/auth/me/exports/{asked['id']}/download").status_code == 404
    assert api_client.get(f"/api/auth/me/exports/{asked['id']}/download").status_code == 401
    assert api_client.post("/api/auth/me/export/").status_code == 401


def test_asking_twice_while_one_is_being_built_gives_the_same_export(world):
    first = data_export_request(user=world["ana"])
    again = data_export_request(user=world["ana"])

    assert first.id == again.id
    response = token_client(world["ana"]).get(f"/api/auth/me/exports/{first.id}/download")
    assert response.status_code == 409
    assert "not ready" in response.json()["detail"]


def test_a_rerun_of_a_ready_export_does_nothing_and_a_dead_run_is_redone(world):
    export = data_export_request(user=world["ana"])
    data_export_build(export_id=export.id)
    export.refresh_from_db()
    finished, name = export.finished_at, export.file.name
    content = default_storage.open(name).read()

    data_export_build(export_id=export.id)  # delivered again: the status guard stops it
    export.refresh_from_db()
    assert (export.finished_at, export.file.name) == (finished, name)
    assert default_storage.open(name).read() == content

    # A worker died mid-build: the export is left "running"; the redelivery builds it anew,
    # into the same file name, leaving no second archive behind.
    DataExport.objects.filter(pk=export.pk).update(status="running", progress_percent=40)
    data_export_build(export_id=export.id)
    export.refresh_from_db()
    assert (export.status, export.file.name) == ("ready", name)
    assert len(default_storage.listdir(name.rsplit("/", 1)[0])[1]) == 1


def test_a_failed_build_says_so_and_leaves_no_file(world, monkeypatch):
    export = data_export_request(user=world["ana"])

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "_archive_write", broken)
    data_export_build(export_id=export.id)

    export.refresh_from_db()
    assert export.status == "failed" and "fault on our side" in export.error
    assert export.file.name == ""
    assert (
        token_client(world["ana"]).get(f"/api/auth/me/exports/{export.id}/").json()["status"]
        == "failed"
    )


def test_exports_expire(world, settings, django_capture_on_commit_callbacks):
    settings.HITREC_DATA_EXPORT_DAYS = 2
    client = token_client(world["ana"])
    asked = build_through_api(client, django_capture_on_commit_callbacks)
    export = DataExport.objects.get(pk=asked["id"])
    assert timedelta(days=2) - (export.expires_at - export.finished_at) < timedelta(seconds=1)
    name = export.file.name

    # Past its expiry it is refused at once, before the cleanup job runs...
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now())
    assert client.get(f"/api/auth/me/exports/{export.id}/download").status_code == 410
    assert client.get(f"/api/auth/me/exports/{export.id}/").json()["download"] is None

    # ...and the cleanup removes the archive.
    with django_capture_on_commit_callbacks(execute=True):
        assert data_exports_expire() == 1
    export.refresh_from_db()
    assert (export.status, export.file.name) == ("expired", "")
    assert not default_storage.exists(name)
    assert data_exports_expire() == 0


def test_the_settings_page_offers_the_export_and_its_download(
    world, client, django_capture_on_commit_callbacks
):
    client.force_login(world["ana"])
    page = client.get("/settings/account/").content.decode()
    assert "Download all my data" in page and "Delete my account" in page

    asked = client.post("/settings/account/export/")
    assert asked.status_code == 302
    export = DataExport.objects.get(user=world["ana"])
    following = client.get("/settings/account/").content.decode()
    assert f'data-follow-job="/api/auth/me/exports/{export.id}/"' in following

    data_export_build(export_id=export.id)
    ready = client.get("/settings/account/").content.decode()
    assert f"/api/auth/me/exports/{export.id}/download" in ready
    assert client.get(f"/api/auth/me/exports/{export.id}/download").status_code == 200


def test_the_archive_holds_the_persons_comments(world, django_capture_on_commit_callbacks):
    # The community app writes this section of the export (community/exports.py).
    mine = Comment.objects.create(
        author=world["ana"], contribution=world["verse"], body="Thanks, @bo!", html="<p>x</p>"
    )
    Comment.objects.create(
        author=world["bo"], contribution=world["verse"], body="Not hers", html="<p>y</p>"
    )
    client = token_client(world["ana"])

    archive = open_archive(
        client, build_through_api(client, django_capture_on_commit_callbacks)["id"]
    )

    [comment] = json.loads(archive.read("comments.json"))
    assert (comment["id"], comment["body"], comment["contribution_id"]) == (
        mine.id, "Thanks, @bo!", world["verse"].id,
    )  # fmt: skip
    assert "html" not in comment and "hidden_by_id" not in comment
