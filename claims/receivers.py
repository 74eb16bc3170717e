"""What claims do when lower apps announce: a removed work's claims lapse; a closing
account's claims are withdrawn and its words go."""

from claims.services import claims_forget, claims_lapse
from contributions.events import ContributionRemoved


def forget_on_account_closing(sender, *, user, **kwargs) -> None:
    """accounts' `account_closing`: see `claims_forget`."""
    claims_forget(user=user)


def contribution_removed(event: ContributionRemoved) -> None:
    claims_lapse(contribution_id=event.contribution_id)
