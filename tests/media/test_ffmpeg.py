"""ffmpeg.run(): hostile input cannot hang or exhaust the worker; failures read as sentences."""

import io
import time
from pathlib import Path

import pytest

from media import ffmpeg
from media.errors import MediaRefused, MediaTransientError

ENDLESS_NOISE = ["-f", "lavfi", "-i", "anoisesrc=sample_rate=48000", "-f", "null", "-"]


def test_a_run_that_takes_too_long_is_stopped():
    started = time.perf_counter()

    with pytest.raises(MediaRefused) as refused:
        ffmpeg.run("ffmpeg", ENDLESS_NOISE, what="decode this audio", timeout_s=0.5)

    assert time.perf_counter() - started < 3
    assert refused.value.reason.startswith("hitrec gave up trying to decode this audio")
    assert "longer than 0.5 seconds" in refused.value.reason


def test_a_run_over_its_cpu_budget_is_stopped():
    limits = ffmpeg.ResourceLimits(cpu_seconds=1)

    with pytest.raises(MediaRefused, match="more computing time, memory or disk space"):
        ffmpeg.run("ffmpeg", ENDLESS_NOISE, what="decode this", timeout_s=20, limits=limits)


def test_a_run_over_its_memory_budget_fails_instead_of_swapping():
    # Upscaling to 16 000 × 16 000 wants far more than 400 MiB of address space.
    huge = ["-f", "lavfi", "-i", "color=size=8000x8000:d=0.04", "-vf", "scale=16000:16000"]
    limits = ffmpeg.ResourceLimits(address_space_bytes=400 * 1024 * 1024)

    with pytest.raises(MediaRefused):
        ffmpeg.run("ffmpeg", [*huge, "-f", "null", "-"], what="scale", timeout_s=20, limits=limits)


def test_limits_too_tight_for_ffmpeg_itself_are_a_transient_error():
    # ffmpeg cannot even map its libraries: a worker misconfiguration, not a bad file.
    limits = ffmpeg.ResourceLimits(address_space_bytes=16 * 1024 * 1024)

    with pytest.raises(MediaTransientError, match="could not start"):
        ffmpeg.run("ffmpeg", ENDLESS_NOISE, what="decode this", timeout_s=20, limits=limits)


def test_a_failure_keeps_ffmpegs_last_line_as_detail_without_server_paths(tmp_path):
    missing = tmp_path / "secret-folder" / "upload.bin"

    with pytest.raises(MediaRefused) as refused:
        ffmpeg.run("ffmpeg", ["-i", missing, "-f", "null", "-"], what="read it", timeout_s=10)

    assert refused.value.reason.startswith("hitrec could not read it;")
    assert "upload.bin" in refused.value.detail
    assert "secret-folder" not in refused.value.detail


def test_only_the_end_of_a_flood_of_error_output_is_kept():
    # A broken file can make ffmpeg print an error per frame, for hours.
    flood = io.BytesIO(b"[decoder] corrupt frame\n" * 100_000 + b"final complaint\n")
    tail = bytearray()

    ffmpeg._drain(flood, tail)

    assert len(tail) <= 8 * 1024
    assert tail.endswith(b"final complaint\n")


def test_stdin_is_closed_so_reading_it_ends_at_once():
    out = ffmpeg.run(
        "ffmpeg",
        ["-f", "s16le", "-ar", "8000", "-ac", "1", "-i", "pipe:0", "-f", "s16le", "pipe:1"],
        what="read stdin",
        timeout_s=10,
    )

    assert out == b""


def test_a_file_name_that_looks_like_an_option_stays_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    with pytest.raises(MediaRefused) as refused:
        ffmpeg.probe(Path("-version"))

    assert "No such file" in refused.value.detail
