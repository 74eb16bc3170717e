"""Stored files served like media, through the real API views on local storage: one byte
range, validators and 304s, public or private caching, versioned rendition URLs, and the
nginx offload (X-Accel-Redirect) behind Django's own permission checks."""

import re
from io import BytesIO
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.http import http_date
from PIL import Image
from rest_framework.test import APIClient

from community.services import contribution_take_down
from contributions.models import Contribution
from hitrec.files import byte_range
from tests.accounts.factories import StaffFactory, UserFactory
from tests.contributions.uploads import png_upload
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """Uploads a real picture through the API and processes it; returns (work, bytes, author)."""

    def make(name: str = "dusk.png", size=(640, 480), colour=(200, 80, 20)):
        buffer = BytesIO()
        Image.new("RGB", size, colour).save(buffer, "PNG")
        author = UserFactory()
        with django_capture_on_commit_callbacks(execute=True):
            created = client_for(author).post(
                "/api/contributions/",
                {"title": "Dusk", "file": SimpleUploadedFile(name, buffer.getvalue())},
                format="multipart",
            )
        assert created.status_code == 201, created.content
        work = Contribution.objects.get(pk=created.json()["id"])
        assert work.status == "ready", work.error
        return work, buffer.getvalue(), author

    return make


def original_url(work) -> str:
    return f"/api/contributions/{work.id}/original"


# --- ranges ----------------------------------------------------------------------------------


def test_the_whole_file_announces_ranges_and_strong_validators(upload):
    work, data, author = upload()

    response = client_for(author).get(original_url(work))

    assert response.status_code == 200
    assert response.streaming  # streamed from the storage, never read whole
    assert body(response) == data
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(len(data))
    assert response["ETag"].startswith('"') and not response["ETag"].startswith("W/")
    assert response["Last-Modified"].endswith("GMT")


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [("bytes=0-9", 0, 9), ("bytes=100-", 100, None), ("bytes=-7", -7, None),
     ("bytes=10-99999999", 10, None), ("BYTES = 3 - 4", 3, 4)],
)  # fmt: skip
def test_one_range_is_answered_with_206_and_exactly_those_bytes(upload, header, first, last):
    work, data, author = upload()
    expected = data[first:] if last is None else data[first : last + 1]
    start = first % len(data)

    response = client_for(author).get(original_url(work), HTTP_RANGE=header)

    assert response.status_code == 206
    assert body(response) == expected
    assert response["Content-Length"] == str(len(expected))
    assert response["Content-Range"] == f"bytes {start}-{start + len(expected) - 1}/{len(data)}"
    assert response["Content-Disposition"].startswith("attachment;")  # the range is no excuse


@pytest.mark.parametrize("header", ["bytes={size}-", "bytes={size}-{more}", "bytes=-0"])
def test_a_range_past_the_end_is_416_with_the_size(upload, header):
    work, data, author = upload()
    header = header.format(size=len(data), more=len(data) + 10)

    response = client_for(author).get(original_url(work), HTTP_RANGE=header)

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(data)}"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "header", ["bytes=0-1,4-5", "bytes=9-2", "items=0-1", "bytes=abc", "bytes=-", "0-5"]
)
def test_a_malformed_or_multiple_range_is_ignored_for_the_whole_file(upload, header):
    work, data, author = upload()

    response = client_for(author).get(original_url(work), HTTP_RANGE=header)

    assert response.status_code == 200
    assert body(response) == data
    assert "Content-Range" not in response


def test_if_range_applies_the_range_only_to_the_same_file(upload):
    work, data, author = upload()
    client = client_for(author)
    full = client.get(original_url(work))
    etag, modified = full["ETag"], full["Last-Modified"]

    def ask(if_range):
        return client.get(original_url(work), HTTP_RANGE="bytes=0-3", HTTP_IF_RANGE=if_range)

    assert ask(etag).status_code == 206
    assert ask(modified).status_code == 206
    assert ask('"something-else"').status_code == 200
    assert ask(f"W/{etag}").status_code == 200  # If-Range compares strongly
    assert ask(http_date(1_000_000_000)).status_code == 200
    assert body(ask('"something-else"')) == data


def test_head_answers_the_same_headers_without_a_body(upload):
    work, data, _ = upload()
    client = client_for()  # anyone: the download of others is the clean copy
    get = client.get(original_url(work), HTTP_RANGE="bytes=0-9")

    head = client.head(original_url(work), HTTP_RANGE="bytes=0-9")

    assert head.status_code == 206
    assert not head.streaming and head.content == b""
    for header in ("Content-Type", "Content-Disposition", "Content-Range", "Content-Length",
                   "ETag", "Last-Modified", "Cache-Control", "Accept-Ranges"):  # fmt: skip
        assert head[header] == get[header], header


def test_byte_range_reads_only_one_well_formed_range():
    assert byte_range("bytes=0-0", 1) == (0, 0)
    assert byte_range("bytes=-5", 3) == (0, 2)
    assert byte_range("", 10) is None
    assert byte_range("bytes=1-2, 3-4", 10) is None


# --- validators and caching ------------------------------------------------------------------


def test_a_known_etag_or_date_gets_304_with_its_validators(upload):
    work, _, author = upload()
    client = client_for(author)
    full = client.get(original_url(work))

    by_tag = client.get(original_url(work), HTTP_IF_NONE_MATCH=full["ETag"])
    by_date = client.get(original_url(work), HTTP_IF_MODIFIED_SINCE=full["Last-Modified"])
    other = client.get(original_url(work), HTTP_IF_NONE_MATCH='"other"')

    assert (by_tag.status_code, by_date.status_code, other.status_code) == (304, 304, 200)
    assert by_tag.content == b""
    assert by_tag["ETag"] == full["ETag"]
    assert by_tag["Cache-Control"] == full["Cache-Control"]


def test_versioned_renditions_are_public_and_immutable(upload):
    work, _, _ = upload()
    detail = client_for().get(f"/api/contributions/{work.id}/").json()
    thumbnail = detail["media"]["thumbnails"][0]["url"]
    assert "/renditions/" in thumbnail and "?v=" in thumbnail
    unversioned = thumbnail.split("?", 1)[0]

    kept = client_for().get(thumbnail)
    revalidated = client_for().get(unversioned)

    assert kept.status_code == 200
    assert kept["Cache-Control"] == "public, max-age=31536000, immutable"
    assert kept["Content-Disposition"].startswith("inline;")
    # The same path still answers, but may change: cached only with revalidation.
    assert revalidated["Cache-Control"] == "public, no-cache"


def test_a_reprocessed_rendition_gets_a_new_url_and_the_old_one_is_not_immutable(
    upload, django_capture_on_commit_callbacks
):
    """Processed again, renditions keep their stored names (renditions/<id>/<name>): only
    the version in their URL tells the new file from the old, even at the same size."""
    work, _, author = upload()
    before = client_for().get(f"/api/contributions/{work.id}/").json()["media"]["thumbnails"]

    with django_capture_on_commit_callbacks(execute=True):
        replaced = client_for(author).put(
            original_url(work), {"file": png_upload("dawn.png", (640, 480))}, format="multipart"
        )
    assert replaced.status_code == 200, replaced.content
    after = client_for().get(f"/api/contributions/{work.id}/").json()["media"]["thumbnails"]

    assert [t["url"].split("?")[0] for t in before] == [t["url"].split("?")[0] for t in after]
    assert {t["url"] for t in before}.isdisjoint(t["url"] for t in after)
    old, new = client_for().get(before[0]["url"]), client_for().get(after[0]["url"])
    assert old["Cache-Control"] == "public, no-cache"  # answers, with today's file
    assert new["Cache-Control"] == "public, max-age=31536000, immutable"
    assert old["ETag"] == new["ETag"]


def test_the_page_links_renditions_by_their_versioned_url(upload):
    work, _, _ = upload()
    versions = {r.name: r.version for r in work.renditions.all()}

    page = client_for().get(f"/contributions/{work.id}/").content.decode()
    linked = re.findall(rf"/api/contributions/{work.id}/renditions/([\w.-]+)\?v=(\w+)", page)

    assert linked
    assert all(versions[name] == version for name, version in linked)
    assert page.count("/renditions/") == len(linked)  # none without its version


def test_what_a_person_sees_because_of_who_they_are_is_private(upload):
    work, _, author = upload()

    own = client_for(author).get(original_url(work))
    someone = client_for(UserFactory()).get(original_url(work))
    anyone = client_for().get(original_url(work))

    assert own["Cache-Control"] == "private, no-cache"
    assert someone["Cache-Control"] == "private, no-cache"
    assert anyone["Cache-Control"] == "public, no-cache"
    assert own["ETag"] != anyone["ETag"]  # the author's original, the others' clean copy


def test_a_draft_projects_cover_is_private_an_open_ones_public():
    producer = UserFactory()
    client = client_for(producer)
    covers = {}
    for status in ("draft", "open"):
        project = make_project(owner=producer, status=status)
        put = client.put(
            f"/api/projects/{project.id}/cover", {"file": png_upload()}, format="multipart"
        )
        assert put.status_code in (200, 201), put.content
        covers[status] = client.get(f"/api/projects/{project.id}/cover")["Cache-Control"]

    assert covers == {"draft": "private, no-cache", "open": "public, no-cache"}


def test_a_receipt_is_private():
    producer = UserFactory()
    project = make_project(owner=producer)
    client = client_for(producer)
    cost = client.post(
        f"/api/projects/{project.id}/costs/",
        {"amount": "1.00", "currency": "USD", "note": "Studio", "receipt": png_upload()},
        format="multipart",
    )
    assert cost.status_code == 201, cost.content

    receipt = client.get(cost.json()["receipt"], HTTP_RANGE="bytes=0-3")

    assert receipt.status_code == 206
    assert body(receipt) == b"\x89PNG"
    assert receipt["Cache-Control"] == "private, no-cache"


def test_a_taken_down_work_serves_nothing(upload):
    work, _, author = upload()
    thumbnail = client_for().get(f"/api/contributions/{work.id}/").json()["media"]["thumbnails"]
    contribution_take_down(contribution=work, actor=StaffFactory(), reason="A notice.")

    assert client_for(author).get(original_url(work)).status_code == 404
    assert client_for().get(thumbnail[0]["url"]).status_code == 404


# --- x-accel: nginx sends the bytes ----------------------------------------------------------


@pytest.fixture
def x_accel(settings):
    settings.HITREC_FILE_DELIVERY = "x-accel"
    settings.HITREC_X_ACCEL_PREFIX = "/_protected/"


def test_x_accel_hands_the_file_to_nginx_with_our_headers(upload, x_accel):
    work, _, author = upload(name="nuit-étoilée.png")
    name = work.file.name
    assert quote(name) != name

    response = client_for(author).get(original_url(work), HTTP_RANGE="bytes=0-9")

    assert response.status_code == 200  # nginx answers the range itself
    assert body(response) == b""
    assert response["X-Accel-Redirect"] == "/_protected/" + quote(name)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "nuit-%C3%A9toil%C3%A9e.png" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-cache"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"]


def test_x_accel_still_answers_304_and_checks_permissions_first(upload, x_accel):
    work, _, author = upload()
    client = client_for(author)
    etag = client.get(original_url(work))["ETag"]

    not_modified = client.get(original_url(work), HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert "X-Accel-Redirect" not in not_modified

    rendition = work.renditions.get(role="thumbnail", width=256, mime="image/webp")
    shown = client_for().get(rendition.url_path)
    assert shown["X-Accel-Redirect"] == "/_protected/" + quote(rendition.file.name)
    assert shown["Cache-Control"] == "public, max-age=31536000, immutable"

    contribution_take_down(contribution=work, actor=StaffFactory(), reason="A notice.")
    gone = [client.get(original_url(work)), client_for().get(rendition.url_path)]
    assert [r.status_code for r in gone] == [404, 404]
    assert not any(r.has_header("X-Accel-Redirect") for r in gone)
