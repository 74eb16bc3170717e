"""Producers open projects, take submissions and release them; every refusal says why."""

import pytest
from django.db import IntegrityError, transaction

from contributions.models import Contribution
from contributions.services import contribution_delete, contribution_update, remix_sources_set
from projects.models import Project, Release, ReleaseCredit, ReleaseNode, Submission
from tests.accounts.factories import UserFactory
from tests.contributions.factories import ContributionFactory, make_lineage
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def producer():
    return UserFactory(username="prod")


@pytest.fixture
def as_user(api_client):
    def login(user):
        api_client.force_authenticate(user)
        return api_client

    return login


def test_a_producer_opens_a_project_with_an_exact_policy(as_user, producer):
    client = as_user(producer)

    created = client.post(
        "/api/projects/",
        {"title": "Night Bus", "brief": "A song", "contributor_pool": "0.6", "upstream_share": "1/3",
         "currency": "EUR"},
    )  # fmt: skip

    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "draft"
    assert (body["contributor_pool"], body["upstream_share"], body["currency"]) == (
        "0.6",
        "1/3",
        "EUR",
    )
    project = Project.objects.get(pk=body["id"])
    assert (project.pool_numerator, project.pool_denominator) == (3, 5)
    opened = client.post(f"/api/projects/{project.id}/open/")
    assert opened.json()["status"] == "open"


def test_the_default_policy_is_a_half_and_a_quarter(as_user, producer):
    body = as_user(producer).post("/api/projects/", {"title": "Defaults"}).json()
    assert (body["contributor_pool"], body["upstream_share"]) == ("0.5", "0.25")


@pytest.mark.parametrize(
    ("fields", "field", "fragment"),
    [
        ({"contributor_pool": "1.5"}, "contributor_pool", "between 0 and 1"),
        ({"upstream_share": "1"}, "upstream_share", "less than 1"),
        ({"contributor_pool": "half"}, "contributor_pool", "must be a number"),
        ({"contributor_pool": "1/0"}, "contributor_pool", "divides by zero"),
        ({"currency": "XYZ"}, "currency", "not a valid choice"),
    ],
)
def test_policy_refusals(as_user, producer, fields, field, fragment):
    response = as_user(producer).post("/api/projects/", {"title": "P", **fields})
    assert response.status_code == 400
    assert fragment in " ".join(response.json()[field])
    assert Project.objects.count() == 0


def test_drafts_are_private_to_members(as_user, api_client, producer):
    draft = make_project(owner=producer, status="draft")
    opened = make_project(owner=producer, title="Open one")

    public = api_client.get("/api/projects/").json()
    assert [p["title"] for p in public["results"]] == ["Open one"]
    assert api_client.get(f"/api/projects/{draft.id}/").status_code == 404
    assert api_client.get(f"/api/projects/{opened.id}/").status_code == 200
    mine = as_user(producer).get("/api/projects/", {"mine": "true"}).json()
    assert {p["title"] for p in mine["results"]} == {"Night Bus", "Open one"}


def test_only_producers_edit_and_co_producers_must_accept_first(as_user, producer):
    project = make_project(owner=producer)
    co = UserFactory(username="co")
    url = f"/api/projects/{project.id}/"

    refused = as_user(co).patch(url, {"brief": "mine now"})
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Only the producers of “Night Bus” can edit it."}

    invited = as_user(producer).post(f"/api/projects/{project.id}/members/", {"username": "CO"})
    assert invited.status_code == 201
    assert invited.json()["accepted"] is False
    assert as_user(co).patch(url, {"brief": "still no"}).status_code == 403

    assert as_user(co).post(f"/api/projects/{project.id}/members/accept/").json()["accepted"]
    assert as_user(co).patch(url, {"brief": "Co-produced"}).json()["brief"] == "Co-produced"

    assert (
        as_user(producer).delete(f"/api/projects/{project.id}/members/{co.id}/").status_code == 204
    )
    assert as_user(co).patch(url, {"brief": "gone"}).status_code == 403
    owner_removal = as_user(producer).delete(f"/api/projects/{project.id}/members/{producer.id}/")
    assert owner_removal.json() == {"detail": "The project's producer cannot be removed."}


def test_asks_say_what_the_project_needs(as_user, api_client, producer):
    project = make_project(owner=producer)
    client = as_user(producer)

    ask = client.post(
        f"/api/projects/{project.id}/asks/", {"kind": "audio", "description": "a cello line"}
    ).json()
    filled = client.patch(f"/api/projects/{project.id}/asks/{ask['id']}/", {"status": "filled"})

    assert ask["quantity"] == 1 and ask["status"] == "open"
    assert filled.json()["status"] == "filled"
    assert (
        api_client.get(f"/api/projects/{project.id}/asks/").json()[0]["description"]
        == "a cello line"
    )


def test_submission_flow_submit_accept_decline_withdraw(as_user, api_client, producer):
    project = make_project(owner=producer)
    ana, bo = UserFactory(username="ana"), UserFactory(username="bo")
    cello = ContributionFactory(author=ana, title="Cello")
    drums = ContributionFactory(author=bo, title="Drums")
    ask = (
        as_user(producer)
        .post(f"/api/projects/{project.id}/asks/", {"kind": "text", "description": "words"})
        .json()
    )
    base = f"/api/projects/{project.id}/submissions/"

    first = as_user(ana).post(base, {"contribution": cello.id, "ask": ask["id"], "message": "hi"})
    second = as_user(bo).post(base, {"contribution": drums.id})
    assert first.status_code == second.status_code == 201
    assert first.json()["status"] == "pending"

    # Artists see their own submissions only; producers see all.
    assert [s["contribution"]["title"] for s in as_user(ana).get(base).json()["results"]] == [
        "Cello"
    ]
    assert len(as_user(producer).get(base).json()["results"]) == 2

    not_yours = as_user(ana).post(f"{base}{second.json()['id']}/accept/")
    assert not_yours.status_code == 404  # ana cannot even see bo's pending submission
    accepted = as_user(producer).post(f"{base}{first.json()['id']}/accept/", {"note": "lovely"})
    declined = as_user(producer).post(f"{base}{second.json()['id']}/decline/", {"note": "not now"})
    assert (accepted.json()["status"], accepted.json()["decision_note"]) == ("accepted", "lovely")
    assert declined.json()["status"] == "declined"
    again = as_user(producer).post(f"{base}{first.json()['id']}/decline/")
    assert again.json() == {"detail": "This submission is already accepted."}

    withdrawn = as_user(ana).post(f"{base}{first.json()['id']}/withdraw/")
    assert withdrawn.json()["status"] == "withdrawn"
    # The public sees accepted work only, and nothing is accepted any more.
    from rest_framework.test import APIClient

    assert APIClient().get(base).json()["results"] == []


@pytest.mark.parametrize(
    ("setup", "status", "message"),
    [
        ("someone_elses", 403, "Only the author of “Cello”"),
        ("twice", 400, "is already in this project"),
        ("released", 400, "is released, not open: it takes no submissions now."),
        ("missing", 400, "There is no contribution #999999."),
    ],
)
def test_submission_refusals(as_user, producer, setup, status, message):
    project = make_project(owner=producer)
    if setup == "released":
        Project.objects.filter(pk=project.pk).update(status="released")
    ana = UserFactory()
    cello = ContributionFactory(author=ana, title="Cello")
    client = as_user(UserFactory() if setup == "someone_elses" else ana)
    url = f"/api/projects/{project.id}/submissions/"
    if setup == "twice":
        client.post(url, {"contribution": cello.id})

    response = client.post(url, {"contribution": 999999 if setup == "missing" else cello.id})

    assert response.status_code == status
    assert message in str(response.json())


def test_producers_add_remixable_work_as_resources_but_not_no_derivatives(as_user, producer):
    project = make_project(owner=producer)
    loop = ContributionFactory(title="Loop", license="cc-by")
    fixed = ContributionFactory(title="Fixed", license="cc-by-nd")
    url = f"/api/projects/{project.id}/resources/"

    added = as_user(producer).post(url, {"contribution": loop.id})
    refused = as_user(producer).post(url, {"contribution": fixed.id})

    assert (added.status_code, added.json()["status"], added.json()["origin"]) == (
        201, "accepted", "resource",
    )  # fmt: skip
    assert refused.status_code == 400
    assert "NoDerivatives" in refused.json()["contribution"][0]


def _accept(project, contribution):
    return Submission.objects.create(
        project=project, contribution=contribution, submitted_by=contribution.author,
        status="accepted",
    )  # fmt: skip


def test_release_freezes_credits_policy_and_the_whole_lineage(as_user, producer):
    project = make_project(owner=producer, contributor_pool="0.6")
    loop, verse, song = make_lineage([(0, 1), (1, 2)], 3, titles=["Loop", "Verse", "Song"])
    extra = ContributionFactory(title="Extra")
    _accept(project, song)
    _accept(project, extra)

    response = as_user(producer).post(
        f"/api/projects/{project.id}/release/",
        {"credits": [{"contribution": song.id, "weight": "3"},
                     {"contribution": extra.id, "weight": "1.5"}], "commercial": True},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["contributor_pool"] == "0.6" and body["commercial"] is True
    assert body["credits"] == [
        {"contribution": song.id, "weight": "3"},
        {"contribution": extra.id, "weight": "1.5"},
    ]
    assert {n["id"]: n["depth"] for n in body["lineage"]["nodes"]} == {
        song.id: 0, extra.id: 0, verse.id: 1, loop.id: 2,
    }  # fmt: skip
    assert {(e["source"], e["remix"]) for e in body["lineage"]["edges"]} == {
        (loop.id, verse.id), (verse.id, song.id),
    }  # fmt: skip
    assert Project.objects.get(pk=project.id).status == "released"


@pytest.mark.parametrize(
    ("case", "field", "fragment"),
    [
        ("no_credits", "credits", "Credit at least one contribution."),
        ("not_accepted", "credits", "is not an accepted submission or resource"),
        ("not_ready", "credits", "is processing, not ready"),
        ("zero_weight", "credits", "A weight must be positive."),
        ("twice", "credits", "is credited twice"),
        ("nc_in_lineage", "commercial", "forbids commercial use"),
    ],
)
def test_release_refusals_leave_the_project_open(as_user, producer, case, field, fragment):
    project = make_project(owner=producer)
    sample, song = make_lineage([(0, 1)], 2, titles=["Sample", "Song"])
    _accept(project, song)
    credits = [{"contribution": song.id, "weight": "1"}]
    if case == "no_credits":
        credits = []
    elif case == "not_accepted":
        credits = [{"contribution": sample.id, "weight": "1"}]
    elif case == "not_ready":
        Contribution.objects.filter(pk=song.pk).update(status="processing")
    elif case == "zero_weight":
        credits = [{"contribution": song.id, "weight": "0"}]
    elif case == "twice":
        credits = credits * 2
    elif case == "nc_in_lineage":
        Contribution.objects.filter(pk=sample.pk).update(license="cc-by-nc")

    response = as_user(producer).post(
        f"/api/projects/{project.id}/release/",
        {"credits": credits, "commercial": True},
        format="json",
    )

    assert response.status_code == 400
    assert fragment in str(response.json()[field])
    assert Project.objects.get(pk=project.id).status == "open"
    assert Release.objects.count() == 0


def test_a_noncommercial_release_may_contain_nc_work(as_user, producer):
    project = make_project(owner=producer)
    [song] = make_lineage([], 1)
    Contribution.objects.filter(pk=song.pk).update(license="cc-by-nc")
    _accept(project, song)

    response = as_user(producer).post(
        f"/api/projects/{project.id}/release/",
        {"credits": [{"contribution": song.id, "weight": 1}], "commercial": False},
        format="json",
    )

    assert response.status_code == 201


def test_only_producers_release_and_only_once(as_user, producer):
    project = make_project(owner=producer)
    [song] = make_lineage([], 1)
    _accept(project, song)
    payload = {"credits": [{"contribution": song.id, "weight": 1}], "commercial": False}
    url = f"/api/projects/{project.id}/release/"

    assert as_user(song.author).post(url, payload, format="json").status_code == 403
    assert as_user(producer).post(url, payload, format="json").status_code == 201
    again = as_user(producer).post(url, payload, format="json")
    assert again.json() == {
        "detail": "“Night Bus” is released; only an open project can be released."
    }


def test_after_release_nothing_changes_the_frozen_record(as_user, producer):
    project = make_project(owner=producer)
    loop, song = make_lineage([(0, 1)], 2, titles=["Loop", "Song"])
    _accept(project, song)
    client = as_user(producer)
    client.post(
        f"/api/projects/{project.id}/release/",
        {"credits": [{"contribution": song.id, "weight": 2}], "commercial": False},
        format="json",
    )
    before = client.get(f"/api/projects/{project.id}/release/").json()

    # Later edits, remixes and deletions of the contributions...
    contribution_update(contribution=loop, actor=loop.author, title="Renamed", license="cc0")
    later = ContributionFactory(author=song.author)
    remix_sources_set(contribution=later, actor=song.author, sources=[song.id, loop.id])
    contribution_delete(contribution=loop, actor=loop.author)
    contribution_delete(contribution=song, actor=song.author)
    # ...and attempts on the project itself.
    policy = client.patch(f"/api/projects/{project.id}/", {"contributor_pool": "1"})
    assert policy.status_code == 400
    assert "frozen for ever" in policy.json()["detail"]

    assert client.get(f"/api/projects/{project.id}/release/").json() == before
    assert Contribution.objects.filter(pk=song.pk).exists()  # a tombstone, not gone
    assert Contribution.objects.get(pk=song.pk).is_removed


def test_the_database_refuses_to_change_a_release():
    project = make_project()
    [song] = make_lineage([], 1)
    _accept(project, song)
    from projects.services import CreditInput, project_release

    release = project_release(
        project=project, actor=project.owner, credits=[CreditInput(song.id, 1)], commercial=False
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        ReleaseCredit.objects.filter(release=release).update(weight_numerator=99)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReleaseNode.objects.filter(release=release).update(title="Rewritten")
    with pytest.raises(IntegrityError), transaction.atomic():
        Release.objects.filter(pk=release.pk).update(commercial=True)
    assert ReleaseCredit.objects.get(release=release).weight_numerator == 1


def test_deleting_a_released_contribution_leaves_a_tombstone(as_user, producer):
    project = make_project(owner=producer)
    [song] = make_lineage([], 1, titles=["Song"])
    _accept(project, song)
    as_user(producer).post(
        f"/api/projects/{project.id}/release/",
        {"credits": [{"contribution": song.id, "weight": 1}], "commercial": False},
        format="json",
    )

    response = as_user(song.author).delete(f"/api/contributions/{song.id}/")

    assert response.status_code == 204
    song.refresh_from_db()
    assert song.is_removed and song.title == "Song"


def test_an_upload_can_be_submitted_to_a_project_and_listed_by_it(as_user, producer):
    project = make_project(owner=producer)
    ana = UserFactory()

    created = as_user(ana).post(
        "/api/contributions/", {"title": "Cello", "text": "la", "project": project.id}
    )
    submission = Submission.objects.get(project=project)
    assert created.status_code == 201
    assert (submission.contribution_id, submission.status) == (created.json()["id"], "pending")

    listed = as_user(ana).get("/api/contributions/", {"project": project.id}).json()
    assert listed["results"] == []  # not accepted yet
    as_user(producer).post(f"/api/projects/{project.id}/submissions/{submission.id}/accept/")
    listed = as_user(ana).get("/api/contributions/", {"project": project.id}).json()
    assert [c["title"] for c in listed["results"]] == ["Cello"]


def test_an_upload_to_a_closed_project_is_refused_whole(as_user, producer):
    project = make_project(owner=producer)
    Project.objects.filter(pk=project.pk).update(status="released")

    response = as_user(UserFactory()).post(
        "/api/contributions/", {"title": "Late", "text": "la", "project": project.id}
    )

    assert response.status_code == 400
    assert "takes no submissions now" in response.json()["detail"]
    assert Contribution.objects.count() == 0


@pytest.mark.parametrize("size", [1, 15])
def test_project_and_submission_lists_run_a_constant_number_of_queries(
    as_user, producer, django_assert_max_num_queries, size
):
    for n in range(size):
        make_project(owner=UserFactory(), title=f"Project {n}")
    project = make_project(owner=producer)
    for _ in range(size):
        ContributionFactory.create(author=UserFactory())
    for contribution in Contribution.objects.all():
        _accept(project, contribution)
    client = as_user(producer)

    with django_assert_max_num_queries(4):
        projects = client.get("/api/projects/", {"page_size": 50}).json()
    with django_assert_max_num_queries(6):
        submissions = client.get(f"/api/projects/{project.id}/submissions/", {"page_size": 50})

    assert len(projects["results"]) == size + 1
    assert len(submissions.json()["results"]) == size


def test_archiving_and_the_transitions_that_are_refused(as_user, producer):
    draft = make_project(owner=producer, status="draft", title="Draft")
    project = make_project(owner=producer)
    [song] = make_lineage([], 1)
    _accept(project, song)
    client = as_user(producer)

    early = client.post(f"/api/projects/{project.id}/archive/")
    assert early.status_code == 400
    assert early.json() == {
        "detail": "“Night Bus” is open; only a released project can become archived."
    }
    client.post(
        f"/api/projects/{project.id}/release/",
        {"credits": [{"contribution": song.id, "weight": 1}], "commercial": False},
        format="json",
    )
    reopen = client.post(f"/api/projects/{project.id}/open/")
    assert reopen.json() == {
        "detail": "“Night Bus” is released; only a draft project can become open."
    }
    assert client.post(f"/api/projects/{project.id}/archive/").json()["status"] == "archived"
    # Archived work stays public, and its release and split stay readable.
    from rest_framework.test import APIClient

    assert APIClient().get(f"/api/projects/{project.id}/split/").status_code == 200
    assert client.post(f"/api/projects/{draft.id}/archive/").status_code == 400
    assert as_user(UserFactory()).post(f"/api/projects/{draft.id}/open/").status_code == 404


def test_producers_set_a_cover_image_checked_by_its_content(as_user, producer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.contributions.uploads import png_upload

    project = make_project(owner=producer)
    url = f"/api/projects/{project.id}/cover"

    refused = as_user(producer).put(
        url, {"file": SimpleUploadedFile("cover.png", b"%PDF-1.7 not an image")}, format="multipart"
    )
    other = as_user(UserFactory()).put(url, {"file": png_upload()}, format="multipart")
    accepted = as_user(producer).put(url, {"file": png_upload("cover.png")}, format="multipart")

    assert refused.status_code == 400
    assert "The cover must be an image" in refused.json()["file"][0]
    assert other.status_code == 403
    assert accepted.status_code == 200
    assert accepted.json()["cover"].endswith(f"/api/projects/{project.id}/cover")
    shown = as_user(UserFactory()).get(f"/api/projects/{project.id}/cover")
    assert shown["Content-Type"] == "image/jpeg"
    assert b"".join(shown.streaming_content)[:3] == b"\xff\xd8\xff"  # re-encoded as JPEG
