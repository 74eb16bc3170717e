"""Nothing uploaded runs in the site's origin: stored files go out with a safe type, `nosniff`,
a sandboxing policy, and as attachments unless they are renditions we made."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from rest_framework.test import APIClient

from hitrec.files import stored_file_response
from tests.accounts.factories import UserFactory
from tests.contributions.uploads import png_upload
from tests.projects.factories import make_project

FILE_POLICY = "default-src 'none'; sandbox"
HOSTILE_HTML = b"<!doctype html><html><body><script>fetch('/api/auth/me/')</script></body></html>"
HOSTILE_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)">'
    b"<script>alert(1)</script></svg>"
)


def serve(content: bytes, *, content_type: str, inline: bool, filename: str = "upload.bin"):
    name = default_storage.save(f"tests/{filename}", ContentFile(content))
    return stored_file_response(
        RequestFactory().get("/"), name, content_type=content_type, filename=filename, inline=inline
    )


def assert_cannot_run(response) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == FILE_POLICY


@pytest.mark.parametrize(
    "dangerous",
    [
        "text/html",
        "text/html; charset=utf-8",
        "image/svg+xml",
        "application/xhtml+xml",
        "text/xml",
        "application/xml",
        "text/javascript",
        "application/javascript",
        "application/pdf",
        "TEXT/HTML",
        "",
    ],
)
def test_active_types_go_out_as_opaque_attachments_even_if_asked_inline(dangerous):
    response = serve(HOSTILE_HTML, content_type=dangerous, inline=True, filename="page.html")

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert_cannot_run(response)


def test_text_is_served_as_plain_utf8_text():
    response = serve(b"<b>not markup</b>", content_type="text/plain", inline=True)

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert_cannot_run(response)


@pytest.mark.parametrize("passive", ["image/jpeg", "image/webp", "audio/mpeg", "application/json"])
def test_our_renditions_are_shown_inline_with_their_own_type(passive):
    response = serve(b"\x00", content_type=passive, inline=True, filename="thumb")

    assert response["Content-Type"] == passive
    assert response["Content-Disposition"].startswith("inline;")
    assert_cannot_run(response)


def test_an_original_asked_as_an_attachment_stays_one_whatever_its_type():
    response = serve(b"\x89PNG", content_type="image/png", inline=False, filename="dusk.png")

    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="dusk.png"'
    assert_cannot_run(response)


# --- through the API, with real uploads ------------------------------------------------------


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def stored_files() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filename", "content", "declared"),
    [
        ("page.html", HOSTILE_HTML, "text/html"),
        ("logo.svg", HOSTILE_SVG, "image/svg+xml"),
        ("trick.png", HOSTILE_HTML, "image/png"),
    ],
)
def test_markup_is_refused_at_upload_whatever_its_name_or_declared_type(
    filename, content, declared
):
    response = client_for(UserFactory()).post(
        "/api/contributions/",
        {"title": "Hostile", "file": SimpleUploadedFile(filename, content, declared)},
        format="multipart",
    )

    assert response.status_code == 400
    assert "does not accept this kind of file" in response.json()["file"][0]
    assert stored_files() == []


@pytest.mark.django_db
def test_an_image_carrying_markup_downloads_only_as_inert_bytes(
    django_capture_on_commit_callbacks,
):
    """A real PNG with a page appended gets past the upload; the pipeline then fails it, and
    its author can still fetch what they sent, only ever as inert bytes."""
    author = UserFactory()
    polyglot = png_upload().read() + HOSTILE_HTML
    with django_capture_on_commit_callbacks(execute=True):
        created = client_for(author).post(
            "/api/contributions/",
            {"title": "Polyglot", "file": SimpleUploadedFile("x.html", polyglot, "text/html")},
            format="multipart",
        )
    assert created.status_code == 201, created.content
    url = f"/api/contributions/{created.json()['id']}/original"

    detail = APIClient().get(f"/api/contributions/{created.json()['id']}/").json()
    own, others = client_for(author).get(url), APIClient().get(url)

    assert detail["status"] == "failed"
    assert "web-page code" in detail["error"]
    assert own.status_code == 200
    assert own["Content-Type"] == "application/octet-stream"
    assert own["Content-Disposition"] == 'attachment; filename="x.html"'
    assert_cannot_run(own)
    assert b"".join(own.streaming_content) == polyglot
    assert others.status_code == 404  # no clean copy was made of it


@pytest.mark.django_db
def test_thumbnails_are_inline_images_that_still_cannot_run(django_capture_on_commit_callbacks):
    author = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        created = client_for(author).post(
            "/api/contributions/", {"title": "Dusk", "file": png_upload()}, format="multipart"
        )
    detail = APIClient().get(f"/api/contributions/{created.json()['id']}/").json()
    assert detail["media"]["thumbnails"], detail

    for thumbnail in detail["media"]["thumbnails"]:
        response = APIClient().get(thumbnail["url"])
        assert response.status_code == 200
        assert response["Content-Type"] in {"image/webp", "image/jpeg", "image/png"}
        assert response["Content-Type"] == thumbnail["mime"]
        assert response["Content-Disposition"].startswith("inline;")
        assert_cannot_run(response)


@pytest.mark.django_db
def test_the_project_cover_is_an_inline_jpeg_we_made():
    producer = UserFactory()
    project = make_project(owner=producer)
    client = client_for(producer)
    put = client.put(
        f"/api/projects/{project.id}/cover", {"file": png_upload("cover.png")}, format="multipart"
    )
    assert put.status_code in (200, 201), put.content

    response = APIClient().get(f"/api/projects/{project.id}/cover")

    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8")
    assert_cannot_run(response)


def test_no_url_serves_the_media_folder_even_in_debug(tmp_path):
    """`make run` has DEBUG on: a file under MEDIA_ROOT must not be reachable by its path,
    where it would be served with a type guessed from its name (an .html page would run)."""
    media = tmp_path / "media"
    (media / "originals" / "abc").mkdir(parents=True)
    (media / "originals" / "abc" / "page.html").write_bytes(HOSTILE_HTML)
    script = (
        "import json, os, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'hitrec.settings';"
        "django.setup(); from django.test import Client;"
        "r = Client().get('/media/originals/abc/page.html');"
        "print(json.dumps([r.status_code, r.get('Content-Type')]))"
    )
    env = {**os.environ, "DEBUG": "1", "MEDIA_ROOT": str(media), "HITREC_VAR_DIR": str(tmp_path)}

    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    status, content_type = json.loads(result.stdout.strip().splitlines()[-1])
    assert status == 404, content_type
