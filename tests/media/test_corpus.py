"""Damaged files of every format, uploaded through the API in the embedded mode: never a 500,
every upload ends ready or failed with a reason its author can read, and no file left over."""

import logging
import os

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from contributions.models import Contribution
from tests.media.corpus import assert_finished_with_a_reason, corpus, referenced_files, stored_files

# (cuts, flips) per sample: images are cheap to process, so they get the most. A short pass
# (each upload now runs the whole job, the credit guard's step included); HITREC_CORPUS_SCALE
# multiplies them for a longer hunt (make fuzz uses 4).
SCALE = int(os.environ.get("HITREC_CORPUS_SCALE", "1"))
DAMAGE = {
    kind: (cuts * SCALE, flips * SCALE)
    for kind, (cuts, flips) in {
        "image": (8, 12), "audio": (3, 4), "video": (3, 3), "text": (10, 10)
    }.items()
}  # fmt: skip


@pytest.mark.parametrize("kind", ["image", "audio", "video", "text"])
@pytest.mark.django_db(transaction=True)
def test_damaged_uploads_end_ready_or_failed_with_a_reason_and_leave_no_orphans(
    kind, user_client, tmp_path, caplog
):
    # transaction=True: each upload commits and runs its job inside the request, as the
    # embedded default (`make run` without REDIS_URL) does.
    caplog.set_level(logging.ERROR, logger="media")
    files = corpus(kind, tmp_path, cuts=DAMAGE[kind][0], flips=DAMAGE[kind][1])
    answers: dict[int, list[str]] = {}

    for damaged in files:
        response = user_client.post(
            "/api/contributions/",
            {"title": damaged.name, "file": SimpleUploadedFile(damaged.name, damaged.data)},
            format="multipart",
        )
        answers.setdefault(response.status_code, []).append(damaged.name)
        assert response.status_code < 500, f"{damaged.name}: {response.content[:300]!r}"
        if response.status_code == 201:
            contribution = Contribution.objects.get(pk=response.json()["id"])
            assert_finished_with_a_reason(contribution, damaged.name)
        else:
            assert "detail" in response.json() or "file" in response.json(), damaged.name

    assert set(answers) <= {201, 400, 413, 415}, answers
    # No crash was logged: every decoder error was classified as the file's.
    crashes = [
        r for r in caplog.records if r.name.startswith("media") and r.levelno >= logging.ERROR
    ]
    assert not crashes, [r.getMessage() for r in crashes]
    assert stored_files(settings.MEDIA_ROOT) == referenced_files()
    # The corpus is no formality: some damage is refused, at upload or by its job.
    failed = Contribution.objects.filter(status="failed").exists()
    assert failed or set(answers) != {201}, answers
