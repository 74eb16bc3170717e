"""Stored files follow their rows: saved for a row that rolls back, they go with it; no longer
named by a row, they go once the change commits, never before."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from hitrec.storage import files_delete_on_commit, files_kept_only_if_saved


@pytest.mark.django_db(transaction=True)
def test_files_saved_in_a_block_that_fails_are_deleted():
    with pytest.raises(RuntimeError), files_kept_only_if_saved() as files, transaction.atomic():
        first = files.save("tests/a.txt", ContentFile(b"a"))
        second = files.save("tests/b.txt", ContentFile(b"b"))
        assert default_storage.exists(first) and default_storage.exists(second)
        raise RuntimeError("the row was refused")

    assert not default_storage.exists(first)
    assert not default_storage.exists(second)


@pytest.mark.django_db(transaction=True)
def test_files_saved_in_a_block_that_succeeds_are_kept():
    with files_kept_only_if_saved() as files, transaction.atomic():
        name = files.save("tests/kept.txt", ContentFile(b"kept"))

    assert default_storage.open(name).read() == b"kept"


@pytest.mark.django_db(transaction=True)
def test_a_file_let_go_goes_only_when_the_change_commits():
    name = default_storage.save("tests/old.txt", ContentFile(b"old"))
    with pytest.raises(RuntimeError), transaction.atomic():
        files_delete_on_commit([name, ""])
        raise RuntimeError("rolled back: the row still names the file")
    assert default_storage.exists(name)

    with transaction.atomic():
        files_delete_on_commit([name])
        assert default_storage.exists(name)
    assert not default_storage.exists(name)
