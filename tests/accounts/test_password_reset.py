"""A forgotten password: the same answer whether or not the address has an account, a link
that works once and expires, every session and token ended, in the API and on the pages."""

import datetime as dt
import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.services import api_token_create
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW = "another-long-phrase-7"


def link_in(message) -> tuple[str, str]:
    match = re.search(r"/password/reset/([^/\s]+)/([^/\s]+)/", message.body)
    assert match, message.body
    return match[1], match[2]


def ask(client, email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/api/auth/password/reset/", {"email": email})


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(
    django_capture_on_commit_callbacks,
):
    UserFactory(email="ana@example.org")
    client = APIClient()

    known = ask(client, "ANA@example.org", django_capture_on_commit_callbacks)
    unknown = ask(client, "nobody@example.org", django_capture_on_commit_callbacks)

    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert known.status_code == 202
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]


def test_a_reset_sets_the_password_ends_every_token_and_the_link_works_once(
    django_capture_on_commit_callbacks, client
):
    ana = UserFactory(email="ana@example.org")
    _named, key = api_token_create(user=ana, name="script")
    legacy = Token.objects.create(user=ana)
    client.force_login(ana)
    ask(APIClient(), "ana@example.org", django_capture_on_commit_callbacks)
    uid, token = link_in(mail.outbox[0])

    done = APIClient().post(
        "/api/auth/password/reset/confirm/", {"uid": uid, "token": token, "new_password": NEW}
    )
    again = APIClient().post(
        "/api/auth/password/reset/confirm/", {"uid": uid, "token": token, "new_password": "x" + NEW}
    )

    ana.refresh_from_db()
    assert done.status_code == 204
    assert ana.check_password(NEW)
    assert again.status_code == 400 and "invalid or has expired" in str(again.json())
    for header in (f"Token {key}", f"Token {legacy.key}"):
        assert APIClient(HTTP_AUTHORIZATION=header).get("/api/auth/me/").status_code == 401
    assert client.get("/settings/account/").status_code == 302  # the old session is over


def test_a_link_expires(django_capture_on_commit_callbacks, settings, monkeypatch):
    ana = UserFactory(email="ana@example.org")
    ask(APIClient(), "ana@example.org", django_capture_on_commit_callbacks)
    uid, token = link_in(mail.outbox[0])

    later = default_token_generator._now() + dt.timedelta(
        seconds=settings.PASSWORD_RESET_TIMEOUT + 5
    )
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    late = APIClient().post(
        "/api/auth/password/reset/confirm/", {"uid": uid, "token": token, "new_password": NEW}
    )

    ana.refresh_from_db()
    assert late.status_code == 400
    assert ana.check_password(DEFAULT_PASSWORD)


def test_a_forged_link_and_a_weak_password_are_refused(django_capture_on_commit_callbacks):
    ana = UserFactory(email="ana@example.org")
    ask(APIClient(), "ana@example.org", django_capture_on_commit_callbacks)
    uid, token = link_in(mail.outbox[0])

    forged = APIClient().post(
        "/api/auth/password/reset/confirm/", {"uid": "MQ", "token": "nope", "new_password": NEW}
    )
    weak = APIClient().post(
        "/api/auth/password/reset/confirm/", {"uid": uid, "token": token, "new_password": "123"}
    )

    ana.refresh_from_db()
    assert forged.status_code == 400 and "token" in forged.json()
    assert weak.status_code == 400 and "new_password" in weak.json()
    assert ana.check_password(DEFAULT_PASSWORD)


def test_the_email_is_in_its_recipients_language(django_capture_on_commit_callbacks):
    UserFactory(email="ana@example.org", language="es")

    ask(APIClient(), "ana@example.org", django_capture_on_commit_callbacks)

    assert mail.outbox[0].subject == "hitrec: elige una contraseña nueva"


def test_on_the_pages_a_person_resets_and_logs_in_with_the_new_password(
    client, django_capture_on_commit_callbacks
):
    ana = UserFactory(email="ana@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post("/password/reset/", {"email": "ana@example.org"})
    uid, token = link_in(mail.outbox[0])
    form = client.get(f"/password/reset/{uid}/{token}/")
    done = client.post(f"/password/reset/{uid}/{token}/", {"new_password": NEW})
    logged_in = client.post("/login/", {"username": ana.username, "password": NEW})

    assert sent.status_code == 200 and "data-reset-sent" in sent.content.decode()
    assert form.status_code == 200
    assert done.status_code == 302 and done["Location"] == "/login/"
    assert logged_in.status_code == 302


def test_an_expired_or_used_link_says_so_on_the_page(client):
    page = client.get("/password/reset/MQ/not-a-token/")

    assert page.status_code == 400
    assert "invalid or has expired" in page.content.decode()


def test_known_and_unknown_addresses_take_the_same_work_to_answer(
    django_capture_on_commit_callbacks,
):
    """The same time, without a flaky stopwatch: the request does the same queries and
    leaves the same one job to run after it whether or not an account has the address."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    UserFactory(email="ana@example.org")
    work = {}
    for address in ("ana@example.org", "nobody@example.org"):
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks() as jobs,
        ):
            response = APIClient().post("/api/auth/password/reset/", {"email": address})
        work[address] = (response.status_code, len(queries), len(jobs))

    assert work["ana@example.org"] == work["nobody@example.org"] == (202, 0, 1)
    assert mail.outbox == []  # nothing is sent while answering
