"""Concurrent edits of one remix's sources serialise: the result is one edit, never a mix."""

import threading

import pytest
from django.db import connection

from contributions.models import RemixLink
from contributions.services import remix_sources_set
from tests.contributions.factories import make_lineage


@pytest.mark.django_db(transaction=True)
def test_concurrent_source_edits_leave_exactly_one_of_them():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serialises all writers anyway")
    works = make_lineage([], 7)
    remix = works[-1]
    choices = [[works[0].id, works[1].id, works[2].id], [works[3].id, works[4].id, works[5].id]]
    barrier = threading.Barrier(len(choices) * 4)
    errors: list[BaseException] = []

    def edit(sources: list[int]) -> None:
        try:
            barrier.wait()
            remix_sources_set(contribution=remix, actor=remix.author, sources=sources)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(c,)) for c in choices * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    final = sorted(RemixLink.objects.filter(remix=remix).values_list("source_id", flat=True))
    assert final in [sorted(c) for c in choices]
