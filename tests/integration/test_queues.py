"""Separate queues for media and money, and the Procfile, compose.yaml and Dockerfile run them.

A flood of uploads keeps the media worker busy while a money job is done at once by the
other worker; the Procfile's processes (gunicorn, both workers, beat) run for real here; the
compose file and the image run the Procfile's commands.
"""

import re
import shlex

import pytest
import redis
import requests
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from rest_framework.authtoken.models import Token

from contributions.models import Contribution, RemixLink
from hitrec.celery import app as celery_app
from hitrec.celery import route_task
from projects.models import Release, Submission
from projects.services import CreditInput, project_release
from royalties.models import Statement, StatementRun
from tests.accounts.factories import StaffFactory, UserFactory
from tests.accounts.two_factor import second_factor_session
from tests.contributions.factories import ContributionFactory
from tests.integration.worker import (
    ROOT,
    ProcfileProcess,
    RedisServer,
    WebProcess,
    WorkerProcess,
    jobs_in_process,
    procfile,
    service_env,
    wait_for,
)
from tests.media.samples import ffmpeg
from tests.projects.factories import make_project

DONE = [Contribution.Status.READY, Contribution.Status.FAILED]
# The jobs of the money and default queues; the media sweeper is on the default queue
# (hitrec/celery.py), and beat sends it every ten minutes, so a run that spans one sees it.
MONEY_AND_DEFAULT_JOBS = re.compile(
    r"(royalties|notifications|accounts|proposals|hitrec)\.|media\.requeue_unfinished$"
)


def _project_with_song():
    """An open project with an accepted song (bo) remixing a loop (ana), ready for release."""
    producer, ana, bo = (UserFactory(username=name) for name in ("prod", "ana", "bo"))
    loop = ContributionFactory(author=ana, title="Loop")
    song = ContributionFactory(author=bo, title="Song")
    RemixLink.objects.create(source=loop, remix=song)
    project = make_project(owner=producer, title="Night Bus")
    Submission.objects.create(
        project=project, contribution=song, submitted_by=bo, status="accepted"
    )
    return project, song


@pytest.mark.integration
def test_a_money_job_is_done_while_a_flood_of_uploads_waits_on_the_media_queue(
    _postgresql_required,
    real_queues,
    worker_media_root,
    tmp_path,
    user_client,
    api_client,
    settings,
):
    media, money = (
        WorkerProcess(
            queues=real_queues,
            consume=consume,
            name=f"{real_queues['media']}-{kind}",
            media_root=worker_media_root,
            log_path=tmp_path / f"{kind}.log",
        )  # fmt: skip
        for kind, consume in (("media", ["media"]), ("money", ["money", "default"]))
    )
    # Clips in a codec browsers can't play: each job spends a second or more transcoding.
    clip = tmp_path / "take.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=640x480:rate=25:duration=8",
           "-c:v", "mpeg4", "-an", clip)  # fmt: skip
    with jobs_in_process():
        project, song = _project_with_song()
    broker = redis.Redis.from_url(settings.REDIS_URL)
    media.start()
    money.start()
    try:
        project_release(
            project=project, actor=project.owner, credits=[CreditInput(song.id, 1)],
            commercial=True,
        )  # fmt: skip
        api_client.force_authenticate(project.owner)
        earned = api_client.post(
            f"/api/projects/{project.id}/revenue/",
            {"amount": "100.00", "currency": "USD"},
            HTTP_IDEMPOTENCY_KEY="november",
        )
        assert earned.status_code == 201, earned.json()
        uploads = [
            user_client.post(
                "/api/contributions/",
                {"title": f"Take {n}", "file": SimpleUploadedFile("take.mp4", clip.read_bytes())},
                format="multipart",
            ).json()["id"]
            for n in range(5)
        ]  # fmt: skip

        api_client.force_authenticate(StaffFactory())
        run = api_client.post(
            "/api/payouts/statements/build/", {"period": f"{timezone.now():%Y-%m}"}
        )
        assert run.status_code == 202, run.json()
        wait_for(
            lambda: StatementRun.objects.filter(pk=run.json()["id"], status="done").exists(),
            timeout=60,
            what="the statement run on the money worker",
        )
        # The money job is done while the uploads are still waiting for the media worker.
        still_queued = broker.llen(real_queues["media"])
        not_done = Contribution.objects.filter(pk__in=uploads).exclude(status__in=DONE).count()

        wait_for(
            lambda: Contribution.objects.filter(pk__in=uploads, status__in=DONE).count() == 5,
            timeout=240,
            what="the media worker to work through the uploads",
            interval=0.5,
        )
    finally:
        media.stop()
        money.stop()

    assert still_queued >= 2
    assert not_done >= 3
    assert Statement.objects.filter(user__username__in=["prod", "ana", "bo"]).count() == 3
    assert (
        list(Contribution.objects.filter(pk__in=uploads).values_list("status", flat=True))
        == ["ready"] * 5
    )
    # Each worker took jobs from its own queues only.
    assert set(media.tasks("received")) == {"media.process_contribution"}
    assert media.tasks("received") == media.tasks("succeeded") != []
    assert {
        "royalties.prepare_release",
        "royalties.build_statements",
        "royalties.build_statement_batch",
    } <= set(money.tasks())
    assert all(MONEY_AND_DEFAULT_JOBS.match(name) for name in money.tasks("received"))


@pytest.mark.integration
def test_the_procfile_runs_web_workers_and_beat_for_real(
    _postgresql_required, transactional_db, worker_media_root, tmp_path
):
    """gunicorn, worker-media, worker-money and beat, started from their Procfile lines."""
    (tmp_path / "redis").mkdir()
    broker = RedisServer(data_dir=tmp_path / "redis")
    env = {
        **service_env(redis_url=broker.url, media_root=worker_media_root, var_dir=tmp_path),
        "CELERY_WORKER_CONCURRENCY": "1",
    }
    web = WebProcess(env=env, log_path=tmp_path / "web.log")
    others = {
        kind: ProcfileProcess(kind, env=env, log_path=tmp_path / f"{kind}.log")
        for kind in ("worker-media", "worker-money", "beat")
    }
    with jobs_in_process():
        project, song = _project_with_song()
    artist, staff = UserFactory(), StaffFactory()
    tokens = {user: Token.objects.create(user=user).key for user in (project.owner, artist, staff)}

    def as_(user) -> requests.Session:
        http = requests.Session()
        if user.is_staff:  # staff powers need a session that passed a second factor
            cookies, headers = second_factor_session(user)
            http.cookies.update(cookies)
            http.headers.update(headers)
        else:
            http.headers["Authorization"] = f"Token {tokens[user]}"
        return http

    picture = tmp_path / "sketch.png"
    Image.new("RGB", (640, 480), (200, 120, 40)).save(picture)
    broker.start()
    try:
        for process in others.values():
            process.start()
        web.start()
        others["worker-media"].wait_for_log(" ready.")
        others["worker-money"].wait_for_log(" ready.")
        others["beat"].wait_for_log("beat: Starting")

        with open(picture, "rb") as handle:
            uploaded = as_(artist).post(
                f"{web.url}/api/contributions/",
                data={"title": "Sketch"},
                files={"file": ("sketch.png", handle)},
                timeout=60,
            )
        released = as_(project.owner).post(
            f"{web.url}/api/projects/{project.id}/release/",
            json={"credits": [{"contribution": song.id, "weight": "1"}], "commercial": True},
            timeout=60,
        )
        earned = as_(project.owner).post(
            f"{web.url}/api/projects/{project.id}/revenue/",
            json={"amount": "12.34", "currency": "USD", "note": "streams"},
            headers={"Idempotency-Key": "procfile-1"},
            timeout=60,
        )
        run = as_(staff).post(
            f"{web.url}/api/payouts/statements/build/",
            json={"period": f"{timezone.now():%Y-%m}"},
            timeout=60,
        )
        assert [r.status_code for r in (uploaded, released, earned, run)] == [201, 201, 201, 202]
        wait_for(
            lambda: (
                Contribution.objects.filter(pk=uploaded.json()["id"], status__in=DONE).exists()
                and StatementRun.objects.filter(pk=run.json()["id"], status="done").exists()
            ),
            timeout=90,
            what="the upload and the statement run to be done",
            interval=0.3,
        )
        issuing = as_(staff).post(
            f"{web.url}/api/payouts/statements/issue/",
            json={"period": f"{timezone.now():%Y-%m}"},
            timeout=60,
        )
        assert issuing.status_code == 202, issuing.json()
        wait_for(
            lambda: StatementRun.objects.filter(pk=issuing.json()["id"], status="done").exists(),
            timeout=60,
            what="the month's statements to be issued",
            interval=0.3,
        )
        assert all(process.running() for process in [web, *others.values()])
    finally:
        web.stop()
        for process in others.values():
            process.stop()
        broker.stop()

    assert Contribution.objects.get(pk=uploaded.json()["id"]).status == "ready"
    assert Release.objects.get(project=project).parties.count() == 3
    assert Statement.objects.filter(user__username__in=["prod", "ana", "bo"]).count() == 3
    assert set(Statement.objects.values_list("status", flat=True)) == {"issued"}
    media_jobs = others["worker-media"].tasks()
    money_jobs = others["worker-money"].tasks()
    assert media_jobs == ["media.process_contribution"]
    assert {
        "royalties.prepare_release",
        "royalties.build_statements",
        "royalties.build_statement_batch",
        "royalties.issue_statements",
    } <= set(money_jobs)
    assert all(MONEY_AND_DEFAULT_JOBS.match(name) for name in money_jobs)
    assert list(tmp_path.glob("celerybeat-schedule*"))  # beat keeps its last-run times there
    assert f'"POST /api/projects/{project.id}/revenue/ HTTP/1.1" 201' in web.log_text()


# The files that describe how hitrec runs agree with each other (no Docker on this machine).


def _queues_of(command: str) -> set[str]:
    option = next(arg for arg in shlex.split(command) if arg.startswith("--queues="))
    return set(option.removeprefix("--queues=").split(","))


def test_every_job_goes_to_a_queue_exactly_one_procfile_worker_takes(settings):
    workers = {
        kind: _queues_of(command)
        for kind, command in procfile().items()
        if shlex.split(command)[:4] == ["celery", "-A", "hitrec", "worker"]
    }
    celery_app.loader.import_default_modules()  # every app's tasks, as a worker finds them
    jobs = sorted(name for name in celery_app.tasks if not name.startswith("celery."))

    takers = {
        job: [kind for kind, queues in workers.items() if route_task(job, (), {}, {})["queue"] in queues]
        for job in jobs
    }  # fmt: skip
    assert {job: len(kinds) for job, kinds in takers.items()} == dict.fromkeys(jobs, 1)
    assert takers["media.process_contribution"] == ["worker-media"]
    assert (
        takers["royalties.build_statements"]
        == takers["royalties.build_statement_batch"]
        == takers["royalties.prepare_release"]
        == ["worker-money"]
    )
    # Nothing but the media jobs shares the media worker's queue: uploads never delay other
    # jobs (the sound index's rebuild is the media pipeline's own, and rare).
    assert workers["worker-media"] == {settings.HITREC_QUEUE_MEDIA}
    assert [job for job, kinds in takers.items() if kinds == ["worker-media"]] == [
        "media.process_contribution",
        "media.sound_index_rebuild",
    ]


def test_compose_runs_each_procfile_process_with_the_services_wired():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    processes = procfile()
    settings_text = (ROOT / "hitrec" / "settings.py").read_text()
    read_by_settings = set(re.findall(r'env_\w+\("([A-Z0-9_]+)"', settings_text))
    read_by_gunicorn = {"PORT", "WEB_CONCURRENCY"}

    for kind, command in processes.items():
        assert shlex.split(services[kind]["command"]) == shlex.split(command), kind
    for name in ("web", "worker-media", "worker-money", "beat", "migrate"):
        env = services[name]["environment"]
        assert set(env) <= read_by_settings | read_by_gunicorn, name
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://redis:")
        assert env["AWS_S3_ENDPOINT_URL"] == "http://s3:9000"
        assert services[name]["build"] == "."
    for service in services.values():
        for dependency in service.get("depends_on", []):
            assert dependency in services
    assert {"postgres", "redis", "s3", "s3-bucket"} <= set(services)
    # The bucket the apps use is the one the bucket job creates, on the store they point at.
    bucket = services["web"]["environment"]["AWS_STORAGE_BUCKET_NAME"]
    assert f"local/{bucket}" in " ".join(services["s3-bucket"]["command"])


def test_the_image_serves_the_procfiles_web_command():
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE).group(1)

    assert yaml.safe_load(cmd) == shlex.split(procfile()["web"])
    assert "COPY requirements.txt" in dockerfile
    assert ".venv" in (ROOT / ".dockerignore").read_text().split()
