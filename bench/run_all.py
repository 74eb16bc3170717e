"""Run every benchmark (`bench/bench_*.py`) and the load test; each rewrites its own section.

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/run_all.py   # what `make bench` runs

Each benchmark runs in its own process with its own database, named after
BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/hitrec_bench; the name must
start with `hitrec_bench`): the lineage benchmark uses it as it is, the others add their
name (`hitrec_bench_api`, ...); they drop and recreate it, except the lineage pages
benchmark and the search benchmark, which keep `hitrec_bench_lineage_pages` and
`hitrec_bench_search` while their markers match (their first run builds them, and takes
longer). The load test (`pytest -m load tests/load`) gets `hitrec_bench_load`, from which pytest makes its test database. Then the "Benchmark run" section at the top of
docs/benchmarks.md says when, where, with which commands and how long each step took.
A step that fails leaves its previous section as it was; the run goes on and exits 1.
"""

import argparse
import os
import shlex
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import load_average, machine_description, update_section  # noqa: E402

# The arguments each benchmark runs with here (its defaults are the sizes).
ARGS = {
    "bench_lineage": ["--size", "1000000"],
    "bench_lineage_pages": ["--size", "1000000"],
    "bench_search": ["--size", "1000000"],
    "bench_royalties_pure": ["--parties", "10000"],
    "bench_royalties": ["--credits", "10000"],
    "bench_api": ["--contributions", "10000"],
    "bench_pages_i18n": ["--contributions", "10000"],
    "bench_upload": ["--mib", "1024"],
    "bench_files": ["--mb", "200"],
}
# `--quick`: tiny sizes, nothing written; checks that every step runs, in a few minutes.
QUICK_ARGS = {
    "bench_lineage": ["--size", "20000", "--repeat", "10"],
    "bench_lineage_pages": ["--size", "20000", "--repeat", "20", "--creates", "5",
                            "--export-runs", "1"],
    "bench_search": ["--size", "20000", "--queries", "20", "--repeat", "2", "--baseline", "3"],
    "bench_royalties_pure": ["--nodes", "10000", "--credits", "1000", "--parties", "1000",
                             "--repeat", "2"],
    "bench_royalties": ["--nodes", "10000", "--credits", "1000", "--repeat", "1"],
    "bench_media": ["--repeat", "1"],
    "bench_fingerprints": ["--sources", "10", "--audio-sources", "5", "--unrelated", "200",
                           "--repeat", "1"],
    "bench_landmarks": ["--sources", "6", "--unrelated", "100", "--verifier-pairs", "200"],
    "bench_api": ["--contributions", "1000", "--seconds", "1"],
    "bench_pages_i18n": ["--contributions", "1000", "--rounds", "1", "--seconds", "1",
                         "--warmup", "0.5", "--gettext-calls", "10000", "--money-calls", "1000"],
    "bench_upload": ["--mib", "64"],
    "bench_files": ["--mb", "20"],
}  # fmt: skip
BUDGET_S = 15 * 60


def database_url(base: str, step: str) -> str:
    """The base URL for the lineage benchmark; `<base name>_<step>` for the others."""
    parts = urlsplit(base)
    name = parts.path.lstrip("/")
    if step != "lineage":
        name = f"{name}_{step}"
    return urlunsplit(parts._replace(path=f"/{name}"))


def steps(
    base_url: str, only: set[str], *, quick: bool
) -> list[tuple[str, list[str], dict[str, str]]]:
    python = sys.executable
    found = []
    for script in sorted((ROOT / "bench").glob("bench_*.py")):
        name = script.stem
        if only and name not in only:
            continue
        found.append(
            (
                name,
                [python, str(script.relative_to(ROOT))]
                + (QUICK_ARGS.get(name, []) + ["--no-write"] if quick else ARGS.get(name, [])),
                {"DATABASE_URL": database_url(base_url, name.removeprefix("bench_"))},
            )
        )
    if not only or "load" in only:
        found.append(
            (
                "load",
                [
                    python,
                    "-m",
                    "pytest",
                    "-m",
                    "load",
                    "tests/load",
                    "-q",
                    "-p",
                    "no:cacheprovider",
                ],
                {
                    "DATABASE_URL": database_url(base_url, "load"),
                    "HITREC_REQUIRE_SERVICES": "1",
                    **(
                        {"HITREC_LOAD_SECONDS": "5", "HITREC_LOAD_USERS": "4"}
                        if quick
                        else {"HITREC_LOAD_RESULTS": "docs/benchmarks.md"}
                    ),
                },
            )
        )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=[], help="e.g. bench_api load")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, write nothing")
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        sys.exit("Set REDIS_URL (make bench sets redis://127.0.0.1:6379/0).")
    base_url = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hitrec_bench"
    )
    logs = ROOT / "var" / "bench-logs"
    logs.mkdir(parents=True, exist_ok=True)
    started_at = datetime.now(UTC)
    load_before = load_average()
    rows, failed = [], []
    total_started = time.perf_counter()
    for name, argv, extra in steps(base_url, set(args.only), quick=args.quick):
        # DEBUG off as in production: with it on, Django keeps every query in memory.
        env = {**os.environ, "DEBUG": "0", "PYTHONUNBUFFERED": "1", **extra}
        log_path = logs / f"{name}.log"
        print(f"== {name}: {shlex.join(argv[1:])} (log: {log_path.relative_to(ROOT)})", flush=True)
        started = time.perf_counter()
        with open(log_path, "w") as log:
            code = subprocess.run(
                argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            ).returncode
        seconds = time.perf_counter() - started
        status = "ok" if code == 0 else f"**failed** (exit {code}; see var/bench-logs/{name}.log)"
        print(f"   {status}, {seconds:.0f} s", flush=True)
        if code:
            failed.append(name)
            print(log_path.read_text(errors="replace")[-2000:], flush=True)
        command = " ".join(f"{k}={v}" for k, v in extra.items() if k == "DATABASE_URL")
        rows.append(
            f"| {name} | `{command} {shlex.join(['.venv/bin/python', *argv[1:]])}` | {seconds:.0f} s | {status} |"
        )
    total = time.perf_counter() - total_started
    # The machine line names PostgreSQL's version through Django: set it up on the base
    # database (each step ran in its own process, so this one has not).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hitrec.settings")
    os.environ["DATABASE_URL"] = base_url
    import django

    django.setup()
    within = "**pass**" if total < BUDGET_S and not failed else "**FAIL**"
    table = "\n".join(rows)
    body = f"""
`make bench` ran every benchmark below and the load test, one after the other, each in its
own process and database, on {started_at:%Y-%m-%d %H:%M} UTC.

- Machine: {machine_description()}; load average {load_before:.2f} at the start, {load_average():.2f} at the end (the machine may be shared).
- Services: PostgreSQL at `{urlsplit(base_url).netloc}`, Redis at `{os.environ["REDIS_URL"]}`; `DEBUG=0`.
- Whole run: {total / 60:.1f} min; target under {BUDGET_S // 60} min with every step passing: {within}.

| step | command | time | result |
|---|---|---|---|
{table}
"""
    if args.quick:
        print(body)
    else:
        print(f"wrote {update_section('Benchmark run', body, first=True)}; {total / 60:.1f} min")
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
