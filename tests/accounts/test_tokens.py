"""Named API tokens that expire and can be revoked, on the API and the settings page; a new
password revokes them all; the one-token endpoint keeps working, and its token expires too."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import api_token_create
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKENS = "/api/auth/tokens/"


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_person_makes_a_named_token_uses_it_and_revokes_it():
    ana = UserFactory()
    session = APIClient()
    session.force_authenticate(ana)

    made = session.post(TOKENS, {"name": "upload script", "days": 30})
    key = made.json()["key"]
    me = with_token(key).get("/api/auth/me/")
    listed = session.get(TOKENS).json()
    revoked = session.delete(f"{TOKENS}{made.json()['id']}/")
    after = with_token(key).get("/api/auth/me/")

    assert made.status_code == 201 and key.startswith("hitrec_")
    assert me.status_code == 200 and me.json()["username"] == ana.username
    assert [(t["name"], t["expired"]) for t in listed] == [("upload script", False)]
    assert key not in str(listed)  # shown once, at creation
    assert not ApiToken.objects.filter(key_hash=key).exists()  # only its hash is kept
    assert revoked.status_code == 204
    assert after.status_code == 401
    assert "unknown, expired or revoked" in after.json()["detail"]


def test_a_token_stops_working_when_it_expires():
    ana = UserFactory()
    token, key = api_token_create(user=ana, name="short", days=1)
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=timezone.now() - dt.timedelta(days=2), expires_at=timezone.now()
    )

    assert with_token(key).get("/api/auth/me/").status_code == 401


def test_tokens_live_between_one_day_and_the_maximum_and_need_a_name(settings):
    session = APIClient()
    session.force_authenticate(UserFactory())

    too_long = session.post(TOKENS, {"name": "x", "days": settings.HITREC_API_TOKEN_MAX_DAYS + 1})
    unnamed = session.post(TOKENS, {"name": "  "})
    default = session.post(TOKENS, {"name": "default"}).json()

    assert too_long.status_code == 400 and "days" in too_long.json()
    assert unnamed.status_code == 400 and "name" in unnamed.json()
    lives = dt.datetime.fromisoformat(default["expires_at"]) - dt.datetime.fromisoformat(
        default["created_at"]
    )
    assert round(lives.total_seconds() / 86400) == settings.HITREC_API_TOKEN_DAYS


def test_nobody_revokes_someone_elses_token():
    token, _key = api_token_create(user=UserFactory(), name="theirs")
    session = APIClient()
    session.force_authenticate(UserFactory())

    assert session.delete(f"{TOKENS}{token.id}/").status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_a_new_password_revokes_every_token_and_needs_the_old_one():
    ana = UserFactory()
    _token, key = api_token_create(user=ana, name="script")
    legacy = Token.objects.create(user=ana)
    session = APIClient()
    session.force_authenticate(ana)

    wrong = session.post(
        "/api/auth/me/password/",
        {"current_password": "not-it", "new_password": "another-long-phrase-7"},
    )
    changed = session.post(
        "/api/auth/me/password/",
        {"current_password": DEFAULT_PASSWORD, "new_password": "another-long-phrase-7"},
    )

    assert wrong.status_code == 400 and "current_password" in wrong.json()
    assert changed.status_code == 204
    assert with_token(key).get("/api/auth/me/").status_code == 401
    assert with_token(legacy.key).get("/api/auth/me/").status_code == 401
    ana.refresh_from_db()
    assert ana.check_password("another-long-phrase-7")


def test_the_one_token_endpoint_still_works_and_its_token_expires(settings):
    ana = UserFactory()
    client = APIClient()

    first = client.post(
        "/api/auth/token/", {"username": ana.username, "password": DEFAULT_PASSWORD}
    )
    key = first.json()["token"]
    works = with_token(key).get("/api/auth/me/").status_code
    Token.objects.filter(key=key).update(
        created=timezone.now() - dt.timedelta(days=settings.HITREC_API_TOKEN_DAYS + 1)
    )
    expired = with_token(key).get("/api/auth/me/")
    again = client.post(
        "/api/auth/token/", {"username": ana.username, "password": DEFAULT_PASSWORD}
    )

    assert works == 200
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]
    assert again.json()["token"] != key
    assert with_token(again.json()["token"]).get("/api/auth/me/").status_code == 200


def test_on_the_settings_page_a_token_is_made_shown_once_and_revoked(client):
    ana = UserFactory()
    client.force_login(ana)

    made = client.post("/settings/account/tokens/", {"name": "my script", "days": 7})
    page = made.content.decode()
    token = ApiToken.objects.get(user=ana)
    again = client.get("/settings/account/").content.decode()
    revoked = client.post(f"/settings/account/tokens/{token.id}/revoke/")

    assert made.status_code == 201
    assert "data-new-key" in page and "hitrec_" in page
    assert "data-new-key" not in again and "my script" in again
    assert revoked.status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_on_the_settings_page_a_new_password_keeps_this_session_and_ends_the_others(client):
    ana = UserFactory()
    elsewhere = type(client)()
    elsewhere.force_login(ana)
    client.force_login(ana)

    changed = client.post(
        "/settings/account/password/",
        {"current_password": DEFAULT_PASSWORD, "new_password": "another-long-phrase-7"},
    )

    assert changed.status_code == 302
    assert client.get("/settings/account/").status_code == 200
    assert elsewhere.get("/settings/account/").status_code == 302  # sent to log in
