"""What projects announce (hitrec.events): asks and their tags, decisions, releases."""

from dataclasses import dataclass

from hitrec.events import Event


@dataclass(frozen=True)
class AskPosted(Event):
    ask_id: int
    actor_id: int


@dataclass(frozen=True)
class AskTagged(Event):
    """An open ask carries tags people may list as skills: it was posted with them, given new
    ones, or its draft project opened. Who hears of it, and whether it is still open in a
    public project then, is the subscriber's job to check."""

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
