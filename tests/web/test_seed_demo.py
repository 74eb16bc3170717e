"""`manage.py seed_demo` fills an empty database with a living demo, and keeps its promises."""

import io
from fractions import Fraction

import pytest
from django.core.management import call_command

from accounts.models import User
from contributions.models import Contribution, RemixLink
from projects.models import Project, Submission
from royalties.models import RevenueEvent, Statement

ARTISTS = {"demo", "ana", "bo", "chen", "dara", "eli", "fay"}
PASSWORD = "remix-the-world"


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def lineage_up(api_client, contribution) -> dict:
    return api_client.get(f"/api/contributions/{contribution.id}/lineage/?direction=up").json()


def remixes():
    return Contribution.objects.filter(sources__isnull=False).distinct()


def deepest_chain(api_client) -> int:
    """The longest chain of remixes: the greatest depth of any ancestor of any remix."""
    return max(
        node["depth"] for remix in remixes() for node in lineage_up(api_client, remix)["nodes"]
    )


def has_diamond(api_client) -> bool:
    """Some remix reaches an ancestor by two paths: that ancestor is the source of two links."""
    for remix in remixes():
        sources = [edge["source"] for edge in lineage_up(api_client, remix)["edges"]]
        if len(sources) != len(set(sources)):
            return True
    return False


# transaction=True: uploads are processed by on_commit jobs, which run (in-process) on commit.
@pytest.mark.django_db(transaction=True)
def test_seed_demo_fills_an_empty_database_and_only_once(api_client):
    printed = seed()

    # The artists exist, and demo logs in with the printed password.
    assert set(User.objects.values_list("username", flat=True)) == ARTISTS
    assert PASSWORD in printed
    assert all(name in printed for name in ARTISTS)
    response = api_client.post("/api/auth/token/", {"username": "demo", "password": PASSWORD})
    assert response.status_code == 200 and response.json()["token"]

    # Real media of every kind went through the pipeline and came out ready.
    works = Contribution.objects.all()
    assert set(works.values_list("kind", flat=True)) == {"image", "audio", "video", "text"}
    assert set(works.values_list("status", flat=True)) == {"ready"}
    for work in works.exclude(kind="text"):
        assert work.renditions.exists(), work
        assert work.mime and work.sha256
    for work in works.filter(kind="image"):
        assert work.width and work.height
    for work in works.filter(kind__in=["audio", "video"]):
        assert work.duration_s > 1
    for work in works.filter(kind="text"):
        assert work.metadata["word_count"] > 20 and "<h1>" in work.metadata["html"]
    assert works.filter(license="cc-by").exists() and works.filter(license="cc-by-nc").exists()

    # Remix lineage: a chain at least three deep, and a diamond.
    assert RemixLink.objects.count() >= 10
    assert deepest_chain(api_client) >= 3
    assert has_diamond(api_client)

    # An open project with asks and pending submissions.
    open_project = Project.objects.get(status="open")
    assert open_project.brief and open_project.asks.count() >= 2
    assert open_project.submissions.filter(status=Submission.Status.PENDING).count() >= 2

    # Works and asks are tagged, artists offer skills, and someone's skills meet an ask.
    tagged = api_client.get("/api/contributions/", {"tag": "lo-fi"}).json()
    assert tagged["count"] >= 2
    from projects.asks_for_you import asks_for_you

    chen = User.objects.get(username="chen")
    assert set(chen.skills.values_list("name", flat=True)) == {"illustration", "animation"}
    assert {item.ask.project.title for item in asks_for_you(user=chen)} == {"Paper Boats"}

    # A released, commercial project whose split is exact ...
    released = Project.objects.get(status="released")
    assert released.release.commercial
    split = api_client.get(f"/api/projects/{released.id}/split/").json()
    assert sum(Fraction(party["share"]) for party in split["parties"]) == 1
    assert len(split["parties"]) >= 5
    # ... and whose revenue was allocated to the minor unit, every event on its own.
    events = RevenueEvent.objects.filter(project=released)
    assert events.count() >= 3
    for event in events:
        assert sum(event.allocations.values_list("amount_minor", flat=True)) == event.amount_minor
    assert Statement.objects.filter(payable_minor__gt=0).exists()
    assert Statement.objects.filter(carried_forward_minor__gt=0).exists()
    # Its publishing stream pays fewer people than the release's own split.
    publishing = api_client.get(f"/api/projects/{released.id}/split/?stream=publishing").json()
    assert sum(Fraction(party["share"]) for party in publishing["parties"]) == 1
    assert 1 < len(publishing["parties"]) < len(split["parties"])
    assert events.filter(stream__name="publishing").count() == 1

    # A second run adds nothing.
    before = [model.objects.count() for model in (User, Contribution, Project, RevenueEvent)]
    assert "already has content" in seed()
    assert [
        model.objects.count() for model in (User, Contribution, Project, RevenueEvent)
    ] == before
