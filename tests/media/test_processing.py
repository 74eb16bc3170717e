"""Uploads go through the processing job: metadata, renditions, progress, failures, reruns."""

import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from contributions.models import Contribution
from media.models import Rendition
from media.services import contribution_process

pytestmark = pytest.mark.django_db


def stored_files() -> list[Path]:
    return sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())


@pytest.fixture
def upload(user_client, django_capture_on_commit_callbacks):
    """Upload a generated sample through the API and let its job run, as the site would."""

    def send(path: Path, *, name: str | None = None, **fields) -> dict:
        file = SimpleUploadedFile(name or path.name, path.read_bytes())
        with django_capture_on_commit_callbacks(execute=True):
            response = user_client.post(
                "/api/contributions/",
                {"title": path.stem, "file": file, **fields},
                format="multipart",
            )
        assert response.status_code == 201, response.json()
        return user_client.get(f"/api/contributions/{response.json()['id']}/").json()

    return send


def test_an_image_is_measured_and_gets_thumbnails_without_its_location(upload, sample, client):
    body = upload(sample("rotated_jpeg_with_gps"))

    assert body["status"] == "ready"
    assert body["progress"] == {"stage": "ready", "stage_label": "ready", "percent": 100}
    # EXIF orientation 6: stored 400 × 200, shown 200 × 400.
    assert (body["media"]["width"], body["media"]["height"]) == (200, 400)
    assert body["media"]["mime"] == "image/jpeg"
    thumbnails = body["media"]["thumbnails"]
    assert {t["mime"] for t in thumbnails} == {"image/webp", "image/jpeg"}
    for thumbnail in thumbnails:
        response = client.get(thumbnail["url"])
        assert response.status_code == 200
        assert response["Content-Type"] == thumbnail["mime"]
        assert response["X-Content-Type-Options"] == "nosniff"
        image = Image.open(Path(settings.MEDIA_ROOT) / _stored_name(thumbnail["url"]))
        assert image.size == (thumbnail["width"], thumbnail["height"])
        assert not image.getexif().get_ifd(0x8825)  # no GPS block
        assert b"Elm Street" not in b"".join(response.streaming_content)


def _stored_name(url: str) -> str:
    url = url.split("?", 1)[0]  # a rendition's URL carries its version (?v=…)
    contribution_id, name = url.rstrip("/").split("/")[-3], url.rsplit("/", 1)[-1]
    return Rendition.objects.get(contribution_id=contribution_id, name=name).file.name


def test_audio_gets_duration_and_a_waveform(upload, sample, client):
    body = upload(sample("wav"))

    assert body["status"] == "ready"
    assert body["kind"] == "audio"
    assert body["media"]["duration_s"] == pytest.approx(2.0, abs=0.05)
    waveform = client.get(body["media"]["waveform"]["url"])
    assert waveform["Content-Type"] == "application/json"
    peaks = json.loads(b"".join(waveform.streaming_content))
    assert peaks["peaks"] == len(peaks["data"]) == 1000
    assert all(-1 <= low <= high <= 1 for low, high in peaks["data"])
    assert body["media"]["preview"]["mime"] in {"audio/mpeg", "audio/ogg"}


def test_video_gets_a_poster_frame(upload, sample):
    body = upload(sample("mp4_h264"))

    assert body["status"] == "ready"
    assert body["kind"] == "video"
    assert body["media"]["duration_s"] == pytest.approx(2.0, abs=0.1)
    assert (body["media"]["width"], body["media"]["height"]) == (320, 240)
    assert body["media"]["poster"]["mime"] == "image/jpeg"


def test_text_is_rendered_safely(user_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = user_client.post(
            "/api/contributions/",
            {
                "title": "Verse",
                "text": "Night *bus* <script>alert(1)</script> [x](javascript:alert(1))",
            },
        ).json()

    contribution = Contribution.objects.get(pk=created["id"])
    assert contribution.status == "ready"
    assert contribution.metadata["word_count"] >= 2
    assert "<em>bus</em>" in contribution.metadata["html"]
    assert "<script" not in contribution.metadata["html"]
    assert "javascript:" not in contribution.metadata["html"]


@pytest.mark.parametrize(
    ("sample_name", "reason"),
    [
        ("truncated_jpeg", "damaged"),
        ("png_bomb", "pixels"),
        ("jpeg_with_zip", ""),
        ("id3_without_audio", ""),
    ],
)
def test_a_broken_or_hostile_file_fails_once_with_a_reason_and_no_renditions(
    upload, sample, sample_name, reason
):
    body = upload(sample(sample_name))

    assert body["status"] == "failed", body
    assert reason in body["error"]
    assert len(body["error"]) > 20
    assert Rendition.objects.count() == 0
    # Only the original remains in storage, owned by the failed contribution.
    assert [p.name for p in stored_files()] == [sample(sample_name).name]


def test_rerunning_a_job_changes_nothing_and_duplicates_nothing(upload, sample):
    body = upload(sample("large_jpeg"))
    before = sorted(Rendition.objects.values_list("name", "bytes"))
    files_before = stored_files()

    contribution_process(contribution_id=body["id"])  # finished: the status guard skips it
    Contribution.objects.filter(pk=body["id"]).update(status="processing")  # a crashed run
    contribution_process(contribution_id=body["id"])

    assert sorted(Rendition.objects.values_list("name", "bytes")) == before
    assert stored_files() == files_before
    assert Contribution.objects.get(pk=body["id"]).status == "ready"


def test_a_rerun_removes_renditions_the_new_result_no_longer_has(upload, sample, settings):
    body = upload(sample("large_jpeg"))
    stale = Rendition.objects.filter(contribution_id=body["id"]).first()
    stale_path = Path(settings.MEDIA_ROOT) / stale.file.name
    Rendition.objects.filter(pk=stale.pk).update(name="thumb-9999.webp")
    Contribution.objects.filter(pk=body["id"]).update(status="pending")

    contribution_process(contribution_id=body["id"])

    assert not Rendition.objects.filter(name="thumb-9999.webp").exists()
    assert stale_path.exists()  # its file was re-written under its real name
    assert len(stored_files()) == Rendition.objects.count() + 1


def test_replacing_the_file_reprocesses_it_and_drops_stale_renditions(
    upload, sample, user_client, django_capture_on_commit_callbacks
):
    body = upload(sample("large_jpeg"))
    old_original = Contribution.objects.get(pk=body["id"]).file.name
    assert body["media"]["thumbnails"]
    new = SimpleUploadedFile("hum.wav", sample("wav").read_bytes())

    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.put(
            f"/api/contributions/{body['id']}/original", {"file": new}, format="multipart"
        )

    assert response.status_code == 200
    replaced = user_client.get(f"/api/contributions/{body['id']}/").json()
    assert (replaced["kind"], replaced["status"]) == ("audio", "ready")
    assert replaced["media"]["thumbnails"] == []
    assert replaced["media"]["waveform"] is not None
    assert replaced["media"]["width"] is None
    assert not (Path(settings.MEDIA_ROOT) / old_original).exists()
    # The new original and the audio renditions, nothing left of the image.
    assert len(stored_files()) == Rendition.objects.count() + 1


def test_only_the_author_replaces_the_file(upload, sample, api_client):
    from tests.accounts.factories import UserFactory

    body = upload(sample("small_png"))
    api_client.force_authenticate(UserFactory())

    response = api_client.put(
        f"/api/contributions/{body['id']}/original",
        {"file": SimpleUploadedFile("x.wav", sample("wav").read_bytes())},
        format="multipart",
    )

    assert response.status_code == 403
    assert Contribution.objects.get(pk=body["id"]).kind == "image"


def test_a_job_that_ends_after_its_contribution_was_deleted_leaves_no_files(
    user_client, sample, settings, django_capture_on_commit_callbacks
):
    from media import services

    created = user_client.post(
        "/api/contributions/",
        {"title": "Gone", "file": SimpleUploadedFile("a.png", sample("small_png").read_bytes())},
        format="multipart",
    ).json()  # in a test transaction: the job has not run
    contribution = Contribution.objects.get(pk=created["id"])
    claimed = services._claim(contribution.pk)
    # The author deletes the work while the worker is rendering it.
    Contribution.objects.filter(pk=contribution.pk).delete()

    result_dir = Path(settings.MEDIA_ROOT) / "job"
    result = services.process_file(
        Path(settings.MEDIA_ROOT) / claimed.file.name, out_dir=result_dir,
        limits=services.pipeline_limits(),
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services._finish(claimed, fields={}, renditions=result.renditions)

    assert not Rendition.objects.exists()
    assert not list((Path(settings.MEDIA_ROOT) / "renditions").rglob("*.*"))


def test_others_download_the_original_without_its_location(upload, sample, user_client, client):
    from PIL import ExifTags

    body = upload(sample("rotated_jpeg_with_gps"))
    mine = b"".join(user_client.get(body["media"]["url"]).streaming_content)
    theirs_response = client.get(body["media"]["url"])  # anyone else
    theirs = b"".join(theirs_response.streaming_content)

    assert mine == sample("rotated_jpeg_with_gps").read_bytes()  # the author: as uploaded
    assert theirs_response["Content-Disposition"] == 'attachment; filename="rotated-gps.jpg"'
    with Image.open(io.BytesIO(theirs)) as image:
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert image.size == (400, 200)  # the same picture, not a rendition
        original_pixels = Image.open(io.BytesIO(mine)).tobytes()
        assert image.tobytes() == original_pixels  # pixels untouched: only metadata went
    assert b"Elm Street" not in theirs and b"TestCam" not in theirs


def test_others_download_video_without_its_location_tag(upload, sample, user_client, client):
    # (the sample's location tag is checked to be there in tests/media/test_video.py)
    import subprocess
    import tempfile

    original = sample("mov_h264")  # a QuickTime clip tagged with where it was shot
    body = upload(original)
    mine = b"".join(user_client.get(body["media"]["url"]).streaming_content)
    assert mine == original.read_bytes()
    theirs = b"".join(client.get(body["media"]["url"]).streaming_content)
    with tempfile.NamedTemporaryFile(suffix=".mp4") as handle:
        handle.write(theirs)
        handle.flush()
        probe = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format_tags:stream=codec_type",
             "-of", "json", handle.name],
            capture_output=True, check=True, text=True,
        ).stdout  # fmt: skip
    assert "location" not in probe.lower() and "+52.37" not in probe
    assert '"codec_type": "video"' in probe and '"codec_type": "audio"' in probe
    assert len(theirs) > 1000
