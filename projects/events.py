"""What projects announce (hitrec.events): asks, decisions on submissions, releases."""

from dataclasses import dataclass

from hitrec.events import Event


@dataclass(frozen=True)
class AskPosted(Event):
    ask_id: int
    actor_id: int


@dataclass(frozen=True)
class SubmissionDecided(Event):
    """A producer accepted or declined a submission."""

    submission_id: int


@dataclass(frozen=True)
class ProjectReleased(Event):
    """A project's release was frozen: its split can be prepared, its people told."""

    release_id: int
