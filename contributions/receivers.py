"""What contributions does when accounts announce something: forget a closing account's works."""

from contributions.models import Contribution
from contributions.services import contribution_delete


def forget_on_account_closing(sender, *, user, **kwargs) -> None:
    """accounts' `account_closing`: the person's works are deleted, or kept as tombstones
    where others built on them or a release includes them (contribution_delete).

    Newest first: remixes go before their sources, so a source that only this person's own
    removed remixes built on is removed as well, instead of left as a tombstone.
    """
    works = Contribution.objects.filter(author=user, removed_at__isnull=True).order_by("-id")
    for contribution in works:
        contribution_delete(contribution=contribution, actor=user)
