"""Shared by the benchmarks: the machine they ran on, and writing their section of the results."""

import os
import platform
import re
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


def update_section(title: str, body: str, path: str | Path = DEFAULT_RESULTS) -> Path:
    """Replace (or append) the section `title` of the results file, leaving the others alone.

    A section lives between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`; the file is
    created with a header when it does not exist, and replaced atomically, so a benchmark
    killed half-way never leaves half a file. Returns the file's path.
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


def machine_description() -> str:
    """One line: CPU model, cores, memory, OS, Python and PostgreSQL versions."""
    return (
        f"{_cpu_model()}, {os.cpu_count()} cores, {_memory()} RAM; "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}; "
        f"PostgreSQL {_postgres_version()}"
    )
