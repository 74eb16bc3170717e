"""Seeking near the end of long audio and video in Chromium: a ranged read, then playback."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contributions.models import Contribution
from contributions.services import contribution_create
from tests.accounts.factories import UserFactory
from tests.media.samples import ffmpeg

pytestmark = pytest.mark.browser

AUDIO_SECONDS = 600
VIDEO_SECONDS = 60


def long_mp3(directory: Path) -> Path:
    """Ten minutes of a quiet tone in about 2.4 MB: mono, 22 kHz, 32 kbit/s. An MP3 plays
    everywhere, so the page plays the pipeline's copy of it, not a transcoded preview."""
    path = directory / "long-tone.mp3"
    ffmpeg("-f", "lavfi", "-i", f"sine=frequency=330:sample_rate=22050:duration={AUDIO_SECONDS}",
           "-ac", "1", "-c:a", "libmp3lame", "-b:a", "32k", path)  # fmt: skip
    return path


def long_mp4(directory: Path) -> Path:
    """A minute of H.264 video with sound (about 6 MB), its index (moov) at the end as cameras
    write it: the player reads the end early, and seeks by ranges. Big enough that Chromium
    does not simply read it all in one go before the seek (a 1 MB file it did)."""
    path = directory / "long-bars.mp4"
    ffmpeg("-f", "lavfi", "-i", f"testsrc=size=320x240:rate=15:duration={VIDEO_SECONDS}",
           "-f", "lavfi", "-i", f"sine=frequency=440:duration={VIDEO_SECONDS}",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-b:v", "800k",
           "-c:a", "aac", "-b:a", "32k", "-shortest", "-f", "mp4", path)  # fmt: skip
    return path


def _ready(path: Path) -> Contribution:
    work = contribution_create(
        author=UserFactory(),
        title=path.stem,
        file=SimpleUploadedFile(path.name, path.read_bytes()),
    )  # unit tests run the processing job in-process (tests/conftest.py)
    work.refresh_from_db()
    assert work.status == Contribution.Status.READY, work.error
    return work


def _seek_and_play(page, work: Contribution, selector: str, seconds: float) -> None:
    """Open the work's page, jump to `seconds` before the end, play, and check it plays."""
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(f"/contributions/{work.id}/")
    media = page.locator(selector)
    src = media.evaluate("m => m.currentSrc || m.src")
    assert src, "the page has a player with a source"
    page.wait_for_function(
        f"document.querySelector('{selector}').readyState >= 1", timeout=20_000
    )  # HAVE_METADATA: the duration is known
    duration = media.evaluate("m => m.duration")
    assert duration == pytest.approx(seconds, abs=1.5)
    target = duration - 5
    media.evaluate(f"m => {{ m.muted = true; m.currentTime = {target}; return m.play(); }}")

    page.wait_for_function(
        f"""() => {{
            const m = document.querySelector('{selector}');
            return !m.seeking && m.currentTime > {target + 1} && m.readyState >= 3;
        }}""",
        timeout=30_000,
    )  # playing past the seek point, with data for the next frames (HAVE_FUTURE_DATA)
    assert media.evaluate("m => m.error") is None
    assert media.evaluate("m => m.paused") is False
    media.evaluate("m => m.pause()")

    ranged = [r for r in responses if r.url == src and r.status == 206]
    assert ranged, [(r.url, r.status) for r in responses]
    # The seek itself was a ranged read from past the middle of the file, not a re-download.
    starts = [
        int(r.request.all_headers().get("range", "bytes=0-").removeprefix("bytes=").split("-")[0])
        for r in ranged
    ]
    size = int(ranged[0].headers["content-range"].rpartition("/")[2])
    assert max(starts) > size // 2, (starts, size)
    assert all(r.status in (200, 206, 304) for r in responses if r.url == src)


def test_a_long_audio_plays_from_near_its_end(page, live_server, tmp_path):
    work = _ready(long_mp3(tmp_path))
    _seek_and_play(page, work, "audio", AUDIO_SECONDS)


def test_a_video_plays_from_near_its_end(page, live_server, tmp_path):
    work = _ready(long_mp4(tmp_path))
    _seek_and_play(page, work, "video", VIDEO_SECONDS)
