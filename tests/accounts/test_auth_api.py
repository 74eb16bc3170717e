"""Registering through the API, obtaining a token, and using it."""

import pytest

from accounts.models import User
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/auth/register/"
TOKEN = "/api/auth/token/"


def test_register_then_obtain_a_token_and_use_it(api_client):
    response = api_client.post(
        REGISTER, {"username": "ana", "email": "Ana@Example.org", "password": "loops-and-cellos-42"}
    )
    assert response.status_code == 201
    assert response.json() == {
        "id": User.objects.get(username="ana").id,
        "username": "ana",
        "email": "Ana@example.org",
    }
    assert "password" not in response.json()

    token = api_client.post(TOKEN, {"username": "ana", "password": "loops-and-cellos-42"})
    assert token.status_code == 200
    key = token.json()["token"]

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    me = api_client.get("/api/auth/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "ana"


def test_the_same_token_comes_back_until_revoked(api_client):
    user = UserFactory()
    first = api_client.post(TOKEN, {"username": user.username, "password": DEFAULT_PASSWORD})
    second = api_client.post(TOKEN, {"username": user.username, "password": DEFAULT_PASSWORD})
    assert first.json()["token"] == second.json()["token"]


def test_a_taken_username_is_refused_whatever_its_case(api_client):
    UserFactory(username="ana")
    response = api_client.post(
        REGISTER, {"username": "ANA", "email": "x@example.org", "password": "loops-and-cellos-42"}
    )
    assert response.status_code == 400
    assert response.json() == {"username": ["That username is taken; choose another one."]}
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field", "fragment"),
    [
        ({"username": "bo", "email": "bo@example.org", "password": "123"}, "password", "too short"),
        (
            {"username": "bo", "email": "bo@example.org", "password": "password"},
            "password",
            "common",
        ),
        (
            {"username": "bo", "email": "not-an-email", "password": "loops-42-x!"},
            "email",
            "valid email",
        ),
        (
            {"username": "b o", "email": "bo@example.org", "password": "loops-42-x!"},
            "username",
            "letters",
        ),
        ({"email": "bo@example.org", "password": "loops-42-x!"}, "username", "required"),
    ],
)
def test_registration_refusals_name_the_field_and_the_problem(api_client, payload, field, fragment):
    response = api_client.post(REGISTER, payload)
    assert response.status_code == 400
    assert fragment in " ".join(response.json()[field])
    assert not User.objects.filter(username="bo").exists()


def test_wrong_password_gets_no_token(api_client):
    user = UserFactory()
    response = api_client.post(TOKEN, {"username": user.username, "password": "wrong"})
    assert response.status_code == 400
    assert response.json() == {"detail": "Unable to log in with the username and password given."}


def test_me_needs_authentication(api_client):
    response = api_client.get("/api/auth/me/")
    assert response.status_code == 401
    assert "credentials were not provided" in response.json()["detail"]


def test_session_authentication_works_too(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get("/api/auth/me/").json()["username"] == user.username


def test_an_artist_edits_their_profile(user_client, user):
    response = user_client.patch(
        "/api/auth/me/",
        {"display_name": "Ana Loop", "bio": "Cello and tape.", "payout_email": "pay@example.org"},
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.display_name, user.bio, user.payout_email) == (
        "Ana Loop",
        "Cello and tape.",
        "pay@example.org",
    )
    refused = user_client.patch("/api/auth/me/", {"payout_email": "nope"})
    assert refused.status_code == 400
    assert "payout_email" in refused.json()


def test_a_profile_change_refuses_by_name_what_it_does_not_change(user_client, user):
    before = (user.password, user.email, user.username, user.is_staff)

    refused = user_client.patch(
        "/api/auth/me/",
        {"display_name": "Ana", "password": "new-secret-1", "email": "x@example.org",
         "username": "boss", "is_staff": True, "favourite": "blue"},
        format="json",
    )  # fmt: skip

    user.refresh_from_db()
    assert refused.status_code == 400
    assert set(refused.json()) == {"password", "email", "username", "is_staff", "favourite"}
    assert "does not change “password”" in refused.json()["password"][0]
    assert (user.password, user.email, user.username, user.is_staff) == before
    assert user.display_name != "Ana"  # nothing of the request was applied


@pytest.mark.parametrize(
    ("taken", "look_alike", "problem"),
    [
        ("ana", "аna", "mixes CYRILLIC + LATIN letters"),  # a Cyrillic а
        ("jose", "jοse", "mixes GREEK + LATIN letters"),  # a Greek ο
        ("ian", "Ian", "That username is taken"),  # the same name, whatever its case
        ("lan", "Ian", "looks too much like someone's username"),  # I and l
        ("bob1", "bobl", "looks too much like someone's username"),  # 1 and l
        ("ana", "ａｎａ", "looks too much like someone's username"),  # full-width letters
        ("deleted-7", "de1eted-8", "are reserved"),
    ],
)
def test_a_username_that_looks_like_anothers_is_refused(api_client, taken, look_alike, problem):
    UserFactory(username=taken)

    response = api_client.post(
        REGISTER,
        {"username": look_alike, "email": "x@example.org", "password": "a-long-passphrase-9"},
    )

    assert response.status_code == 400
    assert problem in response.json()["username"][0]
    assert User.objects.count() == 1


@pytest.mark.parametrize("name", ["山田たろう", "José", "ana-2", "Łukasz"])
def test_names_in_one_writing_system_are_welcome(api_client, name):
    UserFactory(username="ana")

    response = api_client.post(
        REGISTER, {"username": name, "email": "x@example.org", "password": "a-long-passphrase-9"}
    )

    assert response.status_code == 201
    assert User.objects.get(username=name).username_skeleton
