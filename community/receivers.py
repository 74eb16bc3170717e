"""Signal receivers of community: thin, they call a service."""

from community.services import community_forget


def forget_on_account_closing(sender, *, user, **kwargs) -> None:
    """accounts' `account_closing`: drop the person's follows and comments in that transaction."""
    community_forget(user=user)
