"""process_audio(): metadata from mutagen, streamed waveform peaks, a browser-playable preview."""

import json
import os
import sys
from array import array

import pytest

from media import ffmpeg
from media.audio import PeakFinder, process_audio, read_audio_info
from media.errors import MediaRefused
from media.sniff import sniff
from tests.media.samples import SINE_AMPLITUDE, SINE_SECONDS


def audio(sample, name, out_dir, **kwargs):
    path = sample(name)
    sniffed = sniff(path)
    return process_audio(path, out_dir=out_dir, fmt=sniffed.format, probe=sniffed.probe, **kwargs)


def pcm(samples):
    data = array("h", samples)
    if sys.byteorder == "big":
        data.byteswap()
    return data.tobytes()


@pytest.mark.parametrize(
    ("name", "codec", "sample_rate"),
    [
        ("wav", "pcm", 44100),
        ("mp3_with_id3", "mp3", 44100),
        ("mp3_without_id3", "mp3", 44100),
        ("flac", "flac", 44100),
        ("opus", "opus", 48000),
        ("vorbis", "vorbis", 44100),
        ("m4a", "aac", 44100),
        ("aac_adts", "aac", 44100),
        ("webm_audio", "opus", 48000),
    ],
)
def test_every_accepted_format_gives_metadata_and_a_waveform(
    sample, out_dir, name, codec, sample_rate
):
    # 200 peaks over 2 s: each window spans 10 ms, over four cycles of the 440 Hz tone.
    result = audio(sample, name, out_dir, peaks=200)

    assert result.duration_s == pytest.approx(SINE_SECONDS, abs=0.1)
    assert (result.codec, result.sample_rate, result.channels) == (codec, sample_rate, 1)
    assert len(result.peaks) == 200
    assert all(-1 <= low <= high <= 1 for low, high in result.peaks)
    # Away from the edges (encoder delay and padding), every window reaches the amplitude.
    middle = result.peaks[20:180]
    assert min(high for _, high in middle) == pytest.approx(SINE_AMPLITUDE, abs=0.06)
    assert max(low for low, _ in middle) == pytest.approx(-SINE_AMPLITUDE, abs=0.06)


def test_the_waveform_has_a_thousand_peaks_by_default(sample, out_dir):
    result = audio(sample, "mp3_with_id3", out_dir)

    assert len(result.peaks) == 1000
    assert all(-1 <= low <= high <= 1 for low, high in result.peaks)


def test_the_waveform_file_holds_exactly_the_requested_peaks(sample, out_dir):
    result = audio(sample, "wav", out_dir, peaks=37)

    document = json.loads((out_dir / "waveform.json").read_text())
    assert result.waveform.name == "waveform.json"
    assert result.waveform.role == "waveform"
    assert document["peaks"] == 37
    assert [tuple(pair) for pair in document["data"]] == list(result.peaks)
    assert len(result.peaks) == 37


def test_more_peaks_than_decoded_samples_still_gives_exactly_that_many(sample, out_dir):
    # 2 s at 8 kHz is 16 000 samples; asking for 20 000 peaks repeats neighbours.
    result = audio(sample, "wav", out_dir, peaks=20_000)

    assert len(result.peaks) == 20_000


@pytest.mark.parametrize("name", ["mp3_with_id3", "opus"])
def test_mp3_and_opus_originals_serve_as_their_own_preview(sample, out_dir, name):
    result = audio(sample, name, out_dir)

    assert result.preview is None
    assert result.preview_is_original
    assert sorted(os.listdir(out_dir)) == ["waveform.json"]


@pytest.mark.parametrize("name", ["wav", "flac", "m4a", "webm_audio"])
def test_other_formats_get_an_mp3_preview(sample, out_dir, name):
    result = audio(sample, name, out_dir)

    assert not result.preview_is_original
    assert result.preview.name == "preview.mp3"
    assert result.preview.role == "preview"
    assert result.preview.size_bytes == (out_dir / "preview.mp3").stat().st_size
    assert sniff(result.preview.path).mime == "audio/mpeg"
    preview_info = read_audio_info(result.preview.path, fmt="mp3")
    assert preview_info.duration_s == pytest.approx(SINE_SECONDS, abs=0.1)


def test_the_preview_carries_no_tags_from_the_original(sample, out_dir):
    assert b"Elm Street" in sample("flac").read_bytes()

    result = audio(sample, "flac", out_dir)

    assert b"Elm Street" not in result.preview.path.read_bytes()


def test_metadata_comes_from_mutagen_without_starting_ffprobe(sample, monkeypatch):
    def no_ffprobe(*args, **kwargs):
        raise AssertionError("ffprobe should not be needed for an MP3")

    monkeypatch.setattr(ffmpeg, "probe", no_ffprobe)

    info = read_audio_info(sample("mp3_with_id3"), fmt="mp3")

    assert info.codec == "mp3"
    assert info.duration_s == pytest.approx(SINE_SECONDS, abs=0.1)


def test_ffprobe_answers_when_mutagen_cannot(sample):
    # mutagen does not read WebM; the same facts come from ffprobe instead.
    info = read_audio_info(sample("webm_audio"), fmt="webm")

    assert (info.codec, info.sample_rate, info.channels) == ("opus", 48000, 1)


def test_too_long_a_recording_is_refused_before_decoding(sample, out_dir):
    with pytest.raises(MediaRefused, match="accepts up to 1 s") as refused:
        audio(sample, "wav", out_dir, max_duration_s=1)

    assert "This recording is 2 s long" in refused.value.reason
    assert not out_dir.exists() or os.listdir(out_dir) == []


def test_processing_twice_gives_the_same_files(sample, out_dir):
    first = audio(sample, "flac", out_dir)
    second = audio(sample, "flac", out_dir)

    assert (first.waveform.size_bytes, first.preview.size_bytes) == (
        second.waveform.size_bytes,
        second.preview.size_bytes,
    )
    assert first.preview.path.read_bytes() == second.preview.path.read_bytes()
    assert sorted(os.listdir(out_dir)) == ["preview.mp3", "waveform.json"]


def test_peak_finder_keeps_time_order_when_the_length_was_underestimated():
    # A rising ramp fed in odd-sized chunks, with a length guess ten times too small:
    # the finder must merge blocks as it goes and still spread the peaks evenly in time.
    ramp = [round(-32768 + i * 65535 / 79_999) for i in range(80_000)]
    data = pcm(ramp)
    finder = PeakFinder(peaks=100, expected_samples=8_000)
    for start in range(0, len(data), 3001):
        finder.feed(data[start : start + 3001])

    peaks = finder.result()

    assert len(peaks) == 100
    assert peaks[0][0] == -1.0
    assert peaks[-1][1] == pytest.approx(1.0, abs=1e-3)
    highs = [high for _, high in peaks]
    assert highs == sorted(highs)
    # Each peak covers about 1 % of the ramp, so its top sits near its place in time.
    for i, high in enumerate(highs):
        assert high == pytest.approx(-1 + 2 * (i + 1) / 100, abs=0.03)


def test_peak_finder_memory_stays_bounded_however_long_the_stream():
    finder = PeakFinder(peaks=10, expected_samples=100)
    chunk = pcm([1000, -1000] * 4096)
    for _ in range(200):
        finder.feed(chunk)

    assert finder.samples == 200 * 8192
    assert len(finder._blocks) <= 2 * 10 * 4 + 1  # peaks × blocks per peak, before a merge
    assert finder.result() == ((-0.0305, 0.0305),) * 10
