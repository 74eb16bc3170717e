"""Faults: Redis restarts with jobs queued; the database connection breaks mid revenue post.

Afterwards every job has been done once, no revenue event is lost or doubled, and the ledger
balances. (A worker killed in the middle of a job: test_worker_killed.py.) The web process
and the worker are the Procfile's, talking to a private redis-server that can be restarted,
never to the machine's shared one.
"""

from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import requests
from django.db.models import Sum
from PIL import Image
from rest_framework.authtoken.models import Token

from contributions.models import Contribution, RemixLink
from media.models import Rendition
from projects.models import Submission
from projects.services import CreditInput, project_release
from royalties.models import Allocation, JournalEntry, Posting, ReleaseParty, RevenueEvent
from royalties.selectors import payable_balances
from tests.accounts.factories import UserFactory
from tests.contributions.factories import ContributionFactory
from tests.integration.worker import (
    FAST_RESTORE,
    VISIBILITY_TIMEOUT_S,
    RedisServer,
    WebProcess,
    WorkerProcess,
    configured_queues,
    database_url,
    jobs_in_process,
    service_env,
    unacked,
    wait_for,
)
from tests.media.samples import ffmpeg
from tests.projects.factories import make_project

pytestmark = pytest.mark.integration

DONE = [Contribution.Status.READY, Contribution.Status.FAILED]


def _session(user) -> requests.Session:
    """An HTTP client signed in with the person's API token, as an outside program is."""
    http = requests.Session()
    http.headers["Authorization"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
    return http


def _upload(http: requests.Session, web: WebProcess, path) -> int:
    with open(path, "rb") as handle:
        response = http.post(
            f"{web.url}/api/contributions/",
            data={"title": path.stem},
            files={"file": (path.name, handle)},
            timeout=60,
        )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_jobs_queued_when_redis_restarts_are_each_done_once(
    _postgresql_required, transactional_db, tmp_path, worker_media_root
):
    (tmp_path / "redis").mkdir()
    redis = RedisServer(data_dir=tmp_path / "redis")
    env = service_env(redis_url=redis.url, media_root=worker_media_root, var_dir=tmp_path)
    web = WebProcess(env=env, log_path=tmp_path / "web.log")
    queues = configured_queues()
    worker = WorkerProcess(
        queues=queues, consume=["media"], name="media-restart", redis_url=redis.url,
        media_root=worker_media_root, extra_env=FAST_RESTORE, log_path=tmp_path / "worker.log",
    )  # fmt: skip
    # One job that transcodes for seconds (a codec browsers can't play), then six quick ones
    # that wait in Redis behind it.
    clip = tmp_path / "slow-take.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=640x480:rate=25:duration=12",
           "-c:v", "mpeg4", "-an", clip)  # fmt: skip
    pictures = []
    for n in range(6):
        pictures.append(tmp_path / f"picture-{n}.png")
        Image.new("RGB", (900, 600), (40 * n, 200 - 30 * n, 90)).save(pictures[-1])
    http = _session(UserFactory())

    redis.start()
    try:
        web.start()
        worker.start()
        slow = _upload(http, web, clip)
        quick = [_upload(http, web, picture) for picture in pictures]
        wait_for(
            lambda: Contribution.objects.filter(pk=slow, progress_stage="preview").exists(),
            timeout=60,
            what="the slow job to reach its transcoding stage",
        )
        waiting = redis.client().llen(queues["media"])

        redis.stop()  # SIGTERM: Redis writes out its append-only file and exits
        assert not redis.answers()
        redis.start()  # same port, same folder: the queue is read back from the file

        wait_for(
            lambda: (
                Contribution.objects.filter(pk__in=[slow, *quick], status__in=DONE).count()
                == len(quick) + 1
            ),
            timeout=240,
            what="every job to finish after the restart",
            interval=0.5,
        )
        # The broker is left with nothing: no job waiting, none delivered but unacknowledged
        # (a delivery the restart cut off is handed out again, and its rerun is a no-op).
        broker = redis.client()
        wait_for(
            lambda: not broker.llen(queues["media"]) and not unacked(broker, queues["media"]),
            timeout=VISIBILITY_TIMEOUT_S + 40,
            what="the broker to hold no job",
            interval=0.5,
        )
    finally:
        worker.stop()
        web.stop()
        redis.stop()

    assert waiting >= 4  # most of the quick jobs were still queued when Redis went down
    contributions = Contribution.objects.filter(pk__in=[slow, *quick]).order_by("pk")
    assert [(c.pk, c.status, c.error) for c in contributions] == [
        (pk, "ready", "") for pk in [slow, *quick]
    ]
    # Each job did its work exactly once, and stored each rendition once.
    assert {pk: worker.processed(pk) for pk in [slow, *quick]} == dict.fromkeys([slow, *quick], 1)
    names = {
        pk: sorted(Rendition.objects.filter(contribution_id=pk).values_list("name", flat=True))
        for pk in quick
    }
    assert all(found == names[quick[0]] for found in names.values())
    assert "thumb-256.webp" in names[quick[0]]
    assert Rendition.objects.filter(contribution_id=slow, name="preview.mp4").count() == 1


@pytest.fixture
def released_project(transactional_db):
    """Producer keeps 1/2; Song (bo) keeps 3/8; Loop (ana), Song's source, keeps 1/8.

    Its jobs (the release's preparation, notifications) run here: the test is about the post.
    """
    with jobs_in_process():
        producer, ana, bo = (UserFactory(username=name) for name in ("prod", "ana", "bo"))
        loop = ContributionFactory(author=ana, title="Loop")
        song = ContributionFactory(author=bo, title="Song")
        RemixLink.objects.create(source=loop, remix=song)
        project = make_project(owner=producer, title="Night Bus")
        Submission.objects.create(
            project=project, contribution=song, submitted_by=bo, status="accepted"
        )
        project_release(
            project=project, actor=producer, credits=[CreditInput(song.id, 1)], commercial=True
        )
    assert ReleaseParty.objects.filter(release__project=project).count() == 3
    return project


def test_a_revenue_post_cut_off_mid_transaction_is_recorded_once_on_retry(
    _postgresql_required, released_project, tmp_path, worker_media_root
):
    project = released_project
    # No REDIS_URL: the web process runs the post's follow-up jobs itself.
    env = service_env(redis_url="", media_root=worker_media_root, var_dir=tmp_path)
    web = WebProcess(env=env, log_path=tmp_path / "web.log")
    http = _session(project.owner)
    url = f"{web.url}/api/projects/{project.id}/revenue/"
    body = {"amount": "12.34", "currency": "USD", "note": "streams, November"}
    key = {"Idempotency-Key": "distributor-2026-11"}

    def post() -> requests.Response:
        return http.post(url, json=body, headers=key, timeout=60)

    web.start()
    # Another session locks the release's parties, so the post stops where it updates their
    # running totals: after it has written its event and allocations, before it commits.
    other = psycopg.connect(database_url())
    try:
        with other.cursor() as sql:
            sql.execute(
                f"SELECT id FROM {ReleaseParty._meta.db_table} "  # noqa: S608 - our table name
                "WHERE release_id = %s FOR UPDATE",
                [project.release.id],
            )
            with ThreadPoolExecutor(max_workers=1) as client:
                cut_off = client.submit(post)

                def waiting_for_the_parties():
                    # A post that ended without waiting failed the test's premise: say how.
                    if cut_off.done():
                        answer = cut_off.result()
                        raise AssertionError(
                            f"the post ended without waiting: {answer.status_code} {answer.text}"
                        )
                    # pg_stat_activity is read once per transaction and kept until its end:
                    # without clearing it, a post whose connection opened after the first
                    # look would never be seen waiting (it flaked so on loaded CI).
                    sql.execute("SELECT pg_stat_clear_snapshot()")
                    return sql.execute(
                        "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                        [other.info.backend_pid],
                    ).fetchone()

                # As long as the post's own timeout: a loaded CI machine may take a while to
                # get a fresh gunicorn worker to the lock.
                blocked = wait_for(
                    waiting_for_the_parties,
                    timeout=60,
                    what="the revenue post to wait for the parties' lock",
                )[0]
                sql.execute(
                    "SELECT count(*) FROM pg_locks WHERE pid = %s AND mode = 'RowExclusiveLock' "
                    "AND relation IN (%s::regclass, %s::regclass)",
                    [blocked, RevenueEvent._meta.db_table, Allocation._meta.db_table],
                )
                written = sql.fetchone()[0]
                sql.execute("SELECT pg_terminate_backend(%s)", [blocked])
                other.rollback()
                response = cut_off.result(timeout=60)

        assert written == 2  # it was mid-transaction: event and allocation rows written
        assert response.status_code == 500
        # The broken transaction left nothing behind.
        assert not RevenueEvent.objects.exists()
        assert not Posting.objects.exists()
        assert ReleaseParty.objects.aggregate(total=Sum("allocated_minor"))["total"] == 0

        retried = post()
        again = post()
    finally:
        other.close()
        web.stop()

    assert (retried.status_code, again.status_code) == (201, 200), retried.text
    assert again.json() == retried.json()
    event = RevenueEvent.objects.get()
    allocations = dict(
        Allocation.objects.filter(event=event).values_list("user_id", "amount_minor")
    )
    assert event.amount_minor == sum(allocations.values()) == 1234
    assert {a["user"]: a["amount_minor"] for a in retried.json()["allocations"]} == allocations
    # The ledger balances, entry by entry, and each person's balance is their allocation.
    assert JournalEntry.objects.filter(event=event).count() == 1
    entry_sums = Posting.objects.values("entry").annotate(total=Sum("amount_minor"))
    assert [row["total"] for row in entry_sums] == [0]
    for party in ReleaseParty.objects.filter(release=project.release).select_related("user"):
        assert party.allocated_minor == allocations[party.user_id]
        assert payable_balances(user=party.user) == {"USD": allocations[party.user_id]}
