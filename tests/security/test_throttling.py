"""Abuse limits: sign-ins, sign-ups, uploads and comments are rate-limited, password guessing
is slowed per account and address, and an upload too large is refused before it is read."""

import socket
import time
import uuid
from urllib.parse import urlsplit

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import caches
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from claims.models import Claim
from community.models import Comment
from contributions.models import Contribution
from hitrec.throttles import parse_rate
from media.credit_guard import prints_of
from media.services import fingerprint_record
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.contributions.factories import ContributionFactory
from tests.contributions.uploads import png_upload
from tests.media.fingerprint_samples import passage, prose, quoted_in

# Serial: the counters and generations live in Redis, shared by every test process.
pytestmark = [pytest.mark.django_db, pytest.mark.serial]

TOKEN_URL = "/api/auth/token/"
REGISTER_URL = "/api/auth/register/"
UNLIMITED = {
    "auth": None, "login_failures": None, "uploads": None, "comments": None, "exports": None,
    "claims": None,
}  # fmt: skip


@pytest.fixture
def limits(settings):
    """Sets some scopes' rates for this test, counted in a throttle cache of its own.

    The suite runs unthrottled (hitrec/settings_test.py); the counters of this test live under a
    fresh key prefix, so nothing another test counted (in Redis, in an earlier run) leaks in.
    """
    throttle = {**settings.CACHES["throttle"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    if "locmem" in throttle["BACKEND"]:
        throttle["LOCATION"] = uuid.uuid4().hex
    settings.CACHES = {**settings.CACHES, "throttle": throttle}

    def set_rates(**rates):
        settings.HITREC_THROTTLE_RATES = {**UNLIMITED, **rates}

    return set_rates


def from_address(address: str) -> APIClient:
    return APIClient(REMOTE_ADDR=address)


def assert_too_many(response, *words: str) -> None:
    """A 429 that says what was limited and when to come back."""
    assert response.status_code == 429
    detail = response.json()["detail"]
    assert "Try again in" in detail
    for word in words:
        assert word in detail
    assert int(response["Retry-After"]) >= 1


# --- per-address limit on sign-ups, sign-ins and tokens --------------------------------------


def test_token_requests_from_one_address_are_limited_and_others_are_not(limits):
    limits(auth="3/min")
    user = UserFactory()
    client = from_address("203.0.113.7")
    credentials = {"username": user.username, "password": DEFAULT_PASSWORD}

    answers = [client.post(TOKEN_URL, credentials).status_code for _ in range(3)]
    refused = client.post(TOKEN_URL, credentials)

    assert answers == [200, 200, 200]
    assert_too_many(refused, "sign-in attempts from your address")
    assert from_address("198.51.100.9").post(TOKEN_URL, credentials).status_code == 200


def test_sign_ups_from_one_address_are_limited_with_nothing_created(limits):
    limits(auth="2/min")
    client = from_address("203.0.113.8")

    def sign_up(name):
        return client.post(
            REGISTER_URL,
            {"username": name, "email": f"{name}@example.org", "password": "a long passphrase 42"},
        )

    assert [sign_up(name).status_code for name in ("una", "dos")] == [201, 201]
    assert_too_many(sign_up("tres"), "sign-up")
    assert not User.objects.filter(username="tres").exists()


def test_a_forged_forwarded_for_header_does_not_escape_the_limit(limits):
    limits(auth="2/min")
    client = from_address("203.0.113.9")
    body = {"username": "nobody", "password": "x"}

    for n in range(2):
        client.post(TOKEN_URL, body, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")

    assert_too_many(client.post(TOKEN_URL, body, HTTP_X_FORWARDED_FOR="10.0.0.99"))


def test_the_limit_lifts_when_its_period_has_passed(limits):
    limits(auth="1/1s")
    client = from_address("203.0.113.10")
    body = {"username": "nobody", "password": "x"}

    assert client.post(TOKEN_URL, body).status_code == 400
    assert client.post(TOKEN_URL, body).status_code == 429
    time.sleep(1.1)
    assert client.post(TOKEN_URL, body).status_code == 400


def test_lineage_exports_are_limited_per_person_and_per_address(limits):
    limits(exports="2/hour")
    work = ContributionFactory()
    url = f"/api/contributions/{work.id}/lineage/export"
    signed_in = APIClient(REMOTE_ADDR="203.0.113.11")
    signed_in.force_authenticate(UserFactory())
    anonymous = from_address("203.0.113.11")

    answers = [signed_in.get(url).status_code for _ in range(2)]
    refused = signed_in.get(url)

    assert answers == [200, 200]
    assert_too_many(refused, "exports")
    # Signed out, the same address is counted apart from the person who used it.
    assert [anonymous.get(url).status_code for _ in range(2)] == [200, 200]
    assert_too_many(anonymous.get(url), "exports")
    assert from_address("198.51.100.12").get(url).status_code == 200


# --- password guessing: failures per account and address ------------------------------------


def test_failed_token_requests_slow_down_that_account_from_that_address(limits):
    limits(login_failures="3/15m")
    ana, bo = UserFactory(), UserFactory()
    attacker = from_address("203.0.113.20")

    guesses = [
        attacker.post(TOKEN_URL, {"username": ana.username, "password": f"guess{n}"}).status_code
        for n in range(3)
    ]
    # Even the right password is refused now: guessing cannot go on until the wait is over.
    right = attacker.post(TOKEN_URL, {"username": ana.username, "password": DEFAULT_PASSWORD})

    assert guesses == [400, 400, 400]
    assert_too_many(right, "failed sign-ins for this account")
    assert 14 * 60 < int(right["Retry-After"]) <= 15 * 60
    assert "token" not in right.json()
    # Ana herself, elsewhere, and other accounts from that address are not locked out.
    elsewhere = from_address("198.51.100.20")
    assert (
        elsewhere.post(
            TOKEN_URL, {"username": ana.username, "password": DEFAULT_PASSWORD}
        ).status_code
        == 200
    )
    assert (
        attacker.post(
            TOKEN_URL, {"username": bo.username, "password": DEFAULT_PASSWORD}
        ).status_code
        == 200
    )


def test_successful_token_requests_never_count_as_failures(limits):
    limits(login_failures="2/15m")
    ana = UserFactory()
    client = from_address("203.0.113.21")
    credentials = {"username": ana.username, "password": DEFAULT_PASSWORD}

    assert {client.post(TOKEN_URL, credentials).status_code for _ in range(5)} == {200}


def test_the_account_name_is_matched_whatever_its_case(limits):
    limits(login_failures="2/15m")
    ana = UserFactory(username="Casey")
    client = from_address("203.0.113.22")

    client.post(TOKEN_URL, {"username": "casey", "password": "nope"})
    client.post(TOKEN_URL, {"username": "CASEY", "password": "nope"})

    assert_too_many(client.post(TOKEN_URL, {"username": ana.username, "password": "nope"}))


def page_client(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def test_failed_logins_on_the_page_are_slowed_the_same_way(limits):
    limits(login_failures="3/15m")
    ana = UserFactory()
    attacker = page_client("203.0.113.30")

    guesses = [
        attacker.post("/login/", {"username": ana.username, "password": f"guess{n}"}).status_code
        for n in range(3)
    ]
    refused = attacker.post("/login/", {"username": ana.username, "password": DEFAULT_PASSWORD})

    assert guesses == [200, 200, 200]  # the form again, with its error
    assert refused.status_code == 429
    assert "Too many failed sign-ins for this account" in refused.content.decode()
    assert int(refused["Retry-After"]) > 14 * 60
    assert "_auth_user_id" not in attacker.session
    signed_in = page_client("198.51.100.30").post(
        "/login/", {"username": ana.username, "password": DEFAULT_PASSWORD}
    )
    assert signed_in.status_code == 302


def test_a_good_login_on_the_page_forgives_the_earlier_typos(limits):
    limits(login_failures="3/15m")
    ana = UserFactory()
    client = page_client("203.0.113.31")

    for _ in range(2):
        client.post("/login/", {"username": ana.username, "password": "typo"})
    assert (
        client.post("/login/", {"username": ana.username, "password": DEFAULT_PASSWORD}).status_code
        == 302
    )
    client.logout()
    for _ in range(2):
        client.post("/login/", {"username": ana.username, "password": "typo"})

    assert (
        client.post("/login/", {"username": ana.username, "password": DEFAULT_PASSWORD}).status_code
        == 302
    )


def test_the_login_page_is_limited_per_address_too(limits):
    limits(auth="2/min")
    client = page_client("203.0.113.32")

    for _ in range(2):
        client.post("/login/", {"username": "nobody", "password": "x"})
    refused = client.post("/login/", {"username": "nobody", "password": "x"})

    assert refused.status_code == 429
    assert "sign-in attempts from your address" in refused.content.decode()


# --- uploads and comments, per person --------------------------------------------------------


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_uploads_are_limited_per_person_and_reading_is_not(limits):
    limits(uploads="2/hour")
    ana, bo = UserFactory(), UserFactory()
    client = client_for(ana)

    def upload(title):
        return client.post("/api/contributions/", {"title": title, "text": "A verse."})

    assert [upload(t).status_code for t in ("one", "two")] == [201, 201]
    assert_too_many(upload("three"), "uploaded too many files")
    assert not Contribution.objects.filter(title="three").exists()
    assert client.get("/api/contributions/").status_code == 200
    assert (
        client_for(bo).post("/api/contributions/", {"title": "bo", "text": "Hi."}).status_code
        == 201
    )


def test_replacing_a_file_counts_as_an_upload(limits):
    limits(uploads="1/hour")
    ana = UserFactory()
    client = client_for(ana)
    work = ContributionFactory(author=ana)
    assert (
        client.post("/api/contributions/", {"title": "one", "text": "A verse."}).status_code == 201
    )

    refused = client.put(
        f"/api/contributions/{work.id}/original", {"file": png_upload()}, format="multipart"
    )

    assert_too_many(refused, "uploaded too many files")


def test_comments_are_limited_per_person(limits):
    limits(comments="2/min")
    work = ContributionFactory()
    ana, bo = UserFactory(), UserFactory()
    url = f"/api/contributions/{work.id}/comments/"

    answers = [client_for(ana).post(url, {"body": f"Nice {n}"}).status_code for n in range(2)]
    refused = client_for(ana).post(url, {"body": "Nice again"})

    assert answers == [201, 201]
    assert_too_many(refused, "commenting too fast")
    assert Comment.objects.filter(author=ana).count() == 2
    assert client_for(bo).post(url, {"body": "Me too"}).status_code == 201
    assert client_for(ana).get(url).status_code == 200


def test_claims_of_credit_are_limited_per_person(limits):
    # Bo's texts quote three poems of Ana's: she may claim two, then must wait.
    limits(claims="2/day")
    ana, bo = UserFactory(), UserFactory()
    pairs = []
    for seed in range(3):
        poem = ContributionFactory(author=ana, text=prose(90 + seed, 300))
        quoting = ContributionFactory(author=bo, text=quoted_in(passage(poem.text, seed), seed))
        for text in (poem, quoting):
            fingerprint_record(
                contribution_id=text.id,
                prints=prints_of(kind="text", original=None, picture=None, text=text.text),
            )
        pairs.append((poem, quoting))

    def claim(poem, quoting):
        return client_for(ana).post(
            f"/api/contributions/{quoting.id}/claims/", {"earlier": poem.id}, format="json"
        )

    answers = [claim(*pair).status_code for pair in pairs[:2]]
    refused = claim(*pairs[2])
    page = Client()
    page.force_login(ana)
    by_the_page = page.post(
        f"/contributions/{pairs[2][1].id}/claims/new/", {"earlier": pairs[2][0].id}, follow=True
    )

    assert answers == [201, 201]
    assert_too_many(refused, "asked for credit too many times")
    # The page's form is held to the same count, and says so.
    assert "asked for credit too many times" in by_the_page.content.decode()
    assert Claim.objects.filter(claimant=ana).count() == 2


# --- rates and their store -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [("5/15m", (5, 900)), ("60/hour", (60, 3600)), ("30/min", (30, 60)), ("1/1s", (1, 1))],
)
def test_rates_read_as_count_per_seconds(rate, parsed):
    assert parse_rate(rate) == parsed


def test_a_malformed_rate_is_refused_with_the_expected_form():
    with pytest.raises(ValueError, match="N/period"):
        parse_rate("five per minute")


def test_production_rates_are_set_for_every_throttled_scope():
    # The suite runs unthrottled; this is what production gets with nothing set.
    from hitrec import settings as module

    assert set(module._THROTTLE_DEFAULTS) == set(UNLIMITED)
    for rate in module._THROTTLE_DEFAULTS.values():
        assert parse_rate(rate)


@pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs REDIS_URL")
def test_with_redis_the_counters_are_shared_through_it_under_their_own_prefix(limits):
    limits(auth="1/min")
    throttle = django_settings.CACHES["throttle"]
    assert "RedisCache" in throttle["BACKEND"]
    assert throttle["KEY_PREFIX"] != django_settings.CACHES["default"].get("KEY_PREFIX")

    from_address("203.0.113.40").post(TOKEN_URL, {"username": "x", "password": "y"})

    keys = redis.Redis.from_url(django_settings.REDIS_URL).keys(f"{throttle['KEY_PREFIX']}:*")
    assert keys, "the counter was not written to Redis"
    # Another web process (a fresh connection to the same Redis) sees the same count.
    caches["throttle"].close()
    assert_too_many(
        from_address("203.0.113.40").post(TOKEN_URL, {"username": "x", "password": "y"})
    )


# --- an upload too large is refused before its body is read ----------------------------------


def test_a_too_large_upload_is_refused_before_the_server_reads_its_body(
    live_server, transactional_db
):
    """The client announces 50 GB and sends a few bytes: the answer comes at once, so the
    server decided on the announced length and never waited for (or stored) the body."""
    user = UserFactory()
    token = Token.objects.create(user=user)
    host, port = urlsplit(live_server.url).hostname, urlsplit(live_server.url).port
    boundary = "hitrecboundary"
    head = (
        f"POST /api/contributions/ HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        f"Authorization: Token {token.key}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {50 * 1000**3}\r\n"
        f"Connection: close\r\n\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nhuge\r\n'
    ).encode()

    started = time.monotonic()
    with socket.create_connection((host, port), timeout=15) as sock:
        sock.sendall(head)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    elapsed = time.monotonic() - started

    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.split()[1] == b"413", answer[:500]
    assert b"uploads are limited to" in rest
    assert elapsed < 10
    assert not Contribution.objects.filter(title="huge").exists()


def test_a_body_over_the_memory_limit_is_a_413_in_json(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = client_for(UserFactory())

    response = client.post(
        "/api/contributions/", {"title": "Long", "text": "x" * 5000}, format="json"
    )

    assert response.status_code == 413
    assert "over 1000 bytes" in response.json()["detail"]
    assert not Contribution.objects.exists()


def test_too_many_form_fields_is_a_400_in_json(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    client = client_for(UserFactory())

    response = client.post(
        "/api/notifications/read/",
        "&".join(f"ids={n}" for n in range(50)),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400
    assert "at most 10 fields" in response.json()["detail"]
