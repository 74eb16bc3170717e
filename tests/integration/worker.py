"""Real Celery worker processes (and, for fault tests, a private Redis), reading the test database."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

from hitrec.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# The queue settings of hitrec/settings.py, by role; hitrec.celery.route_task reads them.
QUEUE_SETTINGS = {
    "default": "HITREC_QUEUE_DEFAULT",
    "media": "HITREC_QUEUE_MEDIA",
    "money": "HITREC_QUEUE_MONEY",
}


# Redis hands a job nobody acknowledged to another worker after this many seconds. Longer
# than any job in these tests takes (or a running job is handed out again: the pitfall
# DESIGN.md names), yet short enough to wait for; workers sweep for such jobs every second.
VISIBILITY_TIMEOUT_S = 20
FAST_RESTORE = {
    "CELERY_BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT_S),
    "CELERY_BROKER_RESTORE_INTERVAL": "1",
    "CELERY_BROKER_RESTORE_THROTTLE": "1",
}


def database_url() -> str:
    """The URL of the test database this process uses, for the worker to use too."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{db.get('HOST') or ''}{port}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def configured_queues() -> dict[str, str]:
    """The queue names the settings give (default, media, money): what a deployment uses."""
    return {role: getattr(settings, setting) for role, setting in QUEUE_SETTINGS.items()}


def unacked(broker, queue: str) -> int:
    """How many jobs of this queue Redis holds delivered but not yet acknowledged (kombu)."""
    return sum(f'"{queue}"'.encode() in body for body in broker.hvals("unacked"))


def private_queues(prefix: str) -> dict[str, str]:
    """Names for the three queues (default, media, money) that no other test run consumes."""
    return {role: f"{prefix}.{role}" for role in QUEUE_SETTINGS}


def queue_env(queues: dict[str, str]) -> dict[str, str]:
    """The environment that gives a process (worker, web, beat) these queue names."""
    return {QUEUE_SETTINGS[role]: name for role, name in queues.items()}


def route_to(settings, queues: dict[str, str]) -> None:
    """Send this process's jobs to these queues (pytest-django's `settings` undoes it)."""
    for setting, name in queue_env(queues).items():
        setattr(settings, setting, name)


def wait_for(predicate, *, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


class WorkerProcess:
    """One `celery worker` subprocess consuming some of a test's private queues.

    `queues` names all three (the worker routes jobs it enqueues itself by them); `consume`
    picks the roles this worker takes jobs from.
    """

    def __init__(
        self,
        *,
        queues: dict[str, str],
        media_root: str,
        log_path: Path,
        consume: Iterable[str] = ("default", "media", "money"),
        concurrency: int = 1,
        name: str | None = None,
        redis_url: str | None = None,
        extra_env: dict[str, str] | None = None,
    ):
        self.queues = dict(queues)
        self.consume = tuple(consume)
        self.nodename = f"{name or uuid.uuid4().hex[:8]}@{os.uname().nodename}"
        self.redis_url = redis_url or settings.REDIS_URL
        self.extra_env = extra_env or {}
        self.media_root = media_root
        self.log_path = log_path
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None
        self.log = None  # opened by start(); stop() may be called without it

    def start(self, timeout: float = 60) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "hitrec.settings",
            "DATABASE_URL": database_url(),
            # The replica's URL names the real database, not this run's test database.
            "DATABASE_REPLICA_URL": "",
            "REDIS_URL": self.redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "MEDIA_ROOT": self.media_root,
            "PYTHONUNBUFFERED": "1",
            **queue_env(self.queues),
            **self.extra_env,
        }
        celery = shutil.which("celery", path=str(BIN)) or "celery"
        argv = [
            celery, "-A", "hitrec", "worker", "--loglevel=INFO", "--pool=prefork",
            f"--concurrency={self.concurrency}", f"--hostname={self.nodename}",
            "--queues=" + ",".join(self.queues[role] for role in self.consume),
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
            if self.ping():
                return
        self.stop()
        raise RuntimeError(f"worker did not answer within {timeout}s; see {self.log_path}")

    def ping(self) -> bool:
        """Whether the worker answers through its broker (which may not be this process's).

        A bare app on that broker asks: Celery's control commands publish through the app's
        own producer pool whatever connection they are given.
        """
        with Celery("ping", broker=self.redis_url, set_as_current=False) as probe:
            return bool(probe.control.ping(destination=[self.nodename], timeout=0.5))

    def idle(self) -> bool:
        """Whether no job is running or reserved on this worker and none waits in its queues.

        A test's jobs may still run after the test has what it waits for (a notification
        after an itemisation): the test database must not be emptied under them.
        """
        import redis

        with Celery("probe", broker=self.redis_url, set_as_current=False) as probe:
            inspect = probe.control.inspect(destination=[self.nodename], timeout=1)
            active, reserved = inspect.active(), inspect.reserved()
        if active is None or reserved is None:  # no answer: busy, or not yet listening
            return False
        if any(active.values()) or any(reserved.values()):
            return False
        client = redis.Redis.from_url(self.redis_url)
        try:
            return not any(client.llen(self.queues[role]) for role in self.consume)
        finally:
            client.close()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def tasks(self, outcome: str = "succeeded") -> list[str]:
        """Names of the tasks this worker logged as received or succeeded, in order."""
        return re.findall(rf"Task ([\w.]+)\[[^\]]+\] {outcome}", self.log_text())

    def processed(self, contribution_id: int) -> int:
        """How many times this worker did a media job's work (not merely ran the task)."""
        return self.log_text().count(f"contribution {contribution_id}: processed")

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool children), as a crash would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        if self.log is not None and not self.log.closed:
            self.log.close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.log is not None and not self.log.closed:
            self.log.close()


class RedisServer:
    """A private redis-server on a free port, persisting to its own folder (append-only file).

    For the fault tests: it can be stopped and started again on the same port with the same
    data, which the machine's shared Redis must never be.
    """

    def __init__(self, *, data_dir: Path):
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None
        self.log = None  # opened by start(); stop() may be called without it

    def start(self, timeout: float = 20) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed on this machine")
        argv = [
            binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.data_dir),
            "--save", "", "--appendonly", "yes", "--appendfsync", "always",
        ]  # fmt: skip
        self.log = open(self.data_dir / "redis.log", "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 - argv is ours
            argv, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_for(self.answers, timeout=timeout, what=f"redis-server on port {self.port}")

    def answers(self) -> bool:
        import redis

        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def client(self):
        import redis

        return redis.Redis.from_url(self.url)

    def stop(self) -> None:
        """SIGTERM: Redis flushes its append-only file and exits, as a restart would."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        if self.log is not None and not self.log.closed:
            self.log.close()


def procfile() -> dict[str, str]:
    """The Procfile's process types and their commands."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))


def service_env(*, redis_url: str, media_root: str, var_dir: Path) -> dict[str, str]:
    """What a deployment sets for every process, pointed at the test database and this broker.

    No REDIS_URL ("") means jobs run inside the web process, as in the embedded default.
    """
    (var_dir / "staticfiles").mkdir(parents=True, exist_ok=True)  # served by WhiteNoise
    return {
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "DJANGO_SETTINGS_MODULE": "hitrec.settings",
        "SECRET_KEY": os.environ["SECRET_KEY"],  # production refuses to start without one
        "DATABASE_URL": database_url(),
        # Every read on the test database (DATABASE_REPLICA_URL names the real one; the
        # replica's own tests, tests/integration/test_replica.py, connect it themselves).
        "DATABASE_REPLICA_URL": "",
        "REDIS_URL": redis_url,
        "MEDIA_ROOT": media_root,
        "HITREC_VAR_DIR": str(var_dir),
        "PYTHONUNBUFFERED": "1",
        # Plain HTTP on 127.0.0.1, as behind a proxy that terminates TLS.
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
    }


class ProcfileProcess:
    """One of the Procfile's processes, run the way a process manager runs it (a shell line)."""

    def __init__(self, kind: str, *, env: dict[str, str], log_path: Path):
        self.kind = kind
        self.command = procfile()[kind]
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.log = None  # opened by start(); stop() may be called without it

    def start(self) -> None:
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 - the Procfile is ours
            ["/bin/sh", "-c", f"exec {self.command}"], cwd=ROOT, env={**os.environ, **self.env},
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def tasks(self, outcome: str = "succeeded") -> list[str]:
        return re.findall(rf"Task ([\w.]+)\[[^\]]+\] {outcome}", self.log_text())

    def wait_for_log(self, text: str, *, timeout: float = 60) -> None:
        def logged() -> bool:
            if not self.running():
                raise RuntimeError(f"{self.kind} exited; see {self.log_path}")
            return text in self.log_text()

        wait_for(logged, timeout=timeout, what=f"{self.kind} to log {text!r}", interval=0.3)

    def stop(self) -> None:
        if self.running():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if self.log is not None and not self.log.closed:
            self.log.close()


class WebProcess(ProcfileProcess):
    """The Procfile's `web` (gunicorn) on a free port; `url` answers once /api/health/ does."""

    def __init__(self, *, env: dict[str, str], log_path: Path):
        self.port = free_port()
        super().__init__("web", env={**env, "PORT": str(self.port), "WEB_CONCURRENCY": "1"},
                         log_path=log_path)  # fmt: skip
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        import requests

        super().start()

        def answers() -> bool:
            if not self.running():
                raise RuntimeError(f"gunicorn exited early; see {self.log_path}")
            try:
                return requests.get(f"{self.url}/api/health/", timeout=5).status_code in (200, 503)
            except (requests.ConnectionError, requests.Timeout):
                # Not up yet, or its worker still loading the app for its first request
                # (seconds on a busy machine, beside the Procfile's other processes starting).
                return False

        wait_for(answers, timeout=timeout, what=f"gunicorn on port {self.port}", interval=0.3)


@contextmanager
def jobs_in_process():
    """Run the jobs enqueued inside the block in this process: for a test's setup, whose jobs
    are not what it is about (and must not land in a queue nobody consumes)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = previous


def _redis_reachable(url: str) -> bool:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        client.ping()
        client.close()
        return True
    except redis.RedisError:
        return False


@pytest.fixture
def _postgresql_required():
    """For tests whose processes write at once: SQLite is the one-process quickstart."""
    if connection.vendor != "postgresql":
        pytest.skip("several processes write at once here: run it with DATABASE_URL=postgres://…")


@pytest.fixture(scope="session")
def celery_queues() -> dict[str, str]:
    """This session's own queues, so parallel test runs never take each other's jobs."""
    queues = private_queues(f"hitrec-test-{uuid.uuid4().hex[:8]}")
    yield queues
    if settings.REDIS_URL and _redis_reachable(settings.REDIS_URL):
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        client.delete(*queues.values())  # jobs a failed test left behind
        client.close()


@pytest.fixture(scope="session")
def worker_media_root(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("worker-media"))


@pytest.fixture(scope="session")
def _redis_required():
    if not settings.REDIS_URL or not _redis_reachable(settings.REDIS_URL):
        message = "this test needs REDIS_URL pointing at a running Redis"
        if os.environ.get("HITREC_REQUIRE_SERVICES"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def celery_worker_process(
    _redis_required, django_db_setup, django_db_blocker, celery_queues, worker_media_root,
    tmp_path_factory,
):  # fmt: skip
    """A worker on all three queues, started once per session; stopped before the test
    database is dropped."""
    worker = WorkerProcess(
        queues=celery_queues,
        name=next(iter(celery_queues.values())).rpartition(".")[0],
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


def held_twice(check):
    """`check`, reported true only once it has held on two calls in a row."""
    held = 0

    def twice() -> bool:
        nonlocal held
        held = held + 1 if check() else 0
        return held >= 2

    return twice


@pytest.fixture
def celery_worker(celery_worker_process, transactional_db, settings, worker_media_root):
    """Use in integration tests: tasks go through Redis to the real worker process."""
    settings.MEDIA_ROOT = worker_media_root
    route_to(settings, celery_worker_process.queues)
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield celery_worker_process
    celery_app.conf.task_always_eager = previous
    # Twice in a row: a job between the queue and the worker shows in neither for a moment.
    idle_twice = held_twice(celery_worker_process.idle)
    wait_for(idle_twice, timeout=60, what="the worker to finish this test's jobs", interval=0.2)


@pytest.fixture
def real_queues(_redis_required, transactional_db, settings, worker_media_root):
    """For tests that start their own workers: fresh queues, jobs leave this process for Redis."""
    settings.MEDIA_ROOT = worker_media_root
    queues = private_queues(f"hitrec-test-{uuid.uuid4().hex[:8]}")
    route_to(settings, queues)
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield queues
    celery_app.conf.task_always_eager = previous
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(*queues.values())
    client.close()
