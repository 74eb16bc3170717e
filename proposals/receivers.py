"""Signal receivers of proposals."""

from proposals.services import proposals_forget


def forget_on_account_closing(sender, *, user, **kwargs) -> None:
    """accounts' `account_closing`: the words of the person's proposal comments go."""
    proposals_forget(user=user)
