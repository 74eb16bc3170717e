"""What a person says about themselves (and the skills they offer), where they are paid, the
language written to them."""

import logging
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User, UserSkill
from accounts.services.addresses import address_verification_request
from hitrec.caching import public_reads_changed
from hitrec.i18n import language_supported
from hitrec.tag_fields import tags_checked
from hitrec.tag_rows import tag_rows_replace

logger = logging.getLogger(__name__)


@transaction.atomic
def user_profile_update(
    *,
    user: User,
    display_name: str | None = None,
    bio: str | None = None,
    payout_email: str | None = None,
    language: str | None = None,
    skills: Sequence[str] | None = None,
) -> User:
    """Change what a person says about themselves, the skills they offer (tags: open asks
    tagged with them are shown to them), where their payouts go, and the language hitrec
    writes to them in ("" follows their browser on pages, the site's default in mail)."""
    if language and not language_supported(language):
        raise ValidationError(
            {"language": _("hitrec is not written in “%(language)s”.") % {"language": language}}
        )
    names = tags_checked(skills, field="skills") if skills is not None else None
    changes = {
        "display_name": display_name, "bio": bio, "payout_email": payout_email,
        "language": language,
    }  # fmt: skip
    fields = [name for name, value in changes.items() if value is not None]
    # A new payout address must be proved before anyone is paid through it.
    payout_moved = payout_email is not None and payout_email != user.payout_email
    for name in fields:
        setattr(user, name, changes[name])
    if payout_moved:
        user.payout_email_verified_at = None
        fields.append("payout_email_verified_at")
    if fields:
        user.full_clean(exclude=["password"])
        user.save(update_fields=fields)
        if fields != ["language"]:
            public_reads_changed()  # works show their author
    if names is not None:
        _skills_replace(user, names)
    if payout_moved and user.payout_email:
        address_verification_request(user=user, field="payout_email")
    return user


def _skills_replace(user: User, names: list[str]) -> None:
    """The person offers exactly these skills (normalised), in the order given."""
    tag_rows_replace(UserSkill, "user", user, names)
