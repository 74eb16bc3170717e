"""The API walk-through of a payment proposal, from publishing to the release, with the
notifications and emails it sends; reading rights; constant-query lists; the schema."""

import datetime as dt
from fractions import Fraction

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from notifications.models import Notification
from projects.models import Release
from proposals.models import Proposal
from proposals.services import proposal_comment, proposal_publish
from tests.proposals.factories import make_production

pytestmark = pytest.mark.django_db

SITE = "http://hitrec.test"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.HITREC_SITE_URL = SITE


@pytest.fixture
def p():
    return make_production()


def as_user(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def inbox(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user).order_by("id").values_list("kind", flat=True)
    )


def emails_to(user) -> list:
    return [email for email in mail.outbox if email.to == [user.email]]


def test_a_proposal_from_publishing_to_the_release(p, django_capture_on_commit_callbacks):
    run = django_capture_on_commit_callbacks
    producer = as_user(p.prod)

    # Publish: everyone whose work is in it hears their share, in the app and by email.
    with run(execute=True):
        published = producer.post(
            f"/api/projects/{p.project.id}/proposals/",
            {"credits": [{"contribution": p.song.id, "weight": "1"},
                         {"contribution": p.drums.id, "weight": "1"}],
             "commercial": False, "note": "First cut."},
        )  # fmt: skip
    assert published.status_code == 201, published.json()
    body = published.json()
    pid = body["id"]
    assert body["status"] == "open" and body["revision"]["number"] == 1
    assert body["revision"]["split"]["release"] is None
    assert [(x["username"], x["share"]) for x in body["revision"]["split"]["parties"]] == [
        ("prod", "1/2"), ("ana", "1/16"), ("bo", "3/16"), ("cy", "1/4"),
    ]  # fmt: skip
    assert [(x["username"], x["accepted"]) for x in body["revision"]["people"]] == [
        ("ana", False), ("bo", False), ("cy", False),
    ]  # fmt: skip
    for person in (p.ana, p.bo, p.cy):
        assert inbox(person) == ["proposal_published"]
        [email] = emails_to(person)
        assert f"{SITE}/proposals/{pid}/" in email.body
    assert "your share would be 1/16 (6.25%)" in emails_to(p.ana)[0].body
    assert inbox(p.prod) == inbox(p.fan) == []

    # Comments: a fan asks, the producers hear of it; a producer answers, the fan hears.
    with run(execute=True):
        asked = as_user(p.fan).post(
            f"/api/proposals/{pid}/comments/", {"body": "Why does Loop get so little?"}
        )
    assert asked.status_code == 201
    question = asked.json()
    assert inbox(p.prod) == ["proposal_commented"]
    with run(execute=True):
        answered = producer.post(
            f"/api/proposals/{pid}/comments/",
            {"body": "Loop is Song's source: it gets a quarter of what Song gets.",
             "parent": question["id"]},
        )  # fmt: skip
    assert answered.status_code == 201
    [reply] = answered.json()["replies"]
    assert reply["from_producer"] is True and reply["parent"] == question["id"]
    assert inbox(p.fan) == ["proposal_commented"]
    assert f"{SITE}/proposals/{pid}/#comment-{reply['id']}" in emails_to(p.fan)[0].body

    # Acceptances of revision 1 are dropped by the revision.
    as_user(p.ana).post(f"/api/proposals/{pid}/accept/")

    # Revise: the diff shows who gains and who loses, exactly.
    with run(execute=True):
        revised = producer.post(
            f"/api/proposals/{pid}/revisions/",
            {"credits": [{"contribution": p.song.id, "weight": "1"},
                         {"contribution": p.drums.id, "weight": "3"}],
             "commercial": False, "note": "Drums carry the track."},
        )  # fmt: skip
    assert revised.status_code == 201
    assert revised.json()["revision"]["number"] == 2
    assert not any(x["accepted"] for x in revised.json()["revision"]["people"])
    diff = as_user(p.fan).get(f"/api/proposals/{pid}/diff/", {"from": 1, "to": 2}).json()
    changes = {row["username"]: (row["before"], row["after"], row["change"], row["status"])
               for row in diff["people"]}  # fmt: skip
    assert changes == {
        "prod": ("1/2", "1/2", "0/1", "same"),
        "ana": ("1/16", "1/32", "-1/32", "loses"),
        "bo": ("3/16", "3/32", "-3/32", "loses"),
        "cy": ("1/4", "3/8", "1/8", "gains"),
    }
    assert sum(Fraction(row["change"]) for row in diff["people"]) == 0
    assert diff["credits"] == [{"contribution": p.drums.id, "before": "1/1", "after": "3/1"}]
    assert diff["added"] == diff["removed"] == []
    assert "your share goes from 1/4 (25.00%) to 3/8 (37.50%)" in emails_to(p.cy)[-1].body
    for person in (p.ana, p.bo, p.cy):
        assert inbox(person) == ["proposal_published", "proposal_revised"]

    # Not everyone accepted: no early release.
    for person in (p.ana, p.bo):
        with run(execute=True):
            assert as_user(person).post(f"/api/proposals/{pid}/accept/").status_code == 200
    early = producer.post(f"/api/proposals/{pid}/release/")
    assert early.status_code == 400
    assert "1 have not: cy" in early.json()["detail"]
    assert inbox(p.prod).count("proposal_accepted") == 2

    # Everyone accepted: the producer releases it now.
    as_user(p.cy).post(f"/api/proposals/{pid}/accept/")
    with run(execute=True):
        released = producer.post(f"/api/proposals/{pid}/release/")
    assert released.status_code == 201, released.json()
    final = released.json()
    assert final["status"] == "released" and final["everyone_accepted"] is True

    release = Release.objects.get(project=p.project)
    assert final["release"] == release.id
    assert [(c.contribution_id, c.weight) for c in release.credits.all()] == [
        (p.song.id, 1), (p.drums.id, 3),
    ]  # fmt: skip
    split = APIClient().get(f"/api/projects/{p.project.id}/split/").json()
    proposed = final["revision"]["split"]
    assert split["parties"] == proposed["parties"]
    assert split["contributions"] == proposed["contributions"]
    for person in (p.ana, p.bo, p.cy):
        assert inbox(person)[-1] == "proposal_released"
        assert "released" not in inbox(person)  # one message about the release, not two
    assert "your share is 3/8 (37.50%), frozen for ever" in emails_to(p.cy)[-1].body
    assert inbox(p.fan)[-1] == "proposal_released"  # a commenter
    assert "proposal_released" not in inbox(p.prod)  # the producer released it

    # Frozen: no more revisions, comments or acceptances.
    later = producer.post(
        f"/api/proposals/{pid}/revisions/",
        {"credits": [{"contribution": p.song.id, "weight": "1"}], "commercial": False},
    )
    assert later.status_code == 400 and "released" in later.json()["detail"]
    assert as_user(p.fan).post(f"/api/proposals/{pid}/comments/", {"body": "!"}).status_code == 400


def test_project_release_still_releases_at_once(p):
    response = as_user(p.prod).post(
        f"/api/projects/{p.project.id}/release/",
        {"credits": [{"contribution": p.song.id, "weight": "1"}], "commercial": False},
    )

    assert response.status_code == 201
    assert not Proposal.objects.exists()


def test_bad_input_is_a_400_naming_the_problem_with_nothing_written(p):
    producer = as_user(p.prod)
    url = f"/api/projects/{p.project.id}/proposals/"

    no_credits = producer.post(url, {"credits": [], "commercial": False})
    bad_weight = producer.post(
        url, {"credits": [{"contribution": p.song.id, "weight": "-1"}], "commercial": False}
    )

    assert no_credits.status_code == 400
    assert no_credits.json() == {"credits": ["Credit at least one contribution."]}
    assert bad_weight.status_code == 400 and "credits" in bad_weight.json()
    assert not Proposal.objects.exists()


def test_who_may_do_what(p, api_client):
    proposal = proposal_publish(
        project=p.project, actor=p.prod, credits=p.credits(song=1), commercial=False
    )
    url = f"/api/proposals/{proposal.id}/"

    assert api_client.get(url).status_code == 200  # anyone reads an open proposal
    assert api_client.post(f"{url}comments/", {"body": "hi"}).status_code == 401
    assert as_user(p.bo).post(f"{url}release/").status_code == 403
    assert as_user(p.cy).post(f"{url}accept/").status_code == 403  # Drums is not credited
    assert as_user(p.bo).post(f"{url}withdraw/").status_code == 403
    assert as_user(p.prod).post(f"{url}withdraw/").status_code == 200
    # Withdrawn: its producers still see it, nobody else does.
    assert api_client.get(url).status_code == 404
    assert as_user(p.prod).get(url).status_code == 200
    listed = api_client.get(f"/api/projects/{p.project.id}/proposals/").json()
    assert listed["count"] == 0


def test_a_drafts_proposals_are_hidden(p, api_client):
    proposal = proposal_publish(
        project=p.project, actor=p.prod, credits=p.credits(song=1), commercial=False
    )
    type(p.project).objects.filter(pk=p.project.pk).update(status="draft")

    assert api_client.get(f"/api/proposals/{proposal.id}/").status_code == 404
    assert api_client.get(f"/api/projects/{p.project.id}/proposals/").status_code == 404


def test_a_diff_needs_two_revisions(p, api_client):
    proposal = proposal_publish(
        project=p.project, actor=p.prod, credits=p.credits(song=1), commercial=False
    )

    response = api_client.get(f"/api/proposals/{proposal.id}/diff/")
    missing = api_client.get(f"/api/proposals/{proposal.id}/diff/", {"from": 1, "to": 7})

    assert response.status_code == 400 and "only one revision" in str(response.json())
    assert missing.status_code == 404


@pytest.mark.parametrize("size", [1, 12])
def test_the_project_list_runs_a_constant_number_of_queries(
    size, api_client, django_assert_max_num_queries
):
    p = make_production()
    for _ in range(size):
        proposal = proposal_publish(
            project=p.project, actor=p.prod, credits=p.credits(song=1), commercial=False
        )
        Proposal.objects.filter(pk=proposal.pk).update(status="withdrawn", closed_at=timezone.now())
    client = as_user(p.prod)

    with django_assert_max_num_queries(6):  # token, project, producer?, count, page
        body = client.get(f"/api/projects/{p.project.id}/proposals/", {"page_size": 50}).json()

    assert len(body["results"]) == size
    assert body["results"][0]["revisions"] == 1


@pytest.mark.parametrize("size", [1, 12])
def test_the_comment_list_runs_a_constant_number_of_queries(
    size, api_client, django_assert_max_num_queries
):
    p = make_production()
    proposal = proposal_publish(
        project=p.project, actor=p.prod, credits=p.credits(song=1), commercial=False
    )
    for i in range(size):
        top = proposal_comment(proposal=proposal, author=p.fan, body=f"Question {i}")
        proposal_comment(proposal=proposal, author=p.prod, body=f"Answer {i}", parent=top)

    with django_assert_max_num_queries(6):  # proposal, project, proposal, count, page, replies
        body = api_client.get(f"/api/proposals/{proposal.id}/comments/", {"page_size": 50}).json()

    assert body["count"] == size
    assert [len(c["replies"]) for c in body["results"]] == [1] * size


def test_the_window_closes_on_its_own_through_the_beat_task(p, django_capture_on_commit_callbacks):
    from proposals.tasks import close_due

    proposal = proposal_publish(
        project=p.project, actor=p.prod, credits=p.credits(song=1), commercial=False
    )
    Proposal.objects.filter(pk=proposal.pk).update(
        window_ends_at=timezone.now() - dt.timedelta(minutes=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        close_due.delay()

    assert Proposal.objects.get(pk=proposal.pk).status == "released"
    # Closed by the window: the producer is told too.
    assert "proposal_released" in inbox(p.prod)
    assert "proposal_released" in inbox(p.bo)


def test_the_schema_describes_the_proposal_endpoints(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()

    paths = schema["paths"]
    assert "/api/projects/{project_id}/proposals/" in paths
    assert "/api/proposals/{proposal_id}/diff/" in paths
    diff = paths["/api/proposals/{proposal_id}/diff/"]["get"]
    assert {param["name"] for param in diff["parameters"]} >= {"from", "to"}
    ok = diff["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][ok.rsplit("/", 1)[-1]]
    assert {"from", "to", "people", "added", "removed"} <= set(component["properties"])
    publish = paths["/api/projects/{project_id}/proposals/"]["post"]
    assert "201" in publish["responses"]
