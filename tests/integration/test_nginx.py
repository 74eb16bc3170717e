"""Stored media through a real nginx with deploy/nginx/: Django checks, nginx sends the bytes."""

import os
import re
import urllib.parse

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile

from bench.bench_files import NGINX, Nginx
from contributions.models import Contribution
from contributions.services import contribution_create, contribution_delete
from tests.accounts.factories import UserFactory
from tests.integration.worker import WebProcess, jobs_in_process, service_env
from tests.media.samples import mp4_h264

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def _nginx_required():
    """Needs only gunicorn and nginx (no Redis); CI (HITREC_REQUIRE_SERVICES) must have nginx."""
    if not os.path.exists(NGINX):
        message = "nginx is missing: run scripts/system-deps.sh"
        if os.environ.get("HITREC_REQUIRE_SERVICES"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def media_root(settings) -> str:
    return settings.MEDIA_ROOT  # tests/conftest.py gives each test its own folder


@pytest.fixture
def web(_nginx_required, transactional_db, media_root, tmp_path):
    """gunicorn on the test database and MEDIA_ROOT, handing files to nginx (x-accel)."""
    env = {
        **service_env(redis_url="", media_root=media_root, var_dir=tmp_path / "var"),
        "HITREC_FILE_DELIVERY": "x-accel",
    }
    process = WebProcess(env=env, log_path=tmp_path / "web.log")
    try:
        process.start()
        yield process
    finally:
        process.stop()


@pytest.fixture
def nginx(web, media_root, tmp_path):
    upstream = web.url.removeprefix("http://")
    with Nginx(directory=tmp_path / "nginx", upstream=upstream, media_root=media_root) as proxy:
        yield proxy


@pytest.fixture
def video(transactional_db, tmp_path) -> Contribution:
    """A processed video contribution, made through the upload service and the pipeline."""
    clip = mp4_h264(tmp_path)
    with jobs_in_process():
        work = contribution_create(
            author=UserFactory(),
            title="Colour bars",
            file=SimpleUploadedFile(clip.name, clip.read_bytes(), content_type="video/mp4"),
        )
    work.refresh_from_db()
    assert work.status == Contribution.Status.READY, work.error
    return work


def _preview(work: Contribution):
    """The video as the page plays it: the pipeline's copy without metadata (a browser
    plays H.264 as it is, so there is no transcoded preview)."""
    return work.renditions.get(role="clean")


def test_a_ranged_read_of_a_video_is_sent_by_nginx_with_the_safe_headers(web, nginx, video):
    preview = _preview(video)
    data = open(preview.file.path, "rb").read()  # noqa: SIM115 - a small test file
    size = len(data)
    start = size - 1000
    path = f"/api/contributions/{video.id}/renditions/{preview.name}"

    # gunicorn alone: permission checked, then an empty body and the redirect for nginx.
    direct = requests.get(f"{web.url}{path}", headers={"Range": f"bytes={start}-"}, timeout=30)
    assert direct.status_code == 200 and direct.content == b""
    assert direct.headers["X-Accel-Redirect"] == "/_protected/" + urllib.parse.quote(
        preview.file.name
    )

    answer = requests.get(f"{nginx.url}{path}", headers={"Range": f"bytes={start}-"}, timeout=30)
    assert answer.status_code == 206
    assert answer.content == data[start:]
    assert answer.headers["Content-Range"] == f"bytes {start}-{size - 1}/{size}"
    assert "X-Accel-Redirect" not in answer.headers
    # What nginx would drop on the internal redirect is added back by the conf.
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    # Django's own headers come through the redirect.
    assert answer.headers["Content-Type"] == direct.headers["Content-Type"] == "video/mp4"
    assert answer.headers["Content-Disposition"] == direct.headers["Content-Disposition"]
    assert answer.headers["Cache-Control"] == direct.headers["Cache-Control"]
    # nginx sends its own tag for the file (mtime-size), not Django's: it is the one nginx
    # compares If-None-Match and If-Range with (the next test).
    assert answer.headers["ETag"] not in ("", direct.headers["ETag"])
    # nginx's access log: the bytes came from the internal location, after gunicorn answered.
    line = nginx.logged(path)
    assert f" 206 {size - start} uri=/_protected/{preview.file.name}" in line
    assert f"upstream=127.0.0.1:{web.port}" in line


def test_the_validator_nginx_sends_is_the_one_it_honours(nginx, video):
    """If-None-Match (304) and If-Range (206) with the ETag a browser got from nginx."""
    path = f"/api/contributions/{video.id}/renditions/{_preview(video).name}"
    first = requests.get(f"{nginx.url}{path}", timeout=30)
    etag = first.headers["ETag"]

    again = requests.get(f"{nginx.url}{path}", headers={"If-None-Match": etag}, timeout=30)
    assert again.status_code == 304
    resumed = requests.get(
        f"{nginx.url}{path}", headers={"Range": "bytes=10-19", "If-Range": etag}, timeout=30
    )
    assert resumed.status_code == 206
    assert resumed.content == first.content[10:20]


def test_the_protected_location_cannot_be_reached_from_outside(nginx, video):
    name = _preview(video).file.name
    answer = requests.get(f"{nginx.url}/_protected/{name}", timeout=30)
    assert answer.status_code == 404
    assert answer.content != open(_preview(video).file.path, "rb").read()  # noqa: SIM115
    # Not through a dot-segment or an encoded slash either.
    for sneaky in (f"/static/../_protected/{name}", f"/api/..%2F_protected/{name}"):
        answer = requests.get(f"{nginx.url}{sneaky}", timeout=30)
        assert answer.status_code == 404, sneaky


def test_a_deleted_contributions_file_is_not_served(nginx, video):
    preview = _preview(video)
    paths = [
        f"/api/contributions/{video.id}/renditions/{preview.name}",
        f"/api/contributions/{video.id}/original",
    ]
    assert requests.get(f"{nginx.url}{paths[0]}", timeout=30).status_code == 200

    contribution_delete(contribution=video, actor=video.author)

    for path in paths:
        answer = requests.get(f"{nginx.url}{path}", headers={"Range": "bytes=0-99"}, timeout=30)
        assert answer.status_code == 404, path
        assert not re.search(rb"ftyp", answer.content)
