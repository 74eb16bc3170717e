"""Run ffmpeg and ffprobe as sandboxed subprocesses with time, memory and output limits."""

from __future__ import annotations

import errno
import json
import os
import resource
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from hitrec.messages import gettext_noop
from media.errors import MediaRefused, MediaTransientError

GiB = 1024**3
_CHUNK = 64 * 1024
_STDERR_KEEP = 8 * 1024
_CANNOT_START = 127  # the shell convention ld.so also uses: a library would not load
# The child sees only this: no credentials from the worker's environment, and few malloc
# arenas, since each reserves 64 MiB of address space against the RLIMIT_AS budget.
_CHILD_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C", "MALLOC_ARENA_MAX": "2"}
# Spawn failures that say "the machine is busy", not "the file is bad".
_TRANSIENT_ERRNOS = {errno.EAGAIN, errno.ENOMEM, errno.EMFILE, errno.ENFILE, errno.ENOSPC}


@dataclass(frozen=True)
class ResourceLimits:
    """Per-process ceilings so a hostile file cannot exhaust the worker."""

    address_space_bytes: int = 1 * GiB
    cpu_seconds: int = 300
    max_output_file_bytes: int = 2 * GiB


DEFAULT_LIMITS = ResourceLimits()


def binary(tool: str) -> str:
    """Absolute path of ffmpeg or ffprobe, so the argv never depends on a relative PATH lookup."""
    found = shutil.which(tool)
    if found is None:
        raise MediaTransientError(f"{tool} is not installed on this worker.")
    return found


def run(
    tool: str,
    args: Sequence[str | os.PathLike[str]],
    *,
    what: str,
    timeout_s: float,
    on_stdout: Callable[[bytes], None] | None = None,
    max_stdout_bytes: int = 16 * 1024 * 1024,
    limits: ResourceLimits = DEFAULT_LIMITS,
) -> bytes:
    """Run `tool` (ffmpeg or ffprobe) on `args` and return its stdout.

    `what` completes the sentence "hitrec could not ..." in a refusal. With `on_stdout`,
    stdout is streamed to it in chunks and not kept; otherwise it is captured up to
    `max_stdout_bytes`. Failure, timeout or resource exhaustion raise `MediaRefused`.
    Pass file names as `Path` objects, never as strings: see `_arg`.
    """
    argv = [binary(tool), *_common_flags(tool), *(_arg(a) for a in args)]
    try:
        proc = subprocess.Popen(  # noqa: S603 - argv is a fixed binary, constant flags and paths
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=lambda: _apply_limits(limits),
            close_fds=True,
            env=_CHILD_ENV,
        )
    except OSError as exc:
        if exc.errno in _TRANSIENT_ERRNOS:
            raise MediaTransientError(f"Could not start {tool}: {exc}") from exc
        raise
    # Server paths stay out of the detail, which may end up in front of people.
    paths = {_arg(a): Path(a).name for a in args if isinstance(a, os.PathLike)}
    return _supervise(
        proc,
        what=what,
        timeout_s=timeout_s,
        on_stdout=on_stdout,
        max_stdout_bytes=max_stdout_bytes,
        paths=paths,
    )


def probe(path: Path, *, timeout_s: float = 30.0) -> dict[str, Any]:
    """ffprobe's JSON description (format and streams) of the file at `path`."""
    out = run(
        "ffprobe",
        ["-print_format", "json", "-show_format", "-show_streams", path],
        what="read this file's audio or video streams",
        timeout_s=timeout_s,
    )
    try:
        return json.loads(out)
    except ValueError as exc:
        raise MediaRefused(
            gettext_noop("hitrec could not read this file's audio or video streams.")
        ) from exc


def _arg(arg: str | os.PathLike[str]) -> str:
    """Paths become absolute `file:` URLs: a name like "-y" or "http:..." must stay a file."""
    if isinstance(arg, os.PathLike):
        return "file:" + os.path.abspath(arg)
    return arg


def _common_flags(tool: str) -> list[str]:
    # ffprobe rejects -nostdin; it never reads stdin anyway, and stdin is /dev/null for both.
    quiet = ["-hide_banner", "-loglevel", "error"]
    return ["-nostdin", *quiet] if tool == "ffmpeg" else quiet


def _apply_limits(limits: ResourceLimits) -> None:
    # Runs in the child between fork and exec, so it only constrains ffmpeg itself.
    resource.setrlimit(resource.RLIMIT_AS, (limits.address_space_bytes,) * 2)
    # Soft equal to hard: the kernel sends SIGKILL outright. ffmpeg traps the gentler
    # SIGXCPU and exits like any failure, which would hide why it stopped.
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.max_output_file_bytes,) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _supervise(
    proc: subprocess.Popen[bytes],
    *,
    what: str,
    timeout_s: float,
    on_stdout: Callable[[bytes], None] | None,
    max_stdout_bytes: int,
    paths: dict[str, str],
) -> bytes:
    assert proc.stdout is not None and proc.stderr is not None  # noqa: S101 - set by Popen
    stderr_tail = bytearray()
    drainer = threading.Thread(target=_drain, args=(proc.stderr, stderr_tail), daemon=True)
    drainer.start()
    timed_out = threading.Event()

    def _kill_on_timeout() -> None:
        timed_out.set()
        proc.kill()

    timer = threading.Timer(timeout_s, _kill_on_timeout)
    timer.start()
    try:
        stdout = _read_stdout(proc, on_stdout, max_stdout_bytes, what)
        returncode = proc.wait()
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        drainer.join()
        proc.stdout.close()
        proc.stderr.close()
    detail = _last_line(stderr_tail, paths)
    if timed_out.is_set():
        raise MediaRefused(
            # Translators: %(what)s says what hitrec was doing, in English, e.g. "decode this
            # audio"; %(seconds)s is a number.
            gettext_noop(
                "hitrec gave up trying to %(what)s: it took longer than %(seconds)s seconds. "
                "The file may be damaged or unusually complex."
            ),
            detail=detail,
            what=what,
            seconds=f"{timeout_s:g}",
        )
    if returncode < 0 and -returncode in (signal.SIGXCPU, signal.SIGKILL, signal.SIGXFSZ):
        raise MediaRefused(
            # Translators: %(what)s says what hitrec was doing, in English, e.g. "decode this audio".
            gettext_noop(
                "hitrec gave up trying to %(what)s: it needed more computing time, memory or "
                "disk space than a file like this should."
            ),
            detail=detail,
            what=what,
        )
    if returncode == _CANNOT_START:
        # The limits are too tight for ffmpeg itself: the worker's fault, not the file's.
        raise MediaTransientError(f"{Path(str(proc.args[0])).name} could not start: {detail}")  # type: ignore[index]  # Popen was given a list
    if returncode != 0 and b"Cannot allocate memory" in stderr_tail:
        raise MediaRefused(
            # Translators: %(what)s says what hitrec was doing, in English, e.g. "decode this audio".
            gettext_noop(
                "hitrec gave up trying to %(what)s: it needed more memory than a file like this "
                "should."
            ),
            detail=detail,
            what=what,
        )
    if returncode != 0:
        raise MediaRefused(
            # Translators: %(what)s says what hitrec was doing, in English, e.g. "decode this audio".
            gettext_noop(
                "hitrec could not %(what)s; the file seems damaged or uses an encoding "
                "hitrec cannot read."
            ),
            detail=detail,
            what=what,
        )
    return stdout


def _read_stdout(
    proc: subprocess.Popen[bytes],
    on_stdout: Callable[[bytes], None] | None,
    max_stdout_bytes: int,
    what: str,
) -> bytes:
    assert proc.stdout is not None  # noqa: S101 - set by Popen
    captured = bytearray()
    for chunk in iter(lambda: proc.stdout.read1(_CHUNK), b""):  # type: ignore[union-attr,attr-defined]  # typeshed: IO[bytes] has no read1; a pipe is a BufferedReader
        if on_stdout is not None:
            on_stdout(chunk)
            continue
        captured += chunk
        if len(captured) > max_stdout_bytes:
            proc.kill()
            raise MediaRefused(
                # Translators: %(what)s says what hitrec was doing, in English.
                gettext_noop("hitrec could not %(what)s: the file's description is too large."),
                what=what,
            )
    return bytes(captured)


def _drain(stream: IO[bytes], tail: bytearray) -> None:
    # Keep only the end: ffmpeg can print an error per frame of a broken file.
    for chunk in iter(lambda: stream.read1(_CHUNK), b""):  # type: ignore[attr-defined]
        tail += chunk
        del tail[:-_STDERR_KEEP]


def _last_line(stderr: bytes, paths: dict[str, str]) -> str | None:
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return None
    last = lines[-1]
    for full, name in paths.items():
        last = last.replace(full, name)
    return last[:500]
