"""process_file(): one entry point that sniffs, checks limits, and dispatches to each kind."""

import os
import time

import pytest

import media.sniff
from media.errors import MediaRefused, MediaTransientError
from media.pipeline import Limits, process_file


def listing(directory):
    return sorted(os.listdir(directory)) if directory.exists() else []


@pytest.mark.parametrize(
    ("name", "kind", "mime", "renditions"),
    [
        ("rotated_jpeg_with_gps", "image", "image/jpeg",
         ["thumb-256.jpg", "thumb-256.webp", "thumb-768.jpg", "thumb-768.webp"]),
        ("mp3_with_id3", "audio", "audio/mpeg", ["waveform.json"]),
        ("wav", "audio", "audio/wav", ["preview.mp3", "waveform.json"]),
        ("mp4_h264", "video", "video/mp4", ["poster.jpg", "thumb-256.jpg", "thumb-256.webp"]),
        ("mov_h264", "video", "video/quicktime",
         ["poster.jpg", "preview.mp4", "thumb-256.jpg", "thumb-256.webp"]),
        ("markdown", "text", "text/plain", []),
    ],
)  # fmt: skip
def test_each_kind_is_processed_and_its_renditions_listed(sample, out_dir, name, kind, mime,
                                                          renditions):  # fmt: skip
    result = process_file(sample(name), out_dir=out_dir)

    assert (result.kind, result.mime) == (kind, mime)
    assert result.size_bytes == sample(name).stat().st_size
    assert sorted(r.name for r in result.renditions) == renditions
    # Exactly the listed files: no staging folder or half-written file is left over.
    assert listing(out_dir) == renditions


def test_common_metadata_is_flattened_for_storage(sample, out_dir):
    image = process_file(sample("rotated_jpeg_with_gps"), out_dir=out_dir / "image")
    audio = process_file(sample("flac"), out_dir=out_dir / "audio")
    video = process_file(sample("webm_vp8"), out_dir=out_dir / "video")
    text = process_file(sample("markdown"), out_dir=out_dir / "text")

    assert (image.width, image.height, image.duration_s, image.codec) == (200, 400, None, None)
    assert (audio.width, audio.duration_s, audio.codec) == (None, 2.0, "flac")
    assert (video.width, video.height, video.codec) == (320, 240, "vp8")
    assert text.detail.word_count == 12


@pytest.mark.parametrize(
    "name",
    [
        "zero_bytes",
        "svg_with_script",
        "html_page",
        "html_looking_text",
        "html_jpeg_polyglot",
        "jpeg_with_zip",
        "elf_binary",
        "windows_exe",
        "shell_script",
        "zip_archive",
        "pdf",
        "latin1_text",
        "random_binary",
        "mkv",
        "truncated_mp4",
        "truncated_jpeg",
        "png_bomb",
        "id3_without_audio",
    ],
)
def test_every_bad_file_is_refused_and_leaves_nothing_behind(sample, out_dir, name):
    with pytest.raises(MediaRefused) as refused:
        process_file(sample(name), out_dir=out_dir)

    assert refused.value.reason.endswith(".")
    assert "Traceback" not in refused.value.reason
    assert listing(out_dir) == []


def test_size_limits_apply_per_kind(sample, out_dir):
    tight = Limits(max_image_bytes=1000)

    with pytest.raises(MediaRefused, match=r"hitrec accepts images up to 1\.0 KB"):
        process_file(sample("large_jpeg"), out_dir=out_dir, limits=tight)
    # Audio has its own limit, untouched here.
    assert process_file(sample("mp3_with_id3"), out_dir=out_dir, limits=tight).kind == "audio"


def test_duration_and_pixel_limits_come_from_limits(sample, out_dir):
    with pytest.raises(MediaRefused, match="accepts up to 1 s"):
        process_file(sample("wav"), out_dir=out_dir, limits=Limits(max_audio_duration_s=1))
    with pytest.raises(MediaRefused, match="megapixels"):
        process_file(sample("large_jpeg"), out_dir=out_dir, limits=Limits(max_pixels=10_000))
    assert listing(out_dir) == []


def test_broken_utf8_beyond_the_sniffed_part_of_a_long_text_is_refused(
    tmp_path, out_dir, monkeypatch
):
    # sniff() judges long texts by their start; the full read must still catch bad bytes.
    monkeypatch.setattr(media.sniff, "TEXT_SCAN_BYTES", 1024)
    path = tmp_path / "long.txt"
    path.write_bytes(b"la " * 2000 + "caf\xe9".encode("latin-1"))

    with pytest.raises(MediaRefused, match="not in UTF-8"):
        process_file(path, out_dir=out_dir)


def test_progress_is_reported_from_sniffing_to_done(sample, out_dir):
    reports = []

    process_file(sample("wav"), out_dir=out_dir, progress=lambda s, p: reports.append((s, p)))

    assert reports[0] == ("sniffing", 0)
    assert reports[-1] == ("done", 100)
    assert "decoding" in [stage for stage, _ in reports]
    percents = [pct for _, pct in reports]
    assert percents == sorted(percents)
    assert all(0 <= pct <= 100 for pct in percents)


def test_processing_twice_rewrites_the_same_renditions(sample, out_dir):
    first = process_file(sample("wav"), out_dir=out_dir)
    second = process_file(sample("wav"), out_dir=out_dir)

    assert [(r.name, r.size_bytes) for r in first.renditions] == [
        (r.name, r.size_bytes) for r in second.renditions
    ]
    assert listing(out_dir) == ["preview.mp3", "waveform.json"]


def test_a_rerun_sweeps_staging_left_by_a_killed_worker(sample, out_dir):
    crashed = out_dir / ".staging-crashed"
    crashed.mkdir(parents=True)
    (crashed / "thumb-256.webp").write_bytes(b"half a file")
    two_hours_ago = time.time() - 7200
    os.utime(crashed, (two_hours_ago, two_hours_ago))
    running = out_dir / ".staging-another-job-still-running"
    running.mkdir()

    process_file(sample("small_png"), out_dir=out_dir)

    assert not crashed.exists()
    assert running.exists()  # fresh: it may belong to a job running right now


def test_an_unwritable_output_folder_is_a_transient_error(sample, tmp_path):
    not_a_folder = tmp_path / "occupied"
    not_a_folder.write_text("a file where the folder should be")

    with pytest.raises(MediaTransientError):
        process_file(sample("small_png"), out_dir=not_a_folder)
