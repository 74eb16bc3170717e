"""Following artists and projects: the constraints, the API, the selectors, the home feed."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from community.models import Follow
from community.selectors import artist_followers, home_feed, project_followers
from community.services import follow_create
from contributions.models import Contribution
from projects.models import Ask
from tests.accounts.factories import UserFactory
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def at(minutes: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=minutes)


def test_the_database_refuses_a_follow_of_nothing_of_both_of_oneself_and_twice():
    me, ana = UserFactory(), UserFactory()
    project = make_project()
    Follow.objects.create(follower=me, artist=ana)
    Follow.objects.create(follower=me, project=project)

    for bad in (
        {},
        {"artist": ana, "project": project},
        {"artist": me},
        {"artist": ana},
        {"project": project},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Follow.objects.create(follower=me, **bad)
    assert Follow.objects.count() == 2


def test_following_through_the_api_and_stopping(api_client):
    me, ana = UserFactory(), UserFactory(username="ana")
    project = make_project(title="Night Bus")
    client = client_for(me)

    first = client.post("/api/follows/", {"artist": "ANA"})
    again = client.post("/api/follows/", {"artist": str(ana.id)})
    on_project = client.post("/api/follows/", {"project": project.id})

    assert first.status_code == 201
    assert first.json()["artist"] == {"id": ana.id, "username": "ana"}
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert on_project.status_code == 201
    assert on_project.json()["project"] == {"id": project.id, "title": "Night Bus"}
    listed = client.get("/api/follows/").json()
    assert [f["id"] for f in listed["results"]] == [on_project.json()["id"], first.json()["id"]]

    assert client.delete(f"/api/follows/{first.json()['id']}/").status_code == 204
    assert client.get("/api/follows/").json()["count"] == 1
    # Someone else's follow is not yours to remove.
    assert client_for(ana).delete(f"/api/follows/{on_project.json()['id']}/").status_code == 404
    assert api_client.get("/api/follows/").status_code in (401, 403)


def test_clear_refusals_when_following(api_client):
    me = UserFactory(username="me")
    client = client_for(me)
    draft = make_project(status="draft")

    assert client.post("/api/follows/", {"artist": "me"}).json() == {
        "artist": ["You cannot follow yourself."]
    }
    assert client.post("/api/follows/", {"artist": "nobody"}).json() == {
        "artist": ["There is no artist “nobody”."]
    }
    assert client.post("/api/follows/", {"project": draft.id}).json() == {
        "project": [f"There is no project #{draft.id} to follow."]
    }
    both = client.post("/api/follows/", {"artist": "x", "project": 1})
    assert both.status_code == 400
    assert "exactly one" in both.json()["non_field_errors"][0]


def test_the_selectors_the_notifications_use():
    ana, bo, cy, gone = UserFactory(), UserFactory(), UserFactory(), UserFactory(is_active=False)
    project = make_project()
    for person in (cy, bo, gone):
        follow_create(follower=person, artist=ana)
    follow_create(follower=bo, project=project)
    Follow.objects.create(follower=gone, project=project)

    assert list(artist_followers(user_id=ana.id)) == [bo, cy]
    assert list(project_followers(project_id=project.id)) == [bo]
    assert list(artist_followers(user_id=bo.id)) == []


def test_the_home_feed_is_what_follows_made_and_asked_for_newest_first():
    me, ana, stranger = UserFactory(), UserFactory(username="ana"), UserFactory()
    project = make_project(title="Night Bus")
    follow_create(follower=me, artist=ana)
    follow_create(follower=me, project=project)
    old = ContributionFactory(author=ana, title="Old")
    new = ContributionFactory(author=ana, title="New")
    removed = ContributionFactory(author=ana, title="Removed", removed_at=timezone.now())
    ContributionFactory(author=stranger, title="Not followed")
    ask = Ask.objects.create(project=project, kind="audio", description="a cello line")
    other_ask = Ask.objects.create(project=make_project(), kind="text", description="lyrics")
    Contribution.objects.filter(pk=old.pk).update(created_at=at(30))
    Contribution.objects.filter(pk=new.pk).update(created_at=at(5))
    Contribution.objects.filter(pk=removed.pk).update(created_at=at(1))
    Ask.objects.filter(pk__in=[ask.pk, other_ask.pk]).update(created_at=at(10))

    feed = home_feed(user=me)

    assert [(i.work or i.ask).pk for i in feed] == [new.pk, ask.pk, old.pk]
    assert [i.work is not None for i in feed] == [True, False, True]
    assert home_feed(user=stranger) == []


@pytest.mark.parametrize("follows", [1, 8])
def test_the_home_feed_costs_the_same_whatever_one_follows(follows, django_assert_max_num_queries):
    me = UserFactory()
    for _ in range(follows):
        artist = UserFactory()
        follow_create(follower=me, artist=artist)
        ContributionFactory(author=artist)
        project = make_project()
        follow_create(follower=me, project=project)
        Ask.objects.create(project=project, kind="audio", description="drums")

    # works (+ sources, renditions and tags prefetched for the cards), asks
    with django_assert_max_num_queries(5):
        feed = home_feed(user=me)

    assert len(feed) == 2 * follows


@pytest.mark.parametrize("follows", [1, 8])
def test_listing_follows_costs_the_same_whatever_their_number(
    follows, django_assert_max_num_queries
):
    me = UserFactory()
    for _ in range(follows):
        follow_create(follower=me, artist=UserFactory())
        follow_create(follower=me, project=make_project())
    client = client_for(me)

    with django_assert_max_num_queries(2):  # count, page
        response = client.get("/api/follows/")

    assert response.json()["count"] == 2 * follows
