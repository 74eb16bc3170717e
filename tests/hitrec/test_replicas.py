"""The read replica's rules, without a replica: where a read goes, pins, the breaker, health.

These run on SQLite and PostgreSQL alike; tests/integration/test_replica.py runs the same
rules against a real streaming replica.
"""

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.db import connections
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.functional import SimpleLazyObject
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from hitrec import health, replicas
from hitrec.caching import cached_read
from hitrec.replicas import DEFAULT, REPLICA, Breaker, ReplicaRouter, cookie_pins, is_write, routing
from tests.accounts.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]

# A read every rule lets through: a safe web request, no transaction, nothing written, a
# public model, a reader who wrote nothing lately, a replica that answers.
FREE = {
    "enabled": True,
    "may_use_replica": True,
    "in_transaction": False,
    "wrote": False,
    "app_label": "contributions",
    "money_tolerated": False,
}


def route(pinned=False, usable=True, **changes):
    asked = []

    def ask(name, answer):
        def call():
            asked.append(name)
            return answer

        return call

    decided = replicas.read_route(
        **{**FREE, **changes}, pinned=ask("pinned", pinned), replica_usable=ask("usable", usable)
    )
    return decided, asked


def test_a_read_that_every_rule_lets_through_goes_to_the_replica():
    decided, asked = route()

    assert decided == replicas.Route(REPLICA, "replica")
    assert asked == ["pinned", "usable"]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"enabled": False}, "no replica in use"),
        # a Celery task, a management command, a migration, a POST
        ({"may_use_replica": False}, "not a read-only web request"),
        ({"in_transaction": True}, "inside a transaction"),
        ({"wrote": True}, "this request wrote"),
        ({"app_label": "accounts"}, "identity"),
        ({"app_label": "authtoken"}, "identity"),
        ({"app_label": "sessions"}, "identity"),
        ({"app_label": "royalties"}, "money"),
        ({"app_label": "proposals"}, "money"),
    ],
)
def test_each_rule_keeps_a_read_on_the_primary_without_asking_the_costly_ones(changes, reason):
    decided, asked = route(**changes)

    assert decided == replicas.Route(DEFAULT, reason)
    assert asked == []  # no cache lookup, no connection


def test_a_pinned_reader_stays_on_the_primary_without_connecting_to_the_replica():
    decided, asked = route(pinned=True)

    assert decided == replicas.Route(DEFAULT, "the reader wrote a moment ago")
    assert asked == ["pinned"]


def test_a_replica_that_is_down_sends_the_read_to_the_primary():
    assert route(usable=False)[0] == replicas.Route(DEFAULT, "the replica is down")


def test_money_may_come_from_the_replica_only_where_lag_is_tolerated_and_identity_never():
    assert route(app_label="royalties", money_tolerated=True)[0].alias == REPLICA
    assert route(app_label="accounts", money_tolerated=True)[0].alias == DEFAULT


@pytest.mark.parametrize(
    ("sql", "writes"),
    [
        ('INSERT INTO "community_comment" ("body") VALUES (%s)', True),
        ('  update "accounts_apitoken" SET "last_used_at" = %s', True),
        ('DELETE FROM "django_session" WHERE 1', True),
        ("TRUNCATE a, b", True),
        ('(SELECT "id" FROM "projects_project") UNION (SELECT 1)', False),
        ('SELECT "id" FROM "projects_project"', False),
        ('SAVEPOINT "s1"', False),
        ('RELEASE SAVEPOINT "s1"', False),
        ("SET TIME ZONE 'UTC'", False),
        ("", False),
        (b"INSERT", True),  # not text: counted, to be safe
    ],
)
def test_a_statement_writes_by_its_first_word(sql, writes):
    assert is_write(sql) is writes


@pytest.mark.parametrize(
    ("value", "pins"),
    [
        ("1000.000", False),  # ran out
        ("1004.000", True),
        ("1006.000", True),  # the pin's length, and a second of clock slack
        ("1060.000", False),  # longer than a pin lasts: written by the client, ignored
        ("soon", False),
        ("", False),
        (None, False),
    ],
)
def test_a_pin_cookie_pins_until_it_runs_out_and_never_longer_than_a_pin(value, pins):
    assert cookie_pins(value, now=1000.0, pin_seconds=5) is pins


def test_lsn_reads_a_wal_position_as_bytes():
    assert replicas.lsn("0/3000148") == 0x3000148
    assert replicas.lsn("16/B374D848") == (0x16 << 32) + 0xB374D848
    assert replicas.lsn(None) is None


def test_the_breaker_skips_the_replica_then_lets_one_caller_try_again():
    breaker = Breaker()
    assert breaker.allows() and not breaker.down

    breaker.trip("OperationalError: connection refused", retry_seconds=0.05)

    assert not breaker.allows() and breaker.down
    assert breaker.error.startswith("OperationalError")
    time.sleep(0.06)
    assert breaker.allows()  # this caller tries the replica...
    assert not breaker.allows()  # ...while the others keep to the primary
    breaker.reset()
    assert breaker.allows() and not breaker.down and breaker.seconds_left() == 0.0


def test_the_router_writes_and_migrates_on_the_primary_only(db):
    router = ReplicaRouter()

    assert router.db_for_write(None) == DEFAULT
    assert router.allow_migrate(REPLICA, "contributions") is False
    assert router.allow_migrate(DEFAULT, "contributions") is None


def test_rows_read_from_either_database_may_refer_to_each_other(db):
    router = ReplicaRouter()
    primary_row, replica_row, elsewhere = UserFactory(), UserFactory(), UserFactory()
    replica_row._state.db, elsewhere._state.db = REPLICA, "archive"

    assert router.allow_relation(primary_row, replica_row) is True
    assert router.allow_relation(primary_row, elsewhere) is None


def test_outside_a_web_request_every_read_uses_the_primary(db, monkeypatch):
    # A Celery task, a management command, a migration: nothing marked the reads.
    monkeypatch.setattr(routing, "replica_reads_enabled", lambda: True)

    assert ReplicaRouter().db_for_read(UserFactory._meta.model) == DEFAULT
    assert replicas.route_for("contributions").reason == "not a read-only web request"


def test_a_statement_that_writes_sends_the_rest_of_the_request_to_the_primary(monkeypatch):
    monkeypatch.setattr(routing, "replica_reads_enabled", lambda: True)
    reads = routing._Reads(request=None, may_use_replica=True)
    token = routing._READS.set(reads)
    try:
        # Asking where a write would go marks nothing: it is how a read finds the primary.
        assert ReplicaRouter().db_for_write(None) == DEFAULT
        routing._notice_writes(lambda *args: None, 'SELECT "x"', (), False, {})
        assert reads.wrote is False
        routing._notice_writes(lambda *args: None, 'UPDATE "x" SET y = 1', (), False, {})
        assert reads.wrote is True
        assert routing.route_for("contributions") == replicas.Route(DEFAULT, "this request wrote")
    finally:
        routing._READS.reset(token)


def _reads_for(request) -> routing._Reads:
    return routing._Reads(request=request, may_use_replica=True)


def test_a_write_pins_its_person_in_the_cache_and_a_browser_by_a_cookie(db, settings):
    settings.HITREC_REPLICA_PIN_SECONDS = 5
    person = UserFactory()
    caches["default"].delete(routing._pin_key(person.pk))  # an earlier test's, on SQLite
    request = RequestFactory().post("/api/contributions/")
    request.user = person
    response = HttpResponse()

    replicas.pin(request, response)

    cookie = response.cookies[replicas.PIN_COOKIE]
    assert cookie["max-age"] == 5 and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie_pins(cookie.value, now=time.time(), pin_seconds=5)
    # A program that keeps no cookies is pinned by its person, once DRF says who it is.
    later = RequestFactory().get("/api/contributions/")
    later.user = AnonymousUser()
    reads = _reads_for(later)
    assert routing._pinned(reads) is False
    later.user = person  # what DRF does when it authenticates, inside the view
    assert routing._pinned(reads) is True
    assert routing._pinned(_reads_for(later)) is True


def test_a_safe_request_that_wrote_pins_its_person_but_sets_no_cookie(db):
    request = RequestFactory().get("/dashboard/")
    request.user = UserFactory()
    response = HttpResponse()

    replicas.pin(request, response)

    assert replicas.PIN_COOKIE not in response.cookies  # a shared cache could keep it
    assert routing._person_pinned(request.user.pk)


def test_an_anonymous_browser_is_pinned_by_its_cookie_alone(db):
    request = RequestFactory().get("/contributions/")
    request.user = AnonymousUser()
    assert routing._pinned(_reads_for(request)) is False

    request.COOKIES[replicas.PIN_COOKIE] = f"{time.time() + 3:.3f}"

    assert routing._pinned(_reads_for(request)) is True


def test_reads_made_while_working_out_who_reads_go_to_the_primary(db):
    # Evaluating request.user reads the session and the person: the router, asked about
    # those reads, must not evaluate request.user again (it would recurse).
    request = RequestFactory().get("/contributions/")
    inner = []

    def who():
        inner.append(routing._reader(request))
        return AnonymousUser()

    request.user = SimpleLazyObject(who)

    assert routing._reader(request) == (True, None)
    assert inner == [(False, None)]  # unknown: the primary, to be sure


def test_nothing_is_pinned_when_pins_are_off(db, settings):
    settings.HITREC_REPLICA_PIN_SECONDS = 0
    request = RequestFactory().post("/api/contributions/")
    request.user = UserFactory()
    # SQLite gives a rolled-back test's ids out again: forget an earlier test's pin.
    caches["default"].delete(routing._pin_key(request.user.pk))
    response = HttpResponse()

    replicas.pin(request, response)

    assert replicas.PIN_COOKIE not in response.cookies
    assert not routing._person_pinned(request.user.pk)


def test_blocks_mark_primary_only_and_money_tolerated_reads():
    assert not routing._PRIMARY_ONLY.get() and not routing._MONEY_TOLERATED.get()
    with replicas.primary_reads(), replicas.money_lag_tolerated():
        assert routing._PRIMARY_ONLY.get() and routing._MONEY_TOLERATED.get()
    assert not routing._PRIMARY_ONLY.get() and not routing._MONEY_TOLERATED.get()


class _CachedProbe(APIView):
    """A public read behind the shared cache, noting whether its reads were primary-only."""

    authentication_classes: list = []
    permission_classes: list = []
    primary_only: list[bool] = []

    @cached_read("replica-probe", uncached_params=("fresh",))
    def get(self, request):
        _CachedProbe.primary_only.append(routing._PRIMARY_ONLY.get())
        return Response({"ok": True})


def test_a_response_the_shared_cache_stores_is_read_from_the_primary(db):
    _CachedProbe.primary_only = []
    view, unique = _CachedProbe.as_view(), uuid.uuid4().hex

    assert view(APIRequestFactory().get(f"/probe/?n={unique}")).status_code == 200  # stored
    assert view(APIRequestFactory().get(f"/probe/?n={unique}&fresh=1")).status_code == 200

    assert _CachedProbe.primary_only == [True, False]


def test_no_replica_check_without_a_replica_in_use(api_client, db, settings):
    settings.HITREC_REPLICA_READS = False  # as a deployment without DATABASE_REPLICA_URL

    body = api_client.get("/api/health/").json()

    assert "replica" not in body["checks"]
    assert health.check_replica() is None


@pytest.mark.parametrize(
    ("replica", "code", "status", "replica_status"),
    [
        (health.Check("replica", True, "postgresql", "streaming", 1.0, required=False), 200,
         "ok", "ok"),
        (health.Check("replica", True, "postgresql", "replay paused", 1.0, required=False,
                      behind=True, facts={"replay_paused": True}), 200, "degraded", "degraded"),
        (health.Check("replica", False, "postgresql", "refused", 1.0, required=False), 200,
         "degraded", "degraded"),
    ],
)  # fmt: skip
def test_a_replica_behind_or_down_degrades_health_without_taking_the_site_down(
    api_client, db, monkeypatch, replica, code, status, replica_status
):
    monkeypatch.setattr(health, "check_replica", lambda: replica)

    response = api_client.get("/api/health/")

    assert response.status_code == code
    body = response.json()
    assert body["status"] == status
    check = body["checks"]["replica"]
    assert (check["status"], check["required"], check["reachable"]) == (
        replica_status, False, replica.ok,
    )  # fmt: skip
    assert body["checks"]["database"] == {
        **body["checks"]["database"], "reachable": True, "status": "ok", "required": True,
    }  # fmt: skip
    if replica.facts:
        assert check["replay_paused"] is True


def test_a_required_service_down_is_still_a_503(api_client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = api_client.get("/api/health/")

    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["status"] == "down"


def _settings_with(**env) -> dict:
    """hitrec.settings loaded in a fresh process with this environment."""
    code = (
        "import json, django; from django.conf import settings; "
        "print(json.dumps({'databases': settings.DATABASES, "
        "'routers': settings.DATABASE_ROUTERS}, default=str))"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "hitrec.settings", "DEBUG": "1", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode:
        return {"error": result.stderr}
    return json.loads(result.stdout)


def test_without_a_replica_url_there_is_no_replica_alias_and_no_router():
    embedded = _settings_with()
    primary_only = _settings_with(DATABASE_URL="postgres://postgres@127.0.0.1:5432/hitrec")

    for loaded in (embedded, primary_only):
        assert set(loaded["databases"]) == {"default"}
        assert loaded["routers"] == []


def test_a_replica_url_adds_a_replica_alias_mirrored_in_tests_and_quick_to_give_up():
    loaded = _settings_with(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/hitrec",
        DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:5433/hitrec",
    )

    replica = loaded["databases"]["replica"]
    assert (replica["HOST"], str(replica["PORT"]), replica["NAME"]) == (
        "127.0.0.1",
        "5433",
        "hitrec",
    )
    assert replica["TEST"]["MIRROR"] == "default"
    assert replica["OPTIONS"]["connect_timeout"] == 2
    assert replica["CONN_HEALTH_CHECKS"] is True
    assert loaded["routers"] == ["hitrec.replicas.ReplicaRouter"]


def test_behind_a_transaction_pooler_nothing_outlives_a_transaction_on_either_alias():
    pooled = _settings_with(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/hitrec",
        DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:5433/hitrec",
        HITREC_DB_TRANSACTION_POOLING="1",
    )
    direct = _settings_with(DATABASE_URL="postgres://postgres@127.0.0.1:5432/hitrec")

    for alias in ("default", "replica"):
        assert pooled["databases"][alias]["DISABLE_SERVER_SIDE_CURSORS"] is True
        assert pooled["databases"][alias]["OPTIONS"]["prepare_threshold"] is None
    assert direct["databases"]["default"].get("DISABLE_SERVER_SIDE_CURSORS", False) is False
    assert direct["databases"]["default"]["OPTIONS"]["prepare_threshold"] == 5


def test_a_replica_of_the_embedded_sqlite_is_refused_by_name():
    loaded = _settings_with(DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:5433/hitrec")

    assert "DATABASE_REPLICA_URL is set, but DATABASE_URL is not a PostgreSQL" in loaded["error"]


def test_the_middleware_is_left_out_without_a_replica():
    from django.core.exceptions import MiddlewareNotUsed

    if REPLICA in connections.settings:
        pytest.skip("this run has DATABASE_REPLICA_URL set")
    with pytest.raises(MiddlewareNotUsed):
        replicas.ReplicaReadsMiddleware(lambda request: HttpResponse())
