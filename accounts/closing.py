"""What closing an account asks of the apps above accounts.

`account_closing` is sent inside the closing transaction, before the person's fields are
scrubbed: apps that keep the person's work or data (contributions, projects, comments,
proposals' comments) remove or withdraw it there. `money_owed` asks the apps that owe
people money (royalties) whether this person is still owed any: then the payout email is
kept, so that they can still be paid.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.dispatch import Signal

if TYPE_CHECKING:
    from accounts.models import User

account_closing = Signal()

_owed_checks: list[Callable[[User], bool]] = []


def owed_check_register(check: Callable[[User], bool]) -> None:
    if check not in _owed_checks:
        _owed_checks.append(check)


def money_owed(user: User) -> bool:
    return any(check(user) for check in _owed_checks)
