"""Reads of accounts: a person's latest data exports, their API tokens."""

from accounts.models import ApiToken, DataExport, User

# How many of a person's past exports the settings page lists.
RECENT_EXPORTS = 5


def data_exports_recent(*, user: User) -> list[DataExport]:
    """The person's latest data exports, newest first (the model's order)."""
    return list(DataExport.objects.filter(user=user)[:RECENT_EXPORTS])


def api_tokens_of(*, user: User) -> list[ApiToken]:
    """The person's named tokens not revoked, newest first, expired ones included (marked)."""
    return list(ApiToken.objects.filter(user=user, revoked_at__isnull=True))
