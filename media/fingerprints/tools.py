"""The programs a fingerprint runs (fpcalc, ffmpeg), each run with the same ceilings.

They decode whatever was uploaded, so each runs as media.ffmpeg runs ffmpeg for the
renditions: a time limit, an address-space ceiling, no files written (a pipe is not a file,
so the samples still reach us), no core dumps, and an environment without the worker's
credentials.
"""

import os
import resource
import shutil
import subprocess
from collections.abc import Sequence

from media.fingerprints.results import FingerprintUnavailable

TIMEOUT_S = 120.0
_ADDRESS_SPACE_BYTES = 1024**3
_CHILD_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C", "MALLOC_ARENA_MAX": "2"}


def tool_run(
    program: str, arguments: Sequence[str], *, timeout_s: float, missing: str
) -> subprocess.CompletedProcess:
    """`program` (found on PATH) run with `arguments` under the ceilings above; its output
    and status are the caller's to read. Raises FingerprintUnavailable(`missing`) when the
    program is not installed, and when it runs out of time."""
    found = shutil.which(program)
    if found is None:
        raise FingerprintUnavailable(missing)
    try:
        return subprocess.run(  # noqa: S603 - a fixed binary, constant flags and a path
            [found, *arguments],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout_s,
            env=_CHILD_ENV,
            preexec_fn=lambda: _limit_child(timeout_s),
            close_fds=True,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise FingerprintUnavailable(f"{program} took longer than {timeout_s:g} s") from exc


def absolute(path: str | os.PathLike) -> str:
    """An absolute path, so a file name starting with "-" stays a file to the program."""
    return os.path.abspath(path)


def _limit_child(timeout_s: float) -> None:
    # Runs in the child between fork and exec, so it only constrains the program itself.
    cpu = max(1, int(timeout_s))
    resource.setrlimit(resource.RLIMIT_AS, (_ADDRESS_SPACE_BYTES, _ADDRESS_SPACE_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
