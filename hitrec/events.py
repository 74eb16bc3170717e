"""Announcing what happened: a lower app announces a typed event, the apps above subscribe.

Apps depend one way (docs/architecture.md, "Layers"): contributions never imports the media
pipeline or notifications, yet an upload must be processed and a remix's sources told. So
contributions announces `OriginalStored` and `RemixSourcesAdded` (each app keeps its events
in its own `events.py`), and media and notifications subscribe in their `AppConfig.ready()`.

A subscriber runs once the announcing transaction commits (at once outside a transaction),
so an action that rolls back tells nobody; `robust`, so a subscriber's failure is logged and
never undoes or fails the action that already committed. Subscribers should be quick: they
queue a job, and the job does the work.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.db import transaction


class Event:
    """Base of every event: a frozen dataclass of ids and plain values, named in the past."""


E = TypeVar("E", bound=Event)
_subscribers: defaultdict[type[Event], list[Callable[[Event], None]]] = defaultdict(list)


def subscribe(event_type: type[E], subscriber: Callable[[E], None]) -> None:
    """Call `subscriber(event)` after the commit of every `event_type` announced (once each)."""
    if subscriber not in _subscribers[event_type]:
        _subscribers[event_type].append(subscriber)  # type: ignore[arg-type]


def unsubscribe(event_type: type[E], subscriber: Callable[[E], None]) -> None:
    if subscriber in _subscribers.get(event_type, ()):
        _subscribers[event_type].remove(subscriber)  # type: ignore[arg-type]


def subscribers(event_type: type[Event]) -> list[Callable[[Event], None]]:
    """Who hears `event_type`, in the order they subscribed (for tests and the docs)."""
    return list(_subscribers.get(event_type, ()))


def announce(event: Event) -> None:
    """Tell the subscribers of `type(event)` once the current transaction commits."""
    for subscriber in _subscribers.get(type(event), ()):
        transaction.on_commit(_delivery(subscriber, event), robust=True)


def _delivery(subscriber: Callable[[Event], None], event: Event) -> Callable[[], None]:
    def deliver() -> None:
        subscriber(event)

    # Django logs a robust callback's failure by its __qualname__ (a partial has none): name
    # the subscriber and the event, so the log says who failed to hear what.
    name = getattr(subscriber, "__qualname__", repr(subscriber))
    deliver.__qualname__ = f"{name}({type(event).__name__})"
    return deliver


@dataclass(frozen=True)
class TextPublished(Event):
    """Someone published words others read at `url` (a comment, a proposal's comment), which
    may @mention people. `place` says on what, "contribution", "project" or "proposal", and
    `title` names it, so that whoever tells people can say it in each reader's language."""

    text: str
    actor_id: int
    url: str
    place: str
    title: str
