"""Reads of accounts: a person's skills, their latest data exports, their API tokens."""

from django.db.models import Q

from accounts.models import ApiToken, DataExport, User, UserSkill

# How many of a person's past exports the settings page lists.
RECENT_EXPORTS = 5


def skills_of(*, user: User) -> list[str]:
    """The skills the person offers, as tags, in the order they gave them."""
    return list(UserSkill.objects.filter(user=user).order_by("id").values_list("name", flat=True))


def data_exports_recent(*, user: User) -> list[DataExport]:
    """The person's latest data exports, newest first (the model's order)."""
    return list(DataExport.objects.filter(user=user)[:RECENT_EXPORTS])


def api_tokens_of(*, user: User) -> list[ApiToken]:
    """The person's named tokens not revoked, newest first, expired ones included (marked)."""
    return list(ApiToken.objects.filter(user=user, revoked_at__isnull=True))


def payee_verified(prefix: str = "") -> Q:
    """Whose payout address is proved, as a filter (`prefix`: the path to the user, e.g.
    "user__"): the payout address if one is set, else the login address (User.payee_email)."""
    return (
        ~Q(**{f"{prefix}payout_email": ""})
        & Q(**{f"{prefix}payout_email_verified_at__isnull": False})
    ) | (
        Q(**{f"{prefix}payout_email": ""})
        & ~Q(**{f"{prefix}email": ""})
        & Q(**{f"{prefix}email_verified_at__isnull": False})
    )
