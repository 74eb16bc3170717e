"""The whole pipeline on S3-compatible object storage: moto's server, a real HTTP endpoint."""

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from contributions.models import Contribution
from media.models import Rendition

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
