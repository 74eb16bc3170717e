"""A bounded load test: locust against gunicorn, a real Celery worker processing the uploads.

Reads of the main endpoints and uploads for a fixed time, then every upload must be
processed; zero errors anywhere. Runs with `pytest -m load` on PostgreSQL and Redis (as
`make bench` does), never in `make test`. With HITREC_LOAD_RESULTS set to a file (such as
docs/benchmarks.md) it writes its figures there as the "Load test" section.
"""

import csv
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count
from rest_framework.authtoken.models import Token

from bench.common import Gunicorn, load_average, machine_description, server_env, update_section
from contributions.models import Contribution
from projects.models import Project
from tests.accounts.factories import UserFactory
from tests.contributions.factories import make_lineage
from tests.integration.worker import database_url, queue_env

pytestmark = [pytest.mark.load, pytest.mark.integration]

HERE = Path(__file__).resolve().parent
USERS = int(os.environ.get("HITREC_LOAD_USERS", "10"))
SECONDS = int(os.environ.get("HITREC_LOAD_SECONDS", "30"))
WORKS = 500
UPLOAD_TITLE = "Load upload"
DRAIN_SECONDS = 180


def seed() -> dict:
    """Artists with tokens, 500 works remixing one another, a few open projects."""
    artists = UserFactory.create_batch(20)
    tokens = [Token.objects.create(user=artist).key for artist in artists]
    edges = [(i - 1 - (i * 7) % min(i, 5), i) for i in range(1, WORKS) if i % 3 == 0]
    works = make_lineage(sorted(set(edges)), WORKS, author=artists[0])
    for number, artist in enumerate(artists[:5]):
        Project.objects.create(owner=artist, title=f"Project {number}", status="open")
    return {"tokens": tokens, "works": [work.id for work in works], "upload_title": UPLOAD_TITLE}


def run_locust(base_url: str, spec_path: Path, out: Path) -> subprocess.CompletedProcess:
    locust = Path(sys.executable).with_name("locust")
    argv = [
        str(locust), "-f", str(HERE / "locustfile.py"), "--headless", "--only-summary",
        "-u", str(USERS), "-r", str(USERS), "-t", f"{SECONDS}s", "--host", base_url,
        "--csv", str(out / "stats"), "--loglevel", "WARNING", "--stop-timeout", "10",
    ]  # fmt: skip
    env = {**os.environ, "HITREC_LOAD_SPEC": str(spec_path)}
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=SECONDS + 120)


def uploads_settled(deadline: float) -> dict[str, int]:
    """Wait until no upload is pending or processing; the count per status."""
    while True:
        statuses = dict(
            Contribution.objects.filter(title__startswith=UPLOAD_TITLE)
            .values_list("status")
            .annotate(n=Count("id"))
        )
        if not statuses.keys() & {"pending", "processing"} or time.monotonic() > deadline:
            return statuses
        time.sleep(1)


def test_reads_and_uploads_under_load_with_a_worker(celery_worker, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the load test needs PostgreSQL (DATABASE_URL): SQLite takes one writer")
    spec = seed()
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(spec))
    env = server_env(
        DATABASE_URL=database_url(),
        DATABASE_REPLICA_URL="",  # it names the real database, not the test one
        REDIS_URL=settings.REDIS_URL,
        MEDIA_ROOT=celery_worker.media_root,
        CELERY_TASK_ALWAYS_EAGER="0",
        **queue_env(celery_worker.queues),
    )
    load_before = load_average()
    with Gunicorn(workers=2, env=env, log_path=tmp_path / "gunicorn.log") as server:
        started = time.monotonic()
        result = run_locust(server.url, spec_path, tmp_path)
        statuses = uploads_settled(time.monotonic() + DRAIN_SECONDS)
        drained_s = time.monotonic() - started - SECONDS
    server_log = (tmp_path / "gunicorn.log").read_text(errors="replace")

    rows = list(csv.DictReader((tmp_path / "stats_stats.csv").open()))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    failures = (tmp_path / "stats_failures.csv").read_text()
    assert int(total["Request Count"]) > 0, result.stderr[-3000:]
    assert int(total["Failure Count"]) == 0, failures
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in server_log, server_log[-3000:]
    uploads = sum(statuses.values())
    assert uploads > 0
    assert statuses == {"ready": uploads}, f"uploads not all processed: {statuses}"

    if os.environ.get("HITREC_LOAD_RESULTS"):
        write_results(
            rows, uploads=uploads, drained_s=drained_s, load=(load_before, load_average())
        )


def write_results(rows: list[dict], *, uploads: int, drained_s: float, load) -> None:
    table = "\n".join(
        f"| {row['Name'] if row['Name'] != 'Aggregated' else '**all**'} | "
        f"{int(row['Request Count']):,} | {int(row['Failure Count'])} | "
        f"{float(row['Requests/s']):,.1f} | {row['50%']} / {row['99%']} |"
        for row in sorted(rows, key=lambda row: (row["Name"] == "Aggregated", row["Name"]))
    )
    command = shlex.join([".venv/bin/python", "-m", "pytest", "-m", "load", "tests/load", "-q"])
    body = f"""
[locust](https://locust.io) (tests/load/locustfile.py) against gunicorn (2 sync workers,
`DEBUG=0`) on PostgreSQL and Redis, with a real Celery worker (tests/integration/worker.py)
processing every upload: {USERS} simulated people for {SECONDS} s, four readers (list, list by
kind, detail, lineage, credits, projects; one in three signed in) to each uploader (small
PNGs and texts, one every 0.5-1.5 s). {WORKS} works in remix chains, 20 artists. Afterwards
every upload must have been processed: errors and failed uploads fail the test.

- Result: {uploads} uploads, all processed (`ready`), {drained_s:.0f} s after the load stopped; zero errors: **pass**.
- Machine: {machine_description()}; load average {load[0]:.2f} before, {load[1]:.2f} after (everything, clients included, on this machine).
- Reproduce: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/hitrec REDIS_URL=redis://127.0.0.1:6379/0 HITREC_LOAD_USERS={USERS} HITREC_LOAD_SECONDS={SECONDS} {command}`

| request | requests | failures | req/s | p50 / p99 ms |
|---|---|---|---|---|
{table}
"""
    update_section("Load test", body, os.environ["HITREC_LOAD_RESULTS"])
