"""Reports go to staff, who take a work down: files gone, tombstone, lineage and splits intact."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from community.models import Report, Takedown
from community.services import contribution_take_down, report_create
from contributions.models import Contribution, RemixLink
from media.models import Rendition
from projects.models import Submission
from projects.services import CreditInput, project_release
from tests.accounts.factories import StaffFactory, UserFactory
from tests.accounts.two_factor import signed_in_with_second_factor
from tests.contributions.factories import ContributionFactory
from tests.contributions.uploads import png_upload
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def stored_files() -> list[Path]:
    return sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())


def report(client, work, kind="infringement", text="This is my photograph, used without asking."):
    return client.post("/api/reports/", {"contribution": work.id, "kind": kind, "text": text})


def test_a_signed_in_person_reports_a_work(api_client):
    work, reporter = ContributionFactory(title="Loop"), UserFactory()

    response = report(client_for(reporter), work)

    assert response.status_code == 201
    body = response.json()
    assert body["contribution"]["id"] == work.id
    assert (body["kind"], body["status"]) == ("infringement", "open")
    assert api_client.post("/api/reports/", {"contribution": work.id}).status_code in (401, 403)


def test_clear_refusals_when_reporting():
    work, reporter = ContributionFactory(title="Loop"), UserFactory()
    client = client_for(reporter)
    report(client, work)

    twice = report(client, work)
    own = report(client_for(work.author), work)
    empty = report(client, ContributionFactory(), text="  ")
    bad_kind = report(client, ContributionFactory(), kind="spam")
    missing = client.post("/api/reports/", {"contribution": 999_999, "kind": "abuse", "text": "x"})

    assert twice.json() == {
        "detail": "You already reported “Loop”; staff will look at your report."
    }
    assert own.json() == {"detail": "“Loop” is your own work: delete it rather than report it."}
    assert empty.status_code == bad_kind.status_code == missing.status_code == 400
    assert missing.json() == {"contribution": ["There is no contribution #999999."]}
    assert Report.objects.count() == 1


def test_only_staff_read_the_queue_and_act_on_it():
    work = ContributionFactory()
    filed = report_create(reporter=UserFactory(), contribution=work, kind="abuse", text="Slurs")
    someone = client_for(UserFactory())

    for response in (
        someone.get("/api/reports/"),
        someone.post(f"/api/reports/{filed.id}/dismiss/"),
        someone.post(f"/api/reports/{filed.id}/take-down/", {"reason": "x"}),
        someone.post(f"/api/contributions/{work.id}/take-down/", {"reason": "x"}),
    ):
        assert response.status_code == 403
        assert "Only staff" in response.json()["detail"]
    with pytest.raises(PermissionDenied, match="Only staff can take contributions down"):
        contribution_take_down(contribution=work, actor=work.author, reason="mine")
    assert not Contribution.objects.get(pk=work.pk).is_removed

    queue = client_for(StaffFactory()).get("/api/reports/").json()
    assert [(r["id"], r["kind"], r["text"]) for r in queue["results"]] == [
        (filed.id, "abuse", "Slurs")
    ]


def test_staff_dismiss_a_report():
    filed = report_create(
        reporter=UserFactory(), contribution=ContributionFactory(), kind="abuse", text="Meh"
    )
    staff = client_for(StaffFactory())

    response = staff.post(f"/api/reports/{filed.id}/dismiss/", {"note": "Not abuse: satire."})

    assert response.status_code == 200
    assert response.json()["status"] == "dismissed"
    assert staff.get("/api/reports/").json()["count"] == 0
    assert staff.get("/api/reports/?status=all").json()["count"] == 1
    again = staff.post(f"/api/reports/{filed.id}/dismiss/")
    assert again.status_code == 400
    assert "already closed" in again.json()["detail"]


@pytest.mark.parametrize("reports", [1, 10])
def test_the_queue_costs_the_same_whatever_its_length(reports, django_assert_max_num_queries):
    for _ in range(reports):
        report_create(
            reporter=UserFactory(), contribution=ContributionFactory(), kind="abuse", text="x"
        )
    staff = client_for(StaffFactory())

    with django_assert_max_num_queries(2):  # count, page
        response = staff.get("/api/reports/")

    assert response.json()["count"] == reports


@pytest.fixture
def released_world(django_capture_on_commit_callbacks):
    """A processed photo, a remix of it, and a released project crediting the remix."""
    ana, bo, producer = UserFactory(username="ana"), UserFactory(username="bo"), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        created = client_for(ana).post(
            "/api/contributions/",
            {"title": "Photo", "file": png_upload(), "license": "hitrec"},
            format="multipart",
        )
    photo = Contribution.objects.get(pk=created.json()["id"])
    assert photo.status == "ready" and photo.renditions.exists()
    song = ContributionFactory(author=bo, title="Song")
    RemixLink.objects.create(source=photo, remix=song)
    project = make_project(owner=producer, title="Night Bus")
    Submission.objects.create(
        project=project, contribution=song, submitted_by=bo, status="accepted"
    )
    project_release(project=project, actor=producer, credits=[CreditInput(song.id, 1)],
                    commercial=True)  # fmt: skip
    return {"photo": photo, "song": song, "project": project}


def test_a_takedown_removes_the_files_and_keeps_lineage_and_split(
    released_world, api_client, django_capture_on_commit_callbacks
):
    photo, song, project = (released_world[k] for k in ("photo", "song", "project"))
    split_before = api_client.get(f"/api/projects/{project.id}/split/").json()
    assert stored_files()
    first = report_create(
        reporter=UserFactory(), contribution=photo, kind="infringement", text="Mine"
    )
    report_create(reporter=UserFactory(), contribution=photo, kind="abuse", text="Bad")
    staff = StaffFactory()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff).post(
            f"/api/reports/{first.id}/take-down/", {"reason": "Infringes ana's client's rights."}
        )

    assert response.status_code == 201
    assert response.json()["contribution"] == photo.id
    assert response.json()["report"] == first.id
    # The file and every rendition are gone, from the storage and the database.
    assert stored_files() == []
    assert not Rendition.objects.filter(contribution=photo).exists()
    tombstone = api_client.get(f"/api/contributions/{photo.id}/").json()
    assert (tombstone["title"], tombstone["author"]["username"]) == ("Photo", "ana")
    assert tombstone["removed"] is True
    assert tombstone["media"]["url"] is None
    assert api_client.get(f"/api/contributions/{photo.id}/original").status_code == 404
    # The lineage still names it, as removed; the released split is exactly as it was.
    lineage = api_client.get(f"/api/contributions/{song.id}/lineage/").json()
    assert ("Photo", True) in [(n["title"], n["removed"]) for n in lineage["nodes"]]
    assert api_client.get(f"/api/projects/{project.id}/split/").json() == split_before
    # Every open report about it is closed as taken down, and the takedown is on record.
    assert set(Report.objects.values_list("status", flat=True)) == {"taken-down"}
    takedown = Takedown.objects.get(contribution=photo)
    assert (takedown.actor, takedown.report_id) == (staff, first.id)

    again = client_for(staff).post(f"/api/contributions/{photo.id}/take-down/", {"reason": "Twice"})
    assert again.status_code == 400
    assert again.json() == {"detail": "“Photo” was already taken down."}


def test_a_taken_down_text_shows_nothing_of_its_body(client, django_capture_on_commit_callbacks):
    author = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        created = client_for(author).post(
            "/api/contributions/", {"title": "Verse", "text": "Secret words of someone else."}
        )
    verse = Contribution.objects.get(pk=created.json()["id"])
    assert "Secret words" in verse.metadata["html"]

    contribution_take_down(contribution=verse, actor=StaffFactory(), reason="Copied lyrics.")

    verse.refresh_from_db()
    assert (verse.text, verse.metadata, verse.description) == ("", {}, "")
    page = client.get(f"/contributions/{verse.id}/").content.decode()
    assert "Verse" in page
    assert "Secret words" not in page


def test_a_takedown_needs_a_reason_and_the_right_report():
    work, other = ContributionFactory(), ContributionFactory()
    filed = report_create(reporter=UserFactory(), contribution=other, kind="abuse", text="x")
    staff = client_for(StaffFactory())

    no_reason = staff.post(f"/api/contributions/{work.id}/take-down/", {"reason": " "})
    with pytest.raises(ValidationError, match="about another contribution"):
        contribution_take_down(
            contribution=work, actor=StaffFactory(), report=filed, reason="Because"
        )

    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()
    assert not Contribution.objects.get(pk=work.pk).is_removed


def test_staff_take_down_from_the_admin_queue(client, django_capture_on_commit_callbacks):
    staff = StaffFactory(is_superuser=True)
    work = ContributionFactory(title="Stolen")
    filed = report_create(reporter=UserFactory(), contribution=work, kind="infringement", text="x")
    signed_in_with_second_factor(client, staff)  # the admin asks for it
    url = "/admin/community/report/"

    confirm = client.post(url, {"action": "take_down", "_selected_action": [filed.id]})
    assert confirm.status_code == 200
    assert "Take them down" in confirm.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            url,
            {"action": "take_down", "_selected_action": [filed.id], "apply": "yes",
             "reason": "A rights holder's notice."},
        )  # fmt: skip

    assert done.status_code == 302
    assert Contribution.objects.get(pk=work.pk).is_removed
    assert Takedown.objects.get(contribution=work).reason == "A rights holder's notice."
    assert Report.objects.get(pk=filed.pk).status == "taken-down"
