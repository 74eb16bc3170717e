"""GET /api/projects/{id}/split/: exact shares from the frozen snapshot, for anyone to check."""

import pytest

from contributions.models import RemixLink
from contributions.services import contribution_delete, contribution_update
from projects.models import Submission
from projects.services import CreditInput, project_release
from tests.accounts.factories import UserFactory
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


def released(project, *credits):
    for contribution, _ in credits:
        Submission.objects.create(
            project=project, contribution=contribution, submitted_by=contribution.author,
            status="accepted",
        )  # fmt: skip
    return project_release(
        project=project,
        actor=project.owner,
        credits=[CreditInput(c.id, weight) for c, weight in credits],
        commercial=False,
    )


def test_the_worked_example_of_design_md(api_client):
    producer, ana, bo = (
        UserFactory(username="prod"),
        UserFactory(username="ana"),
        UserFactory(username="bo"),
    )
    loop = ContributionFactory(author=ana, title="Loop")
    song = ContributionFactory(author=bo, title="Song")
    RemixLink.objects.create(source=loop, remix=song)
    project = make_project(owner=producer)
    release = released(project, (song, 1))

    body = api_client.get(f"/api/projects/{project.id}/split/").json()

    # Producer keeps 1 − p = 1/2; Song receives p = 1/2, keeps 3/4 of it (3/8) and passes
    # u = 1/4 of it (1/8) to its one source, Loop, which keeps it all.
    assert body["release"] == release.id
    assert body["parties"] == [
        {"user": producer.id, "username": "prod", "share": "1/2", "percent": "50.00"},
        {"user": ana.id, "username": "ana", "share": "1/8", "percent": "12.50"},
        {"user": bo.id, "username": "bo", "share": "3/8", "percent": "37.50"},
    ]
    assert body["contributions"] == [
        {"id": loop.id, "received": "1/8", "kept": "1/8"},
        {"id": song.id, "received": "1/2", "kept": "3/8"},
    ]


def test_shares_stay_exact_where_decimals_cannot(api_client):
    producer = UserFactory()
    works = [ContributionFactory(author=UserFactory()) for _ in range(3)]
    project = make_project(owner=producer, contributor_pool="1")
    released(project, *[(work, 1) for work in works])

    body = api_client.get(f"/api/projects/{project.id}/split/").json()

    assert [p["share"] for p in body["parties"]] == ["1/3", "1/3", "1/3"]
    assert [p["percent"] for p in body["parties"]] == ["33.33", "33.33", "33.33"]


def test_the_split_never_changes_after_release(api_client):
    ana = UserFactory()
    loop = ContributionFactory(author=ana, title="Loop")
    song = ContributionFactory(title="Song")
    RemixLink.objects.create(source=loop, remix=song)
    project = make_project()
    released(project, (song, 2))
    before = api_client.get(f"/api/projects/{project.id}/split/").json()

    contribution_update(contribution=loop, actor=ana, title="Renamed", license="cc0")
    later = ContributionFactory(author=ana)
    RemixLink.objects.create(source=song, remix=later)
    contribution_delete(contribution=loop, actor=ana)

    assert api_client.get(f"/api/projects/{project.id}/split/").json() == before


def test_no_split_before_release(api_client):
    project = make_project()
    response = api_client.get(f"/api/projects/{project.id}/split/")
    assert response.status_code == 404
    assert response.json() == {
        "detail": "This project has not been released, so it has no split yet."
    }


def test_producers_preview_a_split_before_releasing(api_client):
    producer, ana, bo = UserFactory(), UserFactory(), UserFactory()
    loop = ContributionFactory(author=ana)
    song = ContributionFactory(author=bo)
    RemixLink.objects.create(source=loop, remix=song)
    project = make_project(owner=producer)
    url = f"/api/projects/{project.id}/split/preview/"

    api_client.force_authenticate(producer)
    preview = api_client.post(
        url, {"credits": [{"contribution": song.id, "weight": "1"}]}, format="json"
    )
    unknown = api_client.post(
        url, {"credits": [{"contribution": 99999, "weight": 1}]}, format="json"
    )
    api_client.force_authenticate(ana)
    refused = api_client.post(
        url, {"credits": [{"contribution": song.id, "weight": 1}]}, format="json"
    )

    assert preview.status_code == 200
    assert preview.json()["release"] is None
    assert [p["share"] for p in preview.json()["parties"]] == ["1/2", "1/8", "3/8"]
    assert unknown.json() == {"credits": ["There is no contribution #99999."]}
    assert refused.status_code == 403
    assert project.status == "open"
