"""Events: subscribers hear an announcement once its transaction commits, never after a
rollback, and a subscriber that fails neither undoes nor fails the announcing action."""

from dataclasses import dataclass

import pytest
from django.db import transaction

from hitrec.events import Event, announce, subscribe, subscribers, unsubscribe


@dataclass(frozen=True)
class SomethingHappened(Event):
    thing_id: int


@pytest.mark.django_db(transaction=True)
def test_subscribers_hear_after_the_commit_and_not_after_a_rollback(heard):
    events = heard(SomethingHappened)

    with transaction.atomic():
        announce(SomethingHappened(thing_id=1))
        assert events == []  # not yet: the transaction may still roll back
    with pytest.raises(RuntimeError), transaction.atomic():
        announce(SomethingHappened(thing_id=2))
        raise RuntimeError("the action failed")

    assert events == [SomethingHappened(thing_id=1)]


@pytest.mark.django_db(transaction=True)
def test_a_failing_subscriber_is_logged_and_the_others_still_hear(heard, caplog):
    def broken(event):
        raise ValueError("subscriber bug")

    subscribe(SomethingHappened, broken)
    try:
        events = heard(SomethingHappened)
        with transaction.atomic():
            announce(SomethingHappened(thing_id=3))
    finally:
        unsubscribe(SomethingHappened, broken)

    assert events == [SomethingHappened(thing_id=3)]
    assert "subscriber bug" in caplog.text


def test_subscribing_twice_hears_once_and_unsubscribing_stops_it():
    def listener(event):
        return None

    subscribe(SomethingHappened, listener)
    subscribe(SomethingHappened, listener)
    assert subscribers(SomethingHappened).count(listener) == 1
    unsubscribe(SomethingHappened, listener)
    assert listener not in subscribers(SomethingHappened)


def test_the_apps_subscribe_when_django_starts():
    from contributions.events import OriginalStored
    from media.subscribers import original_stored
    from notifications.subscribers import announced
    from projects.events import ProjectReleased
    from royalties.subscribers import project_released

    assert original_stored in subscribers(OriginalStored)
    # Royalties prepare the release's split and notifications tell its people, once each.
    assert sorted(subscribers(ProjectReleased), key=id) == sorted(
        [project_released, announced], key=id
    )
