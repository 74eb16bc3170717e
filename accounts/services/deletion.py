"""Closing an account ("delete my account"): what goes, what stays, and why.

- The ``User`` row stays. Releases (producer, lineage snapshot), the ledger, allocations and
  statements PROTECT it, and the money the person earned must stay payable. The account is
  closed instead: deactivated, its password made unusable, its API tokens deleted, and every
  personal field scrubbed: username -> ``deleted-<id>`` (``deleted-`` is reserved at sign-up
  so the name is always free), display name -> "Former artist", email, names and bio emptied,
  the skills they listed removed.
- The payout email is kept only while the ledger still owes the person money (a positive
  payable balance in any currency); then the login email is kept there if no payout email
  was set, or nobody could be paid. With nothing owed it is emptied too.
- Contributions go through ``contribution_delete``: works others remixed or a release
  includes stay in lineages as tombstones (title and author kept, file and body gone); the
  rest are removed with their files and renditions. Newest first, so a source only their
  own (removed) remixes built on is removed too rather than kept as a tombstone.
- Submissions of their works to projects not yet released are withdrawn (pending and
  accepted alike: the work is gone, so a producer cannot credit it any more).
- Projects they own that were never released are removed, drafts and open ones alike
  (submissions, asks and memberships with them; others' contributions stay): a release
  names its owner as the producer on record and pays them, so a project whose producer left
  could never be released fairly. Released projects stay: they are the producer on record.
- Co-producer memberships end; their data exports are removed with their archives.
- Sessions: an unusable password changes the session hash and an inactive user is refused
  by the auth backend, so every session of theirs is dead on its next request.
- Apps above accounts do their part on ``accounts.closing.account_closing``, sent inside the
  closing transaction: contributions (the works), projects (submissions, unreleased projects,
  memberships), community and proposals (comments, follows).
"""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.closing import account_closing, money_owed
from accounts.models import User
from accounts.services.access import api_tokens_revoke_all
from hitrec.caching import public_reads_changed
from hitrec.storage import files_delete_on_commit

logger = logging.getLogger(__name__)

# Usernames given to closed accounts; nobody may sign up with one.
CLOSED_USERNAME_PREFIX = "deleted-"
CLOSED_DISPLAY_NAME = "Former artist"


def account_delete(*, user: User, password: str) -> User:
    """A person deletes their account, confirming with their password (see the module doc)."""
    if not password or not user.check_password(password):
        raise ValidationError(
            {"password": [_("That is not your password; your account was not deleted.")]}
        )
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        exports = list(user.data_exports.values_list("file", flat=True))
        user.data_exports.all().delete()
        files_delete_on_commit(exports)
        api_tokens_revoke_all(user=user)
        # Their works, projects, memberships, comments: each app forgets its part
        # (accounts.closing), in this transaction.
        account_closing.send(sender=User, user=user)
        _account_scrub(user)
    return user


def _account_scrub(user: User) -> None:
    owed = money_owed(user)
    user.payout_email = (user.payout_email or user.email) if owed else ""
    user.username = f"{CLOSED_USERNAME_PREFIX}{user.pk}"
    # The old name's shape goes with it: it was personal data, and the name is free again.
    # "deleted-" names are reserved at sign-up, so they need no shape to be kept apart.
    user.username_skeleton = None
    user.display_name = CLOSED_DISPLAY_NAME
    user.email = ""
    user.first_name = ""
    user.last_name = ""
    user.bio = ""
    user.skills.all().delete()
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()
    user.save()
    public_reads_changed()  # tombstones keep showing their author, now renamed
    user.groups.clear()
    user.user_permissions.clear()
