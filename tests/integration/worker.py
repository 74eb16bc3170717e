"""A real Celery worker process, on Redis, reading the test database: the integration fixture."""

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from hitrec.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    """The URL of the test database this process uses, for the worker to use too."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{db.get('HOST') or ''}{port}/{db['NAME']}"


class WorkerProcess:
    """One `celery worker` subprocess consuming a queue private to this test session."""

    def __init__(
        self,
        *,
        queue: str,
        media_root: str,
        log_path: Path,
        concurrency: int = 1,
        name: str | None = None,
        extra_env: dict[str, str] | None = None,
    ):
        self.queue = queue
        self.nodename = f"{name or queue}@{os.uname().nodename}"
        self.extra_env = extra_env or {}
        self.media_root = media_root
        self.log_path = log_path
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "hitrec.settings",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "MEDIA_ROOT": self.media_root,
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }
        celery = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"
        argv = [
            celery, "-A", "hitrec", "worker", "--loglevel=INFO", "--pool=prefork",
            f"--concurrency={self.concurrency}", f"--hostname={self.nodename}", f"--queues={self.queue}",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 - argv is ours
            argv, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited early; see {self.log_path}")
            if celery_app.control.ping(destination=[self.nodename], timeout=0.5):
                return
        self.stop()
        raise RuntimeError(f"worker did not answer within {timeout}s; see {self.log_path}")

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool children), as a crash would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        if not self.log.closed:
            self.log.close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        if not self.log.closed:
            self.log.close()


def _redis_reachable(url: str) -> bool:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        client.ping()
        client.close()
        return True
    except redis.RedisError:
        return False


@pytest.fixture(scope="session")
def celery_queue() -> str:
    return f"hitrec-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def worker_media_root(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("worker-media"))


@pytest.fixture(scope="session")
def _redis_required():
    if not settings.REDIS_URL or not _redis_reachable(settings.REDIS_URL):
        message = "integration tests need REDIS_URL pointing at a running Redis"
        if os.environ.get("HITREC_REQUIRE_SERVICES"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def celery_worker_process(
    _redis_required, django_db_setup, django_db_blocker, celery_queue, worker_media_root,
    tmp_path_factory,
):  # fmt: skip
    """A worker started once per session; stopped before the test database is dropped."""
    celery_app.conf.task_default_queue = celery_queue
    worker = WorkerProcess(
        queue=celery_queue,
        media_root=worker_media_root,
        log_path=tmp_path_factory.mktemp("worker") / "worker.log",
    )
    with django_db_blocker.unblock():
        worker.start()
    yield worker
    worker.stop()
    # Close this process's connections so the test database can be dropped.
    with django_db_blocker.unblock():
        connection.close()


@pytest.fixture
def celery_worker(celery_worker_process, transactional_db, settings, worker_media_root):
    """Use in integration tests: tasks go through Redis to the real worker process."""
    settings.MEDIA_ROOT = worker_media_root
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = celery_worker_process.queue
    yield celery_worker_process
    celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = previous
