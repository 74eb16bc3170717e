"""The credit guard's sound index in Redis: answers as the database does, stays whole, rebuilds."""

import logging

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from media import sound_index
from media.credit_guard import KEY_READ_LIMIT, matches_find, prints_of
from media.credit_guard.look_up import _database_hits, _hits
from media.models import FingerprintKey
from media.services import fingerprint_record
from tests.contributions.factories import ContributionFactory
from tests.media import fingerprint_samples as samples

pytestmark = pytest.mark.django_db
LANDMARK = FingerprintKey.Kind.LANDMARK


@pytest.fixture
def index(_redis_required, settings):
    """This test's own, empty sound index in the real Redis (REDIS_URL)."""
    settings.HITREC_SOUND_INDEX_URL = settings.REDIS_URL
    sound_index.clear()
    yield
    sound_index.clear()


def keys_of(work, keys: list[tuple[int, int]]) -> None:
    FingerprintKey.objects.bulk_create(
        FingerprintKey(kind=LANDMARK, key=key, position=position, contribution=work)
        for key, position in keys
    )


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    works=st.lists(
        st.lists(st.tuples(st.integers(0, 30), st.integers(0, 5_000)), max_size=40),
        min_size=1,
        max_size=6,
    ),
    asked=st.lists(st.integers(0, 35), max_size=30),
    excluded=st.integers(0, 5),
    part_keys=st.integers(1, 8),
)
def test_the_rebuilt_index_answers_every_look_up_as_the_database_does(
    index, works, asked, excluded, part_keys
):
    sound_index.clear()
    FingerprintKey.objects.all().delete()
    made = [ContributionFactory() for _ in works]
    for work, keys in zip(made, works, strict=True):
        keys_of(work, keys)
    sound_index.rebuild()
    exclude = made[excluded % len(made)].pk
    keys = np.unique(np.array(asked, dtype=np.int64))

    held = sound_index.postings(
        kind=LANDMARK, keys=keys, exclude=exclude, limit=KEY_READ_LIMIT, part_keys=part_keys
    )

    read = _database_hits(LANDMARK, keys.tolist(), exclude)
    assert held is not None
    assert held.tolist() == sorted(held.tolist(), key=lambda row: row[0])  # in key order
    assert sorted(map(tuple, held.tolist())) == sorted(read)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    keys=st.lists(st.tuples(st.integers(0, 600), st.integers(0, 5_000)), min_size=1, max_size=60)
)
def test_a_work_added_to_the_index_is_found_as_the_database_finds_it(index, keys):
    """As the media job adds a work's keys (in the order its fingerprint gives them)."""
    sound_index.clear()
    FingerprintKey.objects.all().delete()
    sound_index.rebuild()
    work, upload = ContributionFactory(), ContributionFactory()
    keys_of(work, keys)

    sound_index.work_add(
        contribution_id=work.pk, keys=[(LANDMARK, key, position) for key, position in keys]
    )

    asked = np.unique([key for key, _ in keys])
    held = sound_index.postings(kind=LANDMARK, keys=asked, exclude=upload.pk, limit=KEY_READ_LIMIT)
    read = _database_hits(LANDMARK, asked.tolist(), upload.pk)
    assert sorted(map(tuple, held.tolist())) == sorted(read)


def test_a_key_gives_its_oldest_works_first_up_to_the_limit(index):
    made = [ContributionFactory() for _ in range(5)]
    for number, work in enumerate(made):
        keys_of(work, [(7, number)])
    sound_index.rebuild()

    held = sound_index.postings(kind=LANDMARK, keys=np.array([7]), exclude=made[0].pk, limit=3)

    assert held.tolist() == [[7, made[1].pk, 1], [7, made[2].pk, 2], [7, made[3].pk, 3]]


def test_a_mix_is_found_through_the_index_alone(index, tmp_path):
    # The source's rows are gone from the database after it was fingerprinted: only the
    # postings its fingerprinting appended to Redis can lead the mix to it.
    sound_index.rebuild()
    track = samples.write_wav(tmp_path / "track.wav", samples.music(41, 30.0))
    louder = samples.write_wav(tmp_path / "louder.wav", samples.music(5041, 24.0))
    cut = samples.excerpt(track, tmp_path / "cut.wav", start=6.0, seconds=20.0)
    mixed = samples.mixed_under(cut, louder, tmp_path / "mix.wav", gain_db=-10.0)
    source, mix = (ContributionFactory(kind="audio", text="") for _ in range(2))
    fingerprint_record(
        contribution_id=source.pk,
        prints=prints_of(kind="audio", original=track, picture=None, text=""),
    )
    FingerprintKey.objects.filter(contribution=source).delete()

    found = matches_find(
        contribution_id=mix.pk,
        prints=prints_of(kind="audio", original=mixed, picture=None, text=""),
    )

    assert [(f.earlier, f.match.kind) for f in found] == [(source.pk, "audio")]


def test_without_an_index_look_ups_read_the_database_and_a_rebuild_is_queued(
    index, django_capture_on_commit_callbacks
):
    source, upload = ContributionFactory(), ContributionFactory()
    keys_of(source, [(11, 3), (12, 4)])
    keys = np.array([11, 12])

    with django_capture_on_commit_callbacks(execute=True) as queued:
        assert sound_index.postings(kind=LANDMARK, keys=keys, exclude=upload.pk, limit=10) is None
        sound_index.postings(kind=LANDMARK, keys=keys, exclude=upload.pk, limit=10)

    # Queued once for both, on commit; it ran in-process (the unit tests' Celery).
    assert len(queued) == 1
    held = sound_index.postings(kind=LANDMARK, keys=keys, exclude=upload.pk, limit=10)
    assert held.tolist() == [[11, source.pk, 3], [12, source.pk, 4]]


def test_a_rebuild_drops_the_postings_of_prints_replaced_since(index):
    work, upload = ContributionFactory(), ContributionFactory()
    sound_index.rebuild()
    sound_index.work_add(contribution_id=work.pk, keys=[(LANDMARK, 21, 1)])
    keys_of(work, [(22, 2)])  # its prints made again: the database holds only the new key
    sound_index.work_add(contribution_id=work.pk, keys=[(LANDMARK, 22, 2)])
    keys = np.array([21, 22])
    before = sound_index.postings(kind=LANDMARK, keys=keys, exclude=upload.pk, limit=10)

    call_command("sound_index", "rebuild")

    after = sound_index.postings(kind=LANDMARK, keys=keys, exclude=upload.pk, limit=10)
    assert before.tolist() == [[21, work.pk, 1], [22, work.pk, 2]]
    assert after.tolist() == [[22, work.pk, 2]]


def test_a_work_fingerprinted_during_a_rebuild_is_in_the_new_index(index):
    # A rebuild announces its generation before it reads the rows; a work written after
    # that is appended to it too, whether or not the rows it reads hold the work.
    work, upload = ContributionFactory(), ContributionFactory()
    client = sound_index._redis()
    base = sound_index._base()
    client.set(f"{base}:building", 99)
    sound_index.work_add(contribution_id=work.pk, keys=[(LANDMARK, 31, 5)])
    client.set(f"{base}:current", 99)

    held = sound_index.postings(kind=LANDMARK, keys=np.array([31]), exclude=upload.pk, limit=10)

    assert held.tolist() == [[31, work.pk, 5]]


def test_a_question_left_unanswered_does_not_answer_the_next_one(index):
    # As when the look-up between asking and reading fails: its reply must not be read as
    # the next question's.
    made = [ContributionFactory() for _ in range(3)]
    keys_of(made[1], [(3, 30)])
    keys_of(made[2], [(4, 40)])
    sound_index.rebuild()

    with sound_index.ask(kind=LANDMARK, keys=np.array([3])):
        pass  # never answered
    held = sound_index.postings(kind=LANDMARK, keys=np.array([4]), exclude=made[0].pk, limit=9)

    assert held.tolist() == [[4, made[2].pk, 40]]


def test_a_redis_that_does_not_answer_leaves_the_look_up_to_the_database(settings, caplog):
    settings.HITREC_SOUND_INDEX_URL = "redis://127.0.0.1:9/0"  # nothing listens there
    source, upload = ContributionFactory(), ContributionFactory()
    keys_of(source, [(41, 6)])

    with caplog.at_level(logging.WARNING, logger="media.sound_index"):
        sound_index.work_add(contribution_id=source.pk, keys=[(LANDMARK, 41, 6)])
        held = sound_index.postings(kind=LANDMARK, keys=np.array([41]), exclude=upload.pk, limit=9)
        read = _hits(LANDMARK, [41], upload.pk)

    assert held is None
    assert "not added to the sound index" in caplog.text
    assert "did not answer" in caplog.text
    assert read.tolist() == [[41, source.pk, 6]]


def test_the_rebuild_command_says_when_no_index_is_configured(settings):
    settings.HITREC_SOUND_INDEX_URL = ""

    with pytest.raises(CommandError, match="No sound index is configured"):
        call_command("sound_index", "rebuild")


def test_fingerprinting_everything_again_ends_with_a_rebuild_that_drops_old_postings(index):
    work, upload = ContributionFactory(kind="text"), ContributionFactory()
    sound_index.rebuild()
    sound_index.work_add(contribution_id=work.pk, keys=[(LANDMARK, 51, 1)])  # a file since replaced

    call_command("fingerprint", "--all")

    assert (
        sound_index.postings(
            kind=LANDMARK, keys=np.array([51]), exclude=upload.pk, limit=9
        ).tolist()
        == []
    )
