"""Uploading, remixing, listing, editing and deleting contributions through the API."""

import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from contributions.models import Contribution, RemixLink
from tests.accounts.factories import UserFactory
from tests.contributions.uploads import png_upload, text_upload

pytestmark = pytest.mark.django_db

URL = "/api/contributions/"


def stored_files() -> list[Path]:
    return sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())


def upload(client, **fields):
    fields.setdefault("title", "Night Bus")
    return client.post(URL, fields, format="multipart")


def test_an_artist_uploads_an_image(user_client, user):
    image = png_upload()
    content = image.read()
    image.seek(0)

    response = upload(user_client, file=image, description="Orange dusk", license="cc-by")

    assert response.status_code == 201
    body = response.json()
    contribution = Contribution.objects.get(pk=body["id"])
    assert body["status"] in {"pending", "processing", "ready"}
    assert body["kind"] == "image"
    assert body["author"] == {"id": user.id, "username": user.username}
    assert body["license"] == "cc-by"
    assert body["sources"] == []
    assert body["media"]["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["media"]["bytes"] == len(content)
    assert body["media"]["url"].endswith(f"/api/contributions/{contribution.id}/original")
    assert contribution.file.read() == content


def test_the_original_downloads_as_an_attachment_that_cannot_run(
    user_client, api_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # processed: others get a copy
        created = upload(user_client, file=png_upload("dusk.png")).json()

    response = api_client.get(created["media"]["url"])

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="dusk.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_the_kind_comes_from_the_content_not_the_name(user_client):
    response = upload(user_client, file=png_upload("actually-a-song.mp3"))
    assert response.json()["kind"] == "image"


def test_a_text_body_or_a_text_file_makes_a_text_contribution(user_client):
    typed = upload(user_client, text="Night bus, window seat.")
    uploaded = upload(user_client, title="Verse", file=text_upload())

    assert typed.status_code == uploaded.status_code == 201
    assert typed.json()["kind"] == uploaded.json()["kind"] == "text"
    assert Contribution.objects.get(pk=uploaded.json()["id"]).text.startswith("# Verse")
    assert stored_files() == []  # text is kept in the database, not as a file


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({}, "file", "Send a file, or a text body in `text`."),
        ({"text": "words", "file": "png"}, "file", "Send either a file or a text body, not both."),
        ({"file": "svg"}, "file", "hitrec does not accept this kind of file"),
        ({"file": "elf"}, "file", "hitrec does not accept this kind of file"),
        ({"file": "empty"}, "file", "This file is empty (0 bytes)."),
        ({"text": "x", "license": "gpl"}, "license", "is not a valid choice"),
        ({"text": "x", "title": ""}, "title", "may not be blank"),
    ],
)
def test_bad_uploads_are_refused_with_a_reason_and_leave_nothing(
    user_client, fields, field, message
):
    files = {
        "png": png_upload(),
        "svg": SimpleUploadedFile("a.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        "elf": SimpleUploadedFile("a.png", b"\x7fELF\x02\x01\x01" + b"\x00" * 100),
        "empty": SimpleUploadedFile("a.png", b""),
    }  # fmt: skip
    if "file" in fields:
        fields = {**fields, "file": files[fields["file"]]}

    response = upload(user_client, **fields)

    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert Contribution.objects.count() == 0
    assert stored_files() == []


def test_an_upload_over_its_kinds_limit_is_refused_with_413(user_client, settings):
    settings.HITREC_UPLOAD_LIMITS = {**settings.HITREC_UPLOAD_LIMITS, "image": 1000}

    response = upload(user_client, file=png_upload(size=(400, 400)))

    assert response.status_code == 413
    assert response.json() == {
        "detail": "This file is larger than 1.0 KB; image uploads are limited to 1.0 KB."
    }
    assert Contribution.objects.count() == 0
    assert stored_files() == []


def test_anonymous_people_cannot_upload(api_client):
    assert upload(api_client, text="words").status_code == 401


def test_a_remix_names_its_sources(user_client):
    loop = upload(user_client, title="Loop", text="la la", license="cc-by").json()
    verse = upload(user_client, title="Verse", text="do re", license="cc0").json()

    remix = upload(
        user_client, title="Song", text="la do", license="cc-by", sources=[loop["id"], verse["id"]]
    )

    assert remix.status_code == 201
    assert remix.json()["sources"] == [loop["id"], verse["id"]]
    assert RemixLink.objects.filter(remix_id=remix.json()["id"]).count() == 2


def test_remix_refusals_name_the_source_and_the_rule(user_client):
    nd = upload(user_client, title="Fixed", text="no", license="cc-by-nd").json()
    sa = upload(user_client, title="Shared", text="yes", license="cc-by-sa").json()

    not_remixable = upload(user_client, text="x", license="cc-by", sources=[nd["id"]])
    wrong_license = upload(user_client, text="x", license="cc-by", sources=[sa["id"]])
    missing = upload(user_client, text="x", sources=[999999])
    twice = upload(user_client, text="x", license="cc-by-sa", sources=[sa["id"], sa["id"]])

    assert not_remixable.status_code == 400
    assert not_remixable.json()["sources"] == [
        f"“Fixed” (#{nd['id']}) cannot be used as a source: its license, CC BY-ND "
        "(NoDerivatives), does not allow remixes."
    ]
    assert wrong_license.status_code == 400
    assert "ShareAlike" in wrong_license.json()["license"][0]
    assert missing.json()["sources"] == ["There is no contribution #999999 to remix."]
    assert twice.json()["sources"] == [f"#{sa['id']} is listed twice; name each source once."]
    assert Contribution.objects.count() == 2


def test_sources_are_edited_later_by_the_author_only(user_client, user, api_client):
    first = upload(user_client, title="First", text="a", license="cc-by").json()
    second = upload(user_client, title="Second", text="b", license="cc-by").json()
    remix = upload(user_client, title="Remix", text="c", license="cc-by").json()
    url = f"{URL}{remix['id']}/"

    changed = user_client.patch(url, {"sources": [first["id"], second["id"]]})
    assert changed.status_code == 200
    assert changed.json()["sources"] == [first["id"], second["id"]]
    assert user_client.patch(url, {"sources": [second["id"]]}).json()["sources"] == [second["id"]]

    other = UserFactory()
    api_client.force_authenticate(other)
    refused = api_client.patch(url, {"sources": []})
    assert refused.status_code == 403
    assert refused.json() == {"detail": f"Only the author of “Remix” (#{remix['id']}) can edit it."}
    assert RemixLink.objects.filter(remix_id=remix["id"]).count() == 1


def test_a_newer_work_cannot_become_a_source_so_no_cycle_can_form(user_client):
    older = upload(user_client, title="Older", text="a", license="cc-by").json()
    newer = upload(
        user_client, title="Newer", text="b", license="cc-by", sources=[older["id"]]
    ).json()

    response = user_client.patch(f"{URL}{older['id']}/", {"sources": [newer["id"]]})
    itself = user_client.patch(f"{URL}{older['id']}/", {"sources": [older["id"]]})

    assert response.status_code == 400
    assert response.json()["sources"] == [
        f"“Newer” (#{newer['id']}) was uploaded after this contribution, so it cannot be one "
        "of its sources."
    ]
    assert itself.json()["sources"] == [f"“Older” (#{older['id']}) cannot be a source of itself."]


def test_changing_a_remixs_license_is_checked_against_its_sources(user_client):
    sa = upload(user_client, title="Shared", text="a", license="cc-by-sa").json()
    remix = upload(user_client, text="b", license="cc-by-sa", sources=[sa["id"]]).json()

    response = user_client.patch(f"{URL}{remix['id']}/", {"license": "cc0"})

    assert response.status_code == 400
    assert "ShareAlike" in response.json()["license"][0]
    assert Contribution.objects.get(pk=remix["id"]).license == "cc-by-sa"


def test_deleting_unremixed_work_removes_it_and_its_file(
    user_client, django_capture_on_commit_callbacks
):
    created = upload(user_client, file=png_upload()).json()
    assert stored_files()

    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.delete(f"{URL}{created['id']}/")

    assert response.status_code == 204
    assert not Contribution.objects.filter(pk=created["id"]).exists()
    assert stored_files() == []


def test_deleting_remixed_work_leaves_a_tombstone_in_the_lineage(
    user_client, api_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        source = upload(user_client, title="Loop", file=png_upload(), license="cc-by").json()
    remix = upload(
        user_client, title="Song", text="x", license="cc-by", sources=[source["id"]]
    ).json()
    assert len(stored_files()) > 1  # the original and its thumbnails

    with django_capture_on_commit_callbacks(execute=True):
        assert user_client.delete(f"{URL}{source['id']}/").status_code == 204

    tombstone = api_client.get(f"{URL}{source['id']}/").json()
    assert tombstone["removed"] is True
    assert tombstone["title"] == "Loop"
    assert tombstone["media"]["url"] is None
    assert stored_files() == []
    assert api_client.get(f"{URL}{remix['id']}/").json()["sources"] == [source["id"]]
    assert source["id"] not in [c["id"] for c in api_client.get(URL).json()["results"]]
    # A deleted work cannot be picked as a new source.
    again = upload(user_client, text="y", license="cc-by", sources=[source["id"]])
    assert "was deleted by its author" in again.json()["sources"][0]


def test_only_the_author_deletes(user_client, api_client):
    created = upload(user_client, text="mine").json()
    api_client.force_authenticate(UserFactory())

    assert api_client.delete(f"{URL}{created['id']}/").status_code == 403
    assert Contribution.objects.filter(pk=created["id"]).exists()


def test_list_filters_and_search(user_client, user, api_client):
    upload(user_client, title="Blue loop", text="x", license="cc-by")
    upload(user_client, title="Red", file=png_upload(), description="a blue sky", license="cc0")
    other_client = api_client
    other = UserFactory(username="bo")
    other_client.force_authenticate(other)
    upload(other_client, title="Green", text="y", license="cc-by")

    def titles(**params):
        response = api_client.get(URL, params)
        assert response.status_code == 200
        return sorted(item["title"] for item in response.json()["results"])

    assert titles() == ["Blue loop", "Green", "Red"]
    assert titles(kind="image") == ["Red"]
    assert titles(author=user.id) == ["Blue loop", "Red"]
    assert titles(author="BO") == ["Green"]
    assert titles(license="cc-by") == ["Blue loop", "Green"]
    assert titles(search="blue") == ["Blue loop", "Red"]
    ordered = api_client.get(URL, {"ordering": "title"}).json()["results"]
    assert [item["title"] for item in ordered] == ["Blue loop", "Green", "Red"]
    bad = api_client.get(URL, {"kind": "sculpture"})
    assert bad.status_code == 400
    assert "kind" in bad.json()


def test_list_is_paginated(user_client, api_client):
    for n in range(5):
        upload(user_client, title=f"Piece {n}", text="x")

    page = api_client.get(URL, {"page_size": 2}).json()

    assert page["count"] == 5
    assert len(page["results"]) == 2
    assert page["next"] is not None and page["previous"] is None


@pytest.mark.parametrize("page_size", [1, 10, 40])
def test_list_runs_a_constant_number_of_queries(
    user_client, api_client, django_assert_max_num_queries, page_size
):
    base = upload(user_client, title="Base", text="x", license="cc-by").json()
    for n in range(page_size):
        upload(user_client, title=f"Remix {n}", text="x", license="cc-by", sources=[base["id"]])

    # The count, the page, and one each for sources, renditions and tags, whatever the size.
    with django_assert_max_num_queries(5):
        response = api_client.get(URL, {"page_size": page_size})

    assert len(response.json()["results"]) == page_size
