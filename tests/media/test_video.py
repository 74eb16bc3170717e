"""process_video(): ffprobe metadata, a poster grabbed by input seek, a preview only when needed."""

import os

import pytest
from PIL import Image

from media import ffmpeg
from media.errors import MediaRefused
from media.sniff import sniff
from media.video import process_video
from tests.media.samples import VIDEO_SECONDS, VIDEO_SIZE


def video(sample, name, out_dir, **kwargs):
    path = sample(name)
    sniffed = sniff(path)
    return process_video(path, out_dir=out_dir, fmt=sniffed.format, probe=sniffed.probe, **kwargs)


@pytest.mark.parametrize(("name", "codec"), [("mp4_h264", "h264"), ("webm_vp8", "vp8")])
def test_browser_playable_video_gets_poster_and_thumbnails_but_no_preview(
    sample, out_dir, name, codec
):
    result = video(sample, name, out_dir)

    assert (result.width, result.height) == VIDEO_SIZE
    assert result.duration_s == pytest.approx(VIDEO_SECONDS, abs=0.1)
    assert result.codec == codec
    assert result.preview is None
    assert result.preview_is_original
    assert sorted(os.listdir(out_dir)) == ["poster.jpg", "thumb-256.jpg", "thumb-256.webp"]


def test_the_poster_is_a_jpeg_frame_and_the_thumbnails_derive_from_it(sample, out_dir):
    result = video(sample, "mp4_h264", out_dir)

    assert (result.poster.name, result.poster.role, result.poster.mime) == (
        "poster.jpg",
        "poster",
        "image/jpeg",
    )
    with Image.open(result.poster.path) as poster:
        assert poster.format == "JPEG"
        assert poster.size == VIDEO_SIZE
        # testsrc draws colour bars, not a black frame.
        assert max(poster.convert("L").getextrema()) > 100
    assert [(t.name, t.width, t.height) for t in result.thumbnails] == [
        ("thumb-256.webp", 256, 192),
        ("thumb-256.jpg", 256, 192),
    ]


def test_the_poster_seeks_before_opening_the_input(sample, out_dir, monkeypatch):
    calls = []
    real_run = ffmpeg.run

    def recording_run(tool, args, **kwargs):
        calls.append([str(a) for a in args])
        return real_run(tool, args, **kwargs)

    monkeypatch.setattr(ffmpeg, "run", recording_run)

    video(sample, "mp4_h264", out_dir)

    (poster_args,) = [args for args in calls if "-frames:v" in args]
    assert poster_args.index("-ss") < poster_args.index("-i")
    # 10 % of a 2 s clip.
    assert float(poster_args[poster_args.index("-ss") + 1]) == pytest.approx(0.2)


def test_a_mov_gets_an_h264_mp4_preview_without_its_metadata(sample, out_dir):
    result = video(sample, "mov_h264", out_dir)

    assert not result.preview_is_original
    assert (result.preview.name, result.preview.role, result.preview.mime) == (
        "preview.mp4",
        "preview",
        "video/mp4",
    )
    assert (result.preview.width, result.preview.height) == VIDEO_SIZE
    preview = ffmpeg.probe(result.preview.path)
    codecs = {s["codec_type"]: s["codec_name"] for s in preview["streams"]}
    assert codecs == {"video": "h264", "audio": "aac"}
    assert sniff(result.preview.path).mime == "video/mp4"
    # The phone-style location tag of the original must not travel into the preview.
    assert "location" not in preview["format"].get("tags", {})
    assert b"+52.37" not in result.preview.path.read_bytes()


@pytest.mark.parametrize(("name", "codec"), [("mp4_mpeg4", "mpeg4"), ("ogg_theora", "theora")])
def test_video_browsers_cannot_play_gets_a_preview(sample, out_dir, name, codec):
    result = video(sample, name, out_dir)

    assert result.codec == codec
    assert result.preview.name == "preview.mp4"
    assert not result.preview_is_original


def test_preview_encoding_reports_progress(sample, out_dir):
    reports = []

    video(sample, "mov_h264", out_dir, progress=lambda stage, pct: reports.append((stage, pct)))

    assert ("poster", 10) in reports
    assert [stage for stage, _ in reports if stage == "preview"]
    assert [pct for _, pct in reports] == sorted(pct for _, pct in reports)


def test_too_long_a_video_is_refused_before_any_work(sample, out_dir):
    with pytest.raises(MediaRefused, match="This video is 2 s long; hitrec accepts up to 1 s"):
        video(sample, "mp4_h264", out_dir, max_duration_s=1)

    assert not out_dir.exists() or os.listdir(out_dir) == []


def test_processing_twice_gives_the_same_files(sample, out_dir):
    first = video(sample, "mov_h264", out_dir)
    second = video(sample, "mov_h264", out_dir)

    names_and_sizes = [
        (r.name, r.size_bytes) for r in (first.poster, *first.thumbnails, first.preview)
    ]
    assert names_and_sizes == [
        (r.name, r.size_bytes) for r in (second.poster, *second.thumbnails, second.preview)
    ]
    assert sorted(os.listdir(out_dir)) == sorted(name for name, _ in names_and_sizes)
