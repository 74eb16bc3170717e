"""The whole pipeline on S3-compatible object storage, and files served from it (ranged
reads, presigned redirects): moto's server, a real HTTP endpoint."""

import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient
from storages.backends.s3 import S3Storage

from community.services import contribution_take_down
from contributions.models import Contribution
from media.models import Rendition
from tests.accounts.factories import StaffFactory, UserFactory
from tests.contributions.uploads import png_upload

pytestmark = pytest.mark.django_db

BUCKET = "hitrec-test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """An S3-compatible server on this machine (moto in server mode), with one bucket."""
    port = _free_port()
    server = Path(sys.executable).with_name("moto_server")
    process = subprocess.Popen(  # noqa: S603 - our own argv
        [str(server), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id="test", aws_secret_access_key="test",
        region_name="us-east-1",
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while True:
        try:
            client.create_bucket(Bucket=BUCKET)
            break
        except Exception:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.2)
    yield endpoint, client
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def s3_storage(settings, s3_endpoint):
    endpoint, client = s3_endpoint
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "access_key": "test",
                "secret_key": "test",
                "region_name": "us-east-1",
                "file_overwrite": False,
            },
        },
    }
    return client


def _keys(client) -> set[str]:
    listing = client.list_objects_v2(Bucket=BUCKET)
    return {item["Key"] for item in listing.get("Contents", [])}


def test_upload_process_serve_and_delete_on_object_storage(
    s3_storage, user_client, sample, django_capture_on_commit_callbacks
):
    assert default_storage.__class__.__name__ == "S3Storage"
    before = _keys(s3_storage)
    audio = sample("mp3_with_id3")

    with django_capture_on_commit_callbacks(execute=True):
        created = user_client.post(
            "/api/contributions/",
            {"title": "Hum", "file": SimpleUploadedFile("hum.mp3", audio.read_bytes())},
            format="multipart",
        ).json()

    contribution = Contribution.objects.get(pk=created["id"])
    assert contribution.status == "ready", contribution.error
    assert contribution.duration_s == pytest.approx(2.0, abs=0.1)
    names = {r.file.name for r in Rendition.objects.filter(contribution=contribution)}
    assert names and names | {contribution.file.name} == _keys(s3_storage) - before
    waveform = s3_storage.get_object(
        Bucket=BUCKET, Key=f"renditions/{contribution.id}/waveform.json"
    )
    assert json.loads(waveform["Body"].read())["peaks"] == 1000

    original = user_client.get(created["media"]["url"])
    assert b"".join(original.streaming_content) == audio.read_bytes()

    with django_capture_on_commit_callbacks(execute=True):
        assert user_client.delete(f"/api/contributions/{contribution.id}/").status_code == 204
    assert _keys(s3_storage) == before


# --- serving from object storage: ranged reads and presigned redirects -------------------------


@pytest.fixture
def picture(s3_storage, django_capture_on_commit_callbacks):
    """A picture uploaded through the API onto S3 and processed: (work, its bytes, author)."""
    author = UserFactory()
    client = APIClient()
    client.force_authenticate(author)
    data = png_upload("dusk.png", (640, 480)).read()
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            "/api/contributions/",
            {"title": "Dusk", "file": SimpleUploadedFile("dusk.png", data)},
            format="multipart",
        )
    work = Contribution.objects.get(pk=created.json()["id"])
    assert work.status == "ready", work.error
    return work, data, client


def _get_objects_sent() -> list[dict]:
    """Every GetObject the storage's own boto3 client sends from now on, with its headers."""
    sent: list[dict] = []
    events = default_storage.connection.meta.client.meta.events
    events.register("before-send.s3.GetObject", lambda request, **_: sent.append(request.headers))
    return sent


def test_a_range_is_one_ranged_get_object_never_the_whole_download(picture, monkeypatch):
    work, data, author = picture

    def whole_object(*args, **kwargs):
        raise AssertionError("S3File downloads the whole object; a range must not use it")

    monkeypatch.setattr(S3Storage, "_open", whole_object)
    sent = _get_objects_sent()

    response = author.get(f"/api/contributions/{work.id}/original", HTTP_RANGE="bytes=100-199")

    assert response.status_code == 206
    assert b"".join(response.streaming_content) == data[100:200]
    assert response["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert [headers["Range"] for headers in sent] in ([b"bytes=100-199"], ["bytes=100-199"])


@pytest.fixture
def redirect(settings):
    settings.HITREC_FILE_DELIVERY = "redirect"
    return settings


def test_a_redirect_makes_the_store_send_our_type_disposition_and_caching(picture, redirect):
    work, data, author = picture
    thumbnail = work.renditions.get(role="thumbnail", width=256, mime="image/webp")

    shown = APIClient().get(thumbnail.url_path)
    download = author.get(f"/api/contributions/{work.id}/original")

    assert (shown.status_code, download.status_code) == (302, 302)
    assert shown["Cache-Control"] == download["Cache-Control"] == "private, no-store"
    image = requests.get(shown["Location"], timeout=10)
    assert image.status_code == 200
    assert image.headers["Content-Type"] == "image/webp"
    assert image.headers["Content-Disposition"] == 'inline; filename="thumb-256.webp"'
    assert image.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    original = requests.get(download["Location"], timeout=10)
    assert original.content == data
    assert original.headers["Content-Type"] == "application/octet-stream"
    assert original.headers["Content-Disposition"] == 'attachment; filename="dusk.png"'
    assert original.headers["Cache-Control"] == "private, no-cache"

    # The store's validators are ours: a conditional request is answered here, with a 304.
    again = author.get(
        f"/api/contributions/{work.id}/original", HTTP_IF_NONE_MATCH=original.headers["ETag"]
    )
    assert again.status_code == 304


def test_a_presigned_url_expires_after_the_configured_seconds(picture, redirect):
    """The URL is signed to expire HITREC_PRESIGNED_SECONDS from now. moto (5.2) does not
    enforce a presigned URL's expiry, so the store's refusal afterwards is not checked here:
    only what we sign (a real S3 or MinIO answers 403 once the time has passed)."""
    work, _, author = picture
    redirect.HITREC_PRESIGNED_SECONDS = 1

    before = time.time()
    location = author.get(f"/api/contributions/{work.id}/original")["Location"]

    query = parse_qs(urlsplit(location).query)
    if "X-Amz-Expires" in query:  # signature version 4
        assert query["X-Amz-Expires"] == ["1"]
    else:  # version 2: an absolute time
        assert before <= int(query["Expires"][0]) <= time.time() + 2


def test_a_taken_down_work_is_gone_by_its_api_url_and_its_old_presigned_one(
    picture, redirect, django_capture_on_commit_callbacks
):
    work, _, author = picture
    thumbnail = work.renditions.get(role="thumbnail", width=256, mime="image/webp").url_path
    old = APIClient().get(thumbnail)["Location"]
    assert requests.get(old, timeout=10).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        contribution_take_down(contribution=work, actor=StaffFactory(), reason="A notice.")

    assert APIClient().get(thumbnail).status_code == 404
    assert author.get(f"/api/contributions/{work.id}/original").status_code == 404
    assert requests.get(old, timeout=10).status_code in (403, 404)
