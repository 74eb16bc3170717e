"""Shared by the benchmarks: the machine, writing their section of the results, a local server."""

import http.client
import itertools
import math
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RESULTS = "docs/benchmarks.md"

HEADER = """# Benchmarks

Each section is written by one script under `bench/` (run it again to refresh it; the other
sections are left as they are). Every figure is measured against a baseline taken in the
same run, on the machine described in the section.
"""


def section_name(title: str) -> str:
    """The marker name of a section: its title in lowercase words joined by dashes."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def update_section(
    title: str, body: str, path: str | Path = DEFAULT_RESULTS, *, first: bool = False
) -> Path:
    """Replace (or append) the section `title` of the results file, leaving the others alone.

    A section lives between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`; the file is
    created with a header when it does not exist, and replaced atomically, so a benchmark
    killed half-way never leaves half a file. A new section goes at the end, or before all
    the others with `first`. Returns the file's path.
    """
    target = Path(path) if Path(path).is_absolute() else ROOT / path
    name = section_name(title)
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    section = f"{start}\n## {title}\n\n{body.strip()}\n{end}"
    text = target.read_text(encoding="utf-8") if target.exists() else HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        # A function as replacement, so backslashes in the body are not read as group refs.
        text = pattern.sub(lambda _match: section, text, count=1)
    elif first and "<!-- bench:" in text:
        at = text.index("<!-- bench:")
        text = text[:at] + section + "\n\n" + text[at:]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(target)
    return target


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _postgres_version() -> str:
    """The server version of Django's default database, when Django is set up on PostgreSQL."""
    try:
        from django.db import connection

        if connection.vendor != "postgresql":
            return f"n/a ({connection.vendor})"
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return cursor.fetchone()[0]
    except Exception as exc:  # no Django settings, no server: say so rather than fail the run
        return f"unknown ({type(exc).__name__})"


def reference_loop_s() -> float:
    """Seconds one core takes for a fixed pure-Python loop (10,000,000 additions), best of 3.

    Absolute targets depend on the machine, and machines of one kind differ (and one
    machine's speed drifts with its neighbours): this puts a number on it, run by run.
    """
    best = math.inf
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return best


def machine_description() -> str:
    """One line: CPU model, cores, memory, OS, Python (with the reference loop's time) and
    PostgreSQL versions."""
    return (
        f"{_cpu_model()}, {os.cpu_count()} cores, {_memory()} RAM; "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()} "
        f"(reference loop of 10,000,000 additions: {reference_loop_s():.2f} s when this was "
        f"written); PostgreSQL {_postgres_version()}"
    )


# --- a local web server, and clients that time it ---------------------------------------------


def free_port() -> int:
    """A TCP port nobody listens on now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(**extra: str) -> dict[str, str]:
    """The environment of a production-like local web process: DEBUG off, plain HTTP.

    Production turns on the HTTPS redirect, secure cookies, HSTS and the upload and sign-in
    rate limits; a benchmark on 127.0.0.1 speaks plain HTTP and uploads as fast as it can, so
    those are turned off by their documented variables, and nothing else.
    """
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "hitrec.settings"),
        "DEBUG": "0",
        # The benchmark's database has no replica: the one configured would be another's.
        "DATABASE_REPLICA_URL": "",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "HITREC_THROTTLE_UPLOADS": "off",
        "HITREC_THROTTLE_AUTH": "off",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


class Gunicorn:
    """`gunicorn hitrec.wsgi` on a free port, as a context manager; stopped on exit."""

    def __init__(self, *, workers: int, env: dict[str, str], log_path: Path, timeout: int = 300):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers, self.env, self.log_path, self.timeout = workers, env, log_path, timeout
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Gunicorn":
        gunicorn = Path(sys.executable).with_name("gunicorn")
        argv = [
            str(gunicorn), "hitrec.wsgi:application", f"--workers={self.workers}",
            f"--bind=127.0.0.1:{self.port}", f"--timeout={self.timeout}", "--worker-class=sync",
            "--log-level=warning",
        ]  # fmt: skip
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in __exit__
        self.process = subprocess.Popen(
            argv, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early; see {self.log_path}")
            if len(self.worker_pids()) == self.workers:
                try:
                    with urllib.request.urlopen(f"{self.url}/api/health/", timeout=30):  # noqa: S310
                        return self
                except urllib.error.HTTPError:  # it answers (a 503 names a missing service)
                    return self
                except OSError:
                    pass
            time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError(f"gunicorn did not answer within 60 s; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        """The worker processes (children of the arbiter)."""
        if self.process is None:
            return []
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if not self.log.closed:
            self.log.close()


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


@dataclass
class LoadResult:
    """What concurrent clients saw: per-request latencies (s), status counts, wall time."""

    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def ms(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000


def http_load(
    base_url: str,
    paths: list[str],
    *,
    concurrency: int,
    seconds: float,
    headers: dict[str, str] | None = None,
    expect: int = 200,
) -> LoadResult:
    """`concurrency` threads GET the paths round-robin for `seconds`, one connection each time.

    A new connection per request, as gunicorn's sync workers close each one. Anything but
    `expect` counts as an error.
    """
    parts = urllib.parse.urlsplit(base_url)
    result = LoadResult()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    counter = itertools.count()

    def client() -> None:
        latencies, statuses, errors = [], {}, []
        while time.perf_counter() < deadline:
            path = paths[next(counter) % len(paths)]
            start = time.perf_counter()
            try:
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
                conn.request("GET", path, headers=headers or {})
                response = conn.getresponse()
                response.read()
                conn.close()
                status = response.status
            except OSError as exc:
                status = 0
                errors.append(f"{path}: {exc}")
            latencies.append(time.perf_counter() - start)
            statuses[status] = statuses.get(status, 0) + 1
            if status != expect and status:
                errors.append(f"{path}: HTTP {status}")
        with lock:
            result.latencies += latencies
            result.errors += errors
            for status, count in statuses.items():
                result.statuses[status] = result.statuses.get(status, 0) + count

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result


def load_average() -> float:
    return os.getloadavg()[0]


# --- a quiet machine before the timings -------------------------------------------------------


def _cpu_jiffies() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot, from /proc/stat (steal counts as busy)."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    busy = user + nice + system + irq + softirq + steal
    return busy, busy + idle + iowait


def others_cpu_share(seconds: float = 1.0) -> float:
    """The share of the machine's CPUs busy over `seconds` while this process sleeps.

    It is what everything else (the database's background writers, other test suites,
    a neighbour's virtual machine through steal time) takes from the benchmark.
    """
    busy_before, total_before = _cpu_jiffies()
    time.sleep(seconds)
    busy_after, total_after = _cpu_jiffies()
    return (busy_after - busy_before) / max(total_after - total_before, 1)


def settle(*, quiet_share: float = 0.1, timeout_s: float = 120.0) -> float:
    """Wait until the rest of the machine is quiet before timings begin; return its CPU share.

    On a two-core machine a checkpoint or another suite running beside a benchmark takes
    CPU from it (the load average only says so a minute later), and the figures would
    measure the neighbour too: a full run at load average 1.4 read the pure split at 336 ms,
    one on a quiet machine at 146 ms (two full runs of `make bench`). This waits, up to `timeout_s`, for two quiet
    seconds in a row (at most `quiet_share` of the CPUs busy), and returns the share seen
    last, for the results to state; a machine that never settles is measured anyway.
    """
    deadline = time.monotonic() + timeout_s
    quiet_in_a_row = 0
    share = others_cpu_share()
    while time.monotonic() < deadline:
        quiet_in_a_row = quiet_in_a_row + 1 if share <= quiet_share else 0
        if quiet_in_a_row == 2:
            break
        share = others_cpu_share()
    return share


# --- a bulk load with the lineage triggers off, then the closure rebuilt ----------------------

# The tables whose triggers keep the closure and counts (contributions/ancestry.py).
LINEAGE_TRIGGER_TABLES = ("contributions_contribution", "contributions_remixlink")
LINEAGE_TABLES = ("contributions_ancestry", "contributions_lineagecounts")


@dataclass
class BulkLoad:
    """How a bulk load went: seconds per phase and the closure's size after it."""

    load_s: float  # COPY, triggers off
    analyze_s: float  # VACUUM ANALYZE of the loaded tables, before the rebuild
    rebuild_s: float | None  # ancestry_rebuild(); None: not rebuilt (the two tables emptied)
    closure_s: float | None  # … of which its closure batches
    counts_s: float | None  # … and its counts batches
    vacuum_s: float  # VACUUM ANALYZE of the closure and counts
    ancestry_rows: int
    counts_rows: int


class _RebuildProgress:
    """`ancestry_rebuild`'s progress callback: a line every `every_s` seconds and at the end
    of each phase (a log file keeps every line, unlike a terminal's bar), the phases' times,
    and statistics on the new closure before the counts read it.

    ancestry_rebuild derives the whole closure (its first half of batches), then each work's
    counts from it (its second half), in one transaction. Without statistics on the closure
    the planner takes it for a small table and counts a work's relatives by hashing all the
    works for each work: 20,000 works took 166 s that way. So when the closure's last batch is
    done, this ANALYZEs it (ANALYZE sees the transaction's own rows); until ancestry_rebuild
    does so itself, this is the benchmark's stand-in (bench/README.md).
    """

    def __init__(self, started: float, *, every_s: float = 10.0) -> None:
        self.started = self.last = started
        self.every_s = every_s
        self.closure_s: float | None = None
        self.counts_s: float | None = None

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        closure_done = done == total // 2
        if closure_done:
            self.closure_s = now - self.started
        if done == total:
            self.counts_s = now - self.started - (self.closure_s or 0)
        if now - self.last >= self.every_s or closure_done or done == total:
            self.last = now
            elapsed = now - self.started
            phase = "closure" if done <= total // 2 else "counts"
            print(
                f"  ancestry_rebuild: {phase}, batch {done}/{total} ({done / total:.0%}),"
                f" {elapsed:.0f} s, about {elapsed / done * (total - done):.0f} s left",
                flush=True,
            )
        if closure_done:
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("ANALYZE contributions_ancestry")
            print(
                f"  ANALYZE contributions_ancestry: {time.perf_counter() - now:.1f} s", flush=True
            )


def bulk_load(
    url: str,
    load: Callable[["psycopg.Connection"], None],  # noqa: F821 - psycopg is imported lazily
    *,
    rebuild: bool = True,
    vacuum: tuple[str, ...] = (),
) -> BulkLoad:
    """Fill a benchmark database with `load(conn)` (COPY, on an autocommit psycopg connection)
    with the lineage triggers off, then derive the closure and counts, then VACUUM ANALYZE.

    The triggers of contributions/ancestry.py keep `Ancestry` and `LineageCounts` row by row:
    through COPY that is one closure update per link, hours at a million links. So they are
    disabled for the load (`ALTER TABLE … DISABLE TRIGGER USER` on the contribution and link
    tables: every trigger of theirs but the foreign-key checks, so another app's derived rows,
    e.g. search documents, stay empty too) and enabled again whatever happens, and then `ancestry_rebuild()` derives
    both tables from the links in one pass (Django's connection must be set up, on the same
    database). With `rebuild=False` the two tables are emptied instead, for a benchmark that
    never reads them: empty is consistent too, as far as it goes (every lineage read that uses
    them would see no relatives). The database is then vacuumed and analysed: `vacuum` (the
    load's tables) and the two lineage tables, so that index-only scans see a set visibility
    map and the planner the real sizes.
    """
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        started = time.perf_counter()
        for table in LINEAGE_TRIGGER_TABLES:
            conn.execute(
                sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(sql.Identifier(table))
            )
        try:
            load(conn)
        finally:
            for table in LINEAGE_TRIGGER_TABLES:
                conn.execute(
                    sql.SQL("ALTER TABLE {} ENABLE TRIGGER USER").format(sql.Identifier(table))
                )
        load_s = time.perf_counter() - started

        # Statistics first: the rebuild's statements are planned on them (with none, its
        # per-work counts scanned every work for each work: 20,000 works, over 9 minutes).
        started = time.perf_counter()
        for table in dict.fromkeys((*vacuum, *LINEAGE_TRIGGER_TABLES)):
            conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))
        analyze_s = time.perf_counter() - started

        rebuild_s = closure_s = counts_s = None
        if rebuild:
            from django.db import transaction

            from contributions.ancestry import ancestry_rebuild

            print("ancestry_rebuild() ...", flush=True)
            started = time.perf_counter()
            with transaction.atomic():
                progress = _RebuildProgress(started)
                ancestry_rebuild(progress=progress)
            rebuild_s = time.perf_counter() - started
            closure_s, counts_s = progress.closure_s, progress.counts_s
            print(f"ancestry_rebuild() took {rebuild_s:.0f} s", flush=True)
        else:
            conn.execute(
                sql.SQL("TRUNCATE {}").format(
                    sql.SQL(", ").join(map(sql.Identifier, LINEAGE_TABLES))
                )
            )

        print("VACUUM ANALYZE ...", flush=True)
        started = time.perf_counter()
        for table in LINEAGE_TABLES:
            conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))
        vacuum_s = time.perf_counter() - started
        counted = [
            conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()[0]
            for table in LINEAGE_TABLES
        ]
    return BulkLoad(
        load_s=load_s,
        analyze_s=analyze_s,
        rebuild_s=rebuild_s,
        closure_s=closure_s,
        counts_s=counts_s,
        vacuum_s=vacuum_s,
        ancestry_rows=counted[0],
        counts_rows=counted[1],
    )
