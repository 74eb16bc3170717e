"""Reads of accounts: a person's latest data exports."""

from accounts.models import DataExport, User

# How many of a person's past exports the settings page lists.
RECENT_EXPORTS = 5


def data_exports_recent(*, user: User) -> list[DataExport]:
    """The person's latest data exports, newest first (the model's order)."""
    return list(DataExport.objects.filter(user=user)[:RECENT_EXPORTS])
