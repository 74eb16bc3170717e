"""What other apps call when something happens that people should hear about.

Each hook only notes ids and registers the fan-out with `transaction.on_commit`: an action
that rolls back notifies nobody, and who is told (and the emails) is worked out by a Celery
task after the commit. `robust=True`: a failure to notify is logged and never undoes or fails
the action that already committed.
"""

from collections.abc import Sequence

from django.db import transaction


def _after_commit(kind: str, **arguments) -> None:
    from notifications.tasks import notify

    transaction.on_commit(lambda: notify.delay(kind, arguments), robust=True)


def remixed(*, remix, source_ids: Sequence[int]) -> None:
    """A remix named these (newly added) sources: their authors hear of it."""
    if source_ids:
        _after_commit("remixed", remix_id=remix.id, source_ids=sorted(source_ids))


def ask_posted(*, ask, actor) -> None:
    """A project posted an ask: its followers hear of it."""
    _after_commit("ask_posted", ask_id=ask.id, actor_id=actor.id)


def submission_decided(*, submission) -> None:
    """A producer accepted or declined a submission: the artist hears of it, with the note."""
    _after_commit("submission_decided", submission_id=submission.id)


def released(*, release) -> None:
    """A project was released: every author in its frozen lineage hears of it."""
    _after_commit("released", release_id=release.id)


def revenue_recorded(*, event) -> None:
    """Revenue was recorded: everyone with a positive allocation hears their part."""
    _after_commit("revenue", event_id=event.id)


def statement_issued(*, statement) -> None:
    """A payout statement was issued: its person hears of it."""
    _after_commit("statement_issued", statement_id=statement.id)


def cost_changed(*, cost, change: str) -> None:
    """A cost was recorded or withdrawn (`change`): whoever bore it hears, unless it was them."""
    _after_commit("cost", cost_id=cost.id, change=change)


def mentioned(*, text: str, actor, url: str, where: str) -> None:
    """`text` (a comment at `url`, described by `where`, e.g. "a comment on “Loop”") was
    written by `actor`: the existing people it @mentions hear of it, each once."""
    if "@" in text:
        _after_commit("mention", text=text, actor_id=actor.id, url=url, where=where)


def proposal_published(*, revision) -> None:
    """A payment proposal was published: everyone whose work is in it hears their share."""
    _after_commit("proposal_published", revision_id=revision.id)


def proposal_revised(*, revision, previous) -> None:
    """A payment proposal was revised: everyone in either revision hears what changed for them."""
    _after_commit("proposal_revised", revision_id=revision.id, previous_id=previous.id)


def proposal_commented(*, comment) -> None:
    """Someone commented on a payment proposal: its producers (and whoever was answered) hear."""
    _after_commit("proposal_commented", comment_id=comment.id)


def proposal_accepted(*, acceptance) -> None:
    """Someone accepted a payment proposal's revision: its producers hear."""
    _after_commit("proposal_accepted", acceptance_id=acceptance.id)


def proposal_released(*, proposal) -> None:
    """A payment proposal became the release: everyone in it, its producers and commenters hear."""
    _after_commit("proposal_released", proposal_id=proposal.id)
