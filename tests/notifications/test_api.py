"""The API and pages show each person their own notifications only, and their preferences."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from notifications.models import Notification
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def as_user(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def make(recipient, n=1, actor=None, kind="remixed"):
    start = Notification.objects.count()
    return [
        Notification.objects.create(
            recipient=recipient,
            kind=kind,
            actor=actor,
            text=f"Note {start + i}",
            link="/projects/1/",
            key=f"test:{start + i}",
        )  # fmt: skip
        for i in range(n)
    ]


def test_the_list_is_your_own_newest_first_and_paginated(user):
    other = UserFactory()
    make(user, 3, actor=other)
    make(other, 2)

    body = as_user(user).get("/api/notifications/", {"page_size": 2}).json()

    assert body["count"] == 3
    assert [n["text"] for n in body["results"]] == ["Note 2", "Note 1"]
    assert body["next"] and body["previous"] is None
    first = body["results"][0]
    assert first["kind"] == "remixed" and first["link"] == "/projects/1/"
    assert first["actor"] == {"id": other.id, "username": other.username}
    assert first["read_at"] is None


def test_the_list_needs_a_signed_in_person(api_client, user):
    make(user)
    assert api_client.get("/api/notifications/").status_code == 401
    assert api_client.get("/api/notifications/preferences/").status_code == 401
    assert api_client.post("/api/notifications/read/", {"all": True}).status_code == 401


def test_unread_filter(user):
    read, unread = make(user, 2)
    as_user(user).post("/api/notifications/read/", {"ids": [read.id]})

    body = as_user(user).get("/api/notifications/", {"unread": "true"}).json()

    assert [n["id"] for n in body["results"]] == [unread.id]


@pytest.mark.parametrize("size", [1, 25])
def test_the_list_runs_a_constant_number_of_queries(user, size, django_assert_max_num_queries):
    make(user, size, actor=UserFactory())
    client = as_user(user)

    with django_assert_max_num_queries(3):  # token and person, count, the page with actors
        body = client.get("/api/notifications/", {"page_size": 50}).json()

    assert len(body["results"]) == size


def test_marking_read_touches_only_your_own(user):
    mine, also_mine = make(user, 2)
    [theirs] = make(UserFactory())
    client = as_user(user)

    response = client.post("/api/notifications/read/", {"ids": [mine.id, theirs.id]})

    assert response.status_code == 200
    assert response.json() == {"marked": 1, "unread": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.post("/api/notifications/read/", {"all": True}).json() == {
        "marked": 1, "unread": 0,
    }  # fmt: skip
    also_mine.refresh_from_db()
    assert also_mine.read_at is not None
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_marking_read_needs_ids_or_all(user):
    response = as_user(user).post("/api/notifications/read/", {}, format="json")
    assert response.status_code == 400
    assert "ids" in str(response.json())


def test_preferences_read_and_change(user):
    client = as_user(user)

    assert client.get("/api/notifications/preferences/").json() == {
        "remixed": "immediate", "ask_posted": "digest", "submission_decided": "immediate",
        "released": "immediate", "revenue": "digest", "statement_issued": "immediate",
        "cost": "immediate", "mention": "immediate", "proposal_published": "immediate",
        "proposal_revised": "immediate", "proposal_commented": "immediate",
        "proposal_accepted": "digest", "proposal_released": "immediate", "ask_for_you": "off",
        "claim_made": "immediate", "claim_answered": "immediate", "claim_decided": "immediate",
    }  # fmt: skip
    response = client.put(
        "/api/notifications/preferences/", {"revenue": "off", "mention": "digest"}
    )

    assert response.status_code == 200
    assert response.json()["revenue"] == "off" and response.json()["mention"] == "digest"
    assert response.json()["remixed"] == "immediate"
    other = as_user(UserFactory()).get("/api/notifications/preferences/").json()
    assert other["revenue"] == "digest"


def test_every_kind_can_be_changed_through_the_api(user):
    """The serializer lists the kinds by hand (for the schema): none may be left out, or a
    client could read a kind it could never change."""
    client = as_user(user)
    kinds = client.get("/api/notifications/preferences/").json()
    chosen = {kind: "off" if delivery != "off" else "digest" for kind, delivery in kinds.items()}

    response = client.put("/api/notifications/preferences/", chosen)

    assert response.status_code == 200, response.json()
    assert response.json() == chosen


def test_preferences_refuse_unknown_kinds_and_choices(user):
    client = as_user(user)

    bad_choice = client.put("/api/notifications/preferences/", {"revenue": "hourly"})
    bad_kind = client.put("/api/notifications/preferences/", {"likes": "off"})

    assert bad_choice.status_code == bad_kind.status_code == 400
    assert "revenue" in bad_choice.json()
    assert "likes" in bad_kind.json()


# --- pages ---------------------------------------------------------------------------------


def test_the_page_lists_your_notifications_and_marks_them_read(client, user):
    note, other = make(user, 2)
    make(UserFactory())  # someone else's
    client.force_login(user)

    page = client.get("/notifications/").content.decode()
    assert "Note 0" in page and "Note 1" in page and "Note 2" not in page
    assert "data-unread>2</span>" in page

    client.post("/notifications/read/", {"id": note.id})
    note.refresh_from_db()
    assert note.read_at is not None
    client.post("/notifications/read/", {"all": "on"})
    other.refresh_from_db()
    assert other.read_at is not None
    assert "data-unread>" not in client.get("/notifications/").content.decode()


def test_the_pages_need_a_login(client):
    assert client.get("/notifications/").status_code == 302
    assert client.get("/settings/notifications/").status_code == 302


def test_the_settings_page_saves_preferences(client, user):
    client.force_login(user)
    assert "Daily digest" in client.get("/settings/notifications/").content.decode()
    choices = {
        "remixed": "off", "ask_posted": "digest", "submission_decided": "immediate",
        "released": "immediate", "revenue": "off", "statement_issued": "digest", "cost": "off",
        "mention": "digest", "proposal_published": "immediate", "proposal_revised": "digest",
        "proposal_commented": "off", "proposal_accepted": "off", "proposal_released": "immediate",
        "ask_for_you": "digest", "claim_made": "digest", "claim_answered": "off",
        "claim_decided": "immediate",
    }  # fmt: skip

    response = client.post("/settings/notifications/", choices)

    assert response.status_code == 302
    assert as_user(user).get("/api/notifications/preferences/").json() == choices
