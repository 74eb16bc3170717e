"""The read replica for real: a streaming standby of the test database, on port 5433.

scripts/services.sh makes it (`pg_basebackup -R` from the primary) and .ci/run points
DATABASE_REPLICA_URL at it. The test database is created on the primary and streams to the
replica like everything else, so these tests commit (transactional tests), wait until the
replica has replayed, and then ask over HTTP through Django's test client: it serves the
request in this thread, so every statement can be traced to the connection that ran it, and
`pg_is_in_recovery()` asked on that connection says it is the standby.

Pausing replay (`pg_wal_replay_pause()`) holds back the whole replica cluster, so every test
here holds a machine-wide file lock while it runs (and they share an xdist group): two
xdist workers, or two runs of the suite, never pause under each other. Nothing else reads
from the replica: the rest of the suite has replica reads off (hitrec/settings_test.py), and
the processes the integration tests start get no DATABASE_REPLICA_URL.

For "the replica is down" the alias is pointed at a port nothing listens on, rather than
the cluster being stopped: a refused connection takes the same path through the router (a
failed connect, the breaker), touches nothing another run might use, and leaves nothing to
restart if this run dies half-way.
"""

import fcntl
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError, connection, connections
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.services.access import api_token_create
from contributions.models import RemixLink
from hitrec import replicas
from projects.models import Submission
from projects.services import CreditInput, project_release
from royalties.services import revenue_record, statement_issue, statements_build_month
from tests.accounts.factories import StaffFactory, UserFactory
from tests.contributions.factories import ContributionFactory
from tests.integration.worker import wait_for
from tests.projects.factories import make_project

# The alias exists only with DATABASE_REPLICA_URL; without it the fixture skips (or fails).
DATABASES = ["default", "replica"] if "replica" in settings.DATABASES else ["default"]
pytestmark = [
    pytest.mark.django_db(transaction=True, databases=DATABASES),
    pytest.mark.xdist_group("replica"),
]

LOCK = Path(tempfile.gettempdir()) / "hitrec-replica-tests.lock"
NOTHING_LISTENS = 1  # as tests/hitrec/test_health.py: a real refusal, not a mock


def _unavailable(message: str):
    if os.environ.get("HITREC_REQUIRE_SERVICES"):
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def _replica_to_ourselves(timeout: float = 600):
    """The machine-wide lock: one replica test at a time, across xdist workers and runs."""
    with open(LOCK, "a") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"{LOCK} was held for {timeout} s") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _on(alias: str, sql: str, params=()):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _resume_replay() -> None:
    if _on("replica", "SELECT pg_is_wal_replay_paused()"):
        _on("replica", "SELECT pg_wal_replay_resume()::text")


def replayed(timeout: float = 30) -> None:
    """Waits until the replica has replayed everything the primary has written so far."""
    target = _on("default", "SELECT pg_current_wal_lsn()::text")
    wait_for(
        lambda: _on("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]),
        timeout=timeout,
        what="the replica to replay the primary's WAL",
    )


@pytest.fixture
def replica(settings):
    """The `replica` alias connected for real to the test database on the standby, and
    replica reads on (the rest of the suite has them off)."""
    if connection.vendor != "postgresql":
        pytest.skip("a streaming replica needs PostgreSQL: set DATABASE_URL=postgres://…")
    if "replica" not in connections.settings:
        _unavailable(
            "the replica tests need DATABASE_REPLICA_URL, e.g. "
            "postgres://postgres@127.0.0.1:5433/hitrec (scripts/services.sh starts one)"
        )
    with _replica_to_ourselves():
        alias = connections["replica"]
        configured = alias.settings_dict
        alias.close()
        # The mirror's host and port (DATABASE_REPLICA_URL), and this run's test database.
        alias.settings_dict = {**configured, "NAME": connection.settings_dict["NAME"]}
        try:
            alias.ensure_connection()
            in_recovery = _on("replica", "SELECT pg_is_in_recovery()")
        except OperationalError as exc:
            alias.settings_dict = configured
            _unavailable(f"the read replica does not answer ({exc}); run scripts/services.sh")
        if not in_recovery:
            alias.close()
            alias.settings_dict = configured
            _unavailable("DATABASE_REPLICA_URL is not a standby; run scripts/services.sh")
        _resume_replay()  # a run killed while it had replay paused
        settings.HITREC_REPLICA_READS = True
        replicas.BREAKER.reset()
        try:
            replayed()
            yield alias
        finally:
            try:
                _resume_replay()
            finally:
                replicas.BREAKER.reset()
                connections["replica"].close()
                connections["replica"].settings_dict = configured


@pytest.fixture
def pause(replica):
    """`pause()` stops replay on the replica (its whole cluster) until the test ends: what
    the primary commits from then on is not seen there."""

    def stop() -> None:
        replayed()  # what the test made before is there
        _on("replica", "SELECT pg_wal_replay_pause()::text")

    try:
        yield stop
    finally:
        _resume_replay()


@contextmanager
def traced():
    """Every statement this thread runs in the block, with the alias that ran it."""
    ran: list[tuple[str, str]] = []

    def tracer(alias):
        def trace(execute, sql, params, many, context):
            ran.append((alias, sql))
            return execute(sql, params, many, context)

        return trace

    with (
        connections["default"].execute_wrapper(tracer("default")),
        connections["replica"].execute_wrapper(tracer("replica")),
    ):
        yield ran


def read_by(ran: list[tuple[str, str]], table: str) -> set[str]:
    """The aliases that read this table."""
    return {
        alias
        for alias, sql in ran
        if sql.lstrip().upper().startswith("SELECT") and f'"{table}"' in sql
    }


def is_standby(alias: str) -> bool:
    return _on(alias, "SELECT pg_is_in_recovery()")


def token_client(user) -> APIClient:
    """A program calling with the person's token: no cookies kept between calls."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def fresh(client: APIClient) -> APIClient:
    client.cookies.clear()
    return client


def released_project():
    """Producer 1/2; Song (bo) keeps 3/8; Loop (ana), Song's source, keeps 1/8."""
    prod, ana, bo = (UserFactory(username=name) for name in ("prod", "ana", "bo"))
    loop = ContributionFactory(author=ana, title="Loop")
    song = ContributionFactory(author=bo, title="Song")
    RemixLink.objects.create(source=loop, remix=song)
    project = make_project(owner=prod, title="Night Bus")
    Submission.objects.create(
        project=project, contribution=song, submitted_by=bo, status="accepted"
    )
    project_release(project=project, actor=prod, credits=[CreditInput(song.id, 1)], commercial=True)
    return project, prod, ana, bo, loop


def balance(client) -> int:
    response = client.get("/api/payouts/me/")
    assert response.status_code == 200, response.content
    return sum(b["balance_minor"] for b in response.json()["balances"])


def test_an_anonymous_list_is_answered_by_the_replica(replica):
    make_project(title="Night Bus")
    make_project(title="Day Tram")
    replayed()

    with traced() as ran:
        listed = APIClient().get("/api/projects/")
        page = Client().get("/contributions/")

    assert listed.status_code == 200 and page.status_code == 200
    assert {p["title"] for p in listed.json()["results"]} == {"Night Bus", "Day Tram"}
    assert read_by(ran, "projects_project") == {"replica"}
    assert read_by(ran, "contributions_contribution") == {"replica"}
    assert is_standby("replica") and not is_standby("default")


def test_a_read_after_a_write_in_the_same_request_uses_the_primary(replica):
    # A named token's first use is noted (a write) while the GET authenticates: the rest of
    # that request must not read from a replica that has not seen it.
    make_project(title="Night Bus")
    _, key = api_token_create(user=UserFactory(), name="script")
    replayed()

    with traced() as ran:
        first = APIClient().get("/api/projects/", HTTP_AUTHORIZATION=f"Token {key}")
    assert first.status_code == 200
    assert any(alias == "default" and sql.startswith("UPDATE") for alias, sql in ran)
    assert read_by(ran, "projects_project") == {"default"}

    # The pin it earned lapses; the next use writes nothing, and reads from the replica.
    time.sleep(settings.HITREC_REPLICA_PIN_SECONDS + 0.1)
    with traced() as ran:
        APIClient().get("/api/projects/", HTTP_AUTHORIZATION=f"Token {key}")
    assert read_by(ran, "projects_project") == {"replica"}


def test_a_cached_public_list_is_filled_from_the_primary_never_from_a_lagging_replica(pause):
    # A stored response is served to everyone until the next change: built on a replica
    # that lags, it would stay stale long after the replica caught up (hitrec/caching.py).
    pause()
    work = ContributionFactory(title="Fresh off the bus")

    with traced() as ran:
        listed = APIClient().get("/api/contributions/")

    assert work.id in [w["id"] for w in listed.json()["results"]]
    assert read_by(ran, "contributions_contribution") == {"default"}


def test_while_replay_is_paused_writers_see_their_work_and_nobody_sees_stale_money(pause):
    project, prod, ana, bo, loop = released_project()
    ana_api, prod_api, bo_api = token_client(ana), token_client(prod), token_client(bo)
    ana_browser = APIClient()
    ana_browser.force_login(ana)
    bo_before = balance(bo_api)
    pause()

    # ana uploads and comments through the API (a token), and comments from her browser
    upload = ana_api.post(
        "/api/contributions/", {"title": "New verse", "text": "Night bus."}, format="multipart"
    )
    assert upload.status_code == 201, upload.content
    new_work = upload.json()["id"]
    said = ana_api.post(f"/api/contributions/{loop.id}/comments/", {"body": "By token"})
    assert said.status_code == 201, said.content
    clicked = ana_browser.post(f"/api/contributions/{loop.id}/comments/", {"body": "By browser"})
    assert clicked.status_code == 201, clicked.content
    assert replicas.PIN_COOKIE in clicked.cookies
    # the producer records revenue: everyone credited earns
    earned = prod_api.post(
        f"/api/projects/{project.id}/revenue/",
        {"amount": "10.00", "currency": "USD", "note": "streams"},
        HTTP_IDEMPOTENCY_KEY="paused-1",
    )
    assert earned.status_code == 201, earned.content
    pinned_until = float(clicked.cookies[replicas.PIN_COOKIE].value)

    # The writer sees their own work at once: pinned to the primary, by the cache's key for
    # a program without cookies, and by the cookie (and the key) in the browser.
    with traced() as ran:
        own_upload = fresh(ana_api).get(f"/api/contributions/{new_work}/comments/")
        by_token = fresh(ana_api).get(f"/api/contributions/{loop.id}/comments/")
        by_browser = ana_browser.get(f"/api/contributions/{loop.id}/comments/")
    assert own_upload.status_code == 200
    assert {c["body"] for c in by_token.json()["results"]} == {"By token", "By browser"}
    assert {c["body"] for c in by_browser.json()["results"]} == {"By token", "By browser"}
    assert read_by(ran, "community_comment") == {"default"}

    # Someone who wrote nothing reads public lists from the replica: a moment behind.
    with traced() as ran:
        anonymous = APIClient().get(f"/api/contributions/{loop.id}/comments/")
        not_yet = APIClient().get(f"/api/contributions/{new_work}/comments/")
    assert anonymous.status_code == 200 and anonymous.json()["results"] == []
    assert not_yet.status_code == 404
    assert read_by(ran, "community_comment") == {"replica"}
    assert is_standby("replica")

    # Nobody's money is stale: bo wrote nothing, yet his balance and earnings page are
    # read from the primary; so are the producer's own.
    with traced() as ran:
        bo_after = balance(fresh(bo_api))
        bo_browser = Client()
        bo_browser.force_login(bo)
        dashboard = bo_browser.get("/dashboard/")
        prod_balance = balance(fresh(prod_api))
    assert bo_after - bo_before == 375
    assert prod_balance == 500
    assert dashboard.status_code == 200 and "3.75" in dashboard.content.decode()
    assert read_by(ran, "royalties_posting") == {"default"}
    assert "replica" not in {alias for alias, sql in ran if '"royalties_' in sql}

    # The health check says the replica is behind; the site is up.
    health = APIClient().get("/api/health/")
    assert health.status_code == 200
    check = health.json()["checks"]["replica"]
    assert (check["status"], check["replay_paused"], check["required"]) == ("degraded", True, False)
    assert health.json()["status"] == "degraded"
    assert health.json()["checks"]["database"]["status"] == "ok"

    # Once the pin runs out, the writer reads from the replica like everyone else.
    time.sleep(max(0.0, pinned_until - time.time()) + 0.1)
    with traced() as ran:
        later = fresh(ana_api).get(f"/api/contributions/{new_work}/comments/")
    assert later.status_code == 404
    assert read_by(ran, "contributions_contribution") == {"replica"}


def test_a_statement_document_comes_from_the_replica_and_its_balance_from_the_primary(replica):
    project, prod, ana, bo, loop = released_project()
    revenue_record(
        project=project, actor=prod, amount="80.00", currency="USD", idempotency_key="doc"
    )
    [statement] = [
        s for s in statements_build_month(period=timezone.now().date()) if s.user_id == ana.id
    ]
    statement_issue(statement=statement, actor=StaffFactory())
    replayed()
    ana_api = token_client(ana)

    with traced() as ran:
        document = ana_api.get(f"/api/payouts/statements/{statement.id}/?format=csv")
    assert document.status_code == 200, document.content
    assert "10.00" in document.content.decode()
    assert read_by(ran, "royalties_statement") == {"replica"}
    assert read_by(ran, "royalties_statementline") == {"replica"}

    with traced() as ran:
        detail = fresh(ana_api).get(f"/api/payouts/statements/{statement.id}/")
        balance(fresh(ana_api))
    assert detail.status_code == 200
    assert "replica" not in {alias for alias, sql in ran if '"royalties_' in sql}


def test_with_the_replica_down_reads_fall_back_to_the_primary_and_health_says_degraded(
    replica, settings, monkeypatch
):
    make_project(title="Night Bus")
    replayed()
    settings.HITREC_REPLICA_RETRY_SECONDS = 1
    working = replica.settings_dict
    replica.close()
    replica.settings_dict = {**working, "PORT": NOTHING_LISTENS}
    connects = []
    real_connect = replica.connect
    monkeypatch.setattr(replica, "connect", lambda: connects.append(1) or real_connect())

    with traced() as ran:
        first = APIClient().get("/api/projects/")
        second = APIClient().get("/api/projects/")

    assert first.status_code == second.status_code == 200
    assert [p["title"] for p in second.json()["results"]] == ["Night Bus"]
    assert read_by(ran, "projects_project") == {"default"}
    assert not any(alias == "replica" for alias, _ in ran)
    # The first read found it down; the breaker spared the second request a connect.
    assert len(connects) == 1 and replicas.BREAKER.down

    health = APIClient().get("/api/health/")
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "degraded"
    check = body["checks"]["replica"]
    assert (check["reachable"], check["status"], check["required"]) == (False, "degraded", False)
    assert "reads go to the primary" in check["detail"]
    assert all(body["checks"][name]["status"] == "ok" for name in ("database", "broker", "storage"))

    # Back up: once the breaker's wait is over, the next read tries it again and stays.
    replica.close()
    replica.settings_dict = working
    time.sleep(1.1)
    with traced() as ran:
        APIClient().get("/api/projects/")
    assert read_by(ran, "projects_project") == {"replica"}
    assert not replicas.BREAKER.down
    assert APIClient().get("/api/health/").json()["checks"]["replica"]["status"] == "ok"
