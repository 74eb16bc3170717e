"""Signing up: usernames nobody's looks like, the account, the quick start's demo account."""

import logging

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.lookalikes import mixes_scripts, scripts_of, skeleton
from accounts.models import User
from accounts.services.addresses import address_verification_request
from accounts.services.deletion import CLOSED_USERNAME_PREFIX

logger = logging.getLogger(__name__)


def _username_check(username: str) -> str:
    """The name's skeleton, if no one's name looks like it; refusals say why."""
    if mixes_scripts(username):
        raise ValidationError(
            {
                "username": [
                    _(
                        "Write your username in one script: “%(username)s” mixes %(scripts)s "
                        "letters, which lets names look like others'."
                    )
                    % {"username": username, "scripts": " + ".join(sorted(scripts_of(username)))}
                ]
            }
        )
    shape = skeleton(username)
    if User.objects.filter(username_skeleton=shape).exists():
        raise ValidationError(
            {
                "username": [
                    _(
                        "“%(username)s” looks too much like someone's username already; "
                        "choose another one."
                    )
                    % {"username": username}
                ]
            }
        )
    return shape


@transaction.atomic
def user_register(*, username: str, email: str, password: str) -> User:
    """Create an artist's account; every artist may also produce projects."""
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": [_("That username is taken; choose another one.")]})
    # By shape, so that "de1eted-7" cannot pass for a closed account either.
    if skeleton(username).startswith(skeleton(CLOSED_USERNAME_PREFIX)):
        raise ValidationError(
            {
                "username": [
                    _("Usernames starting with “%(prefix)s” are reserved.")
                    % {"prefix": CLOSED_USERNAME_PREFIX}
                ]
            }
        )
    user = User(
        username=username,
        email=User.objects.normalize_email(email),
        username_skeleton=_username_check(username),
    )
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.full_clean(exclude=["password"])
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        # Someone took the name, or one like it, between the checks and now.
        raise ValidationError(
            {"username": [_("That username is taken; choose another one.")]}
        ) from exc
    if user.email:
        address_verification_request(user=user, field="email")
    return user


@transaction.atomic
def demo_user_ensure(*, username: str, password: str) -> tuple[User, bool]:
    """The demo account of the quick start: created once, its password reset to the known one."""
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "email": f"{username}@hitrec.localhost",
            "display_name": "Demo Artist",
            "username_skeleton": skeleton(username),
        },
    )
    user.set_password(password)
    user.save(update_fields=["password"])
    return user, created


def demo_addresses_verify(*, users: list[User]) -> int:
    """The quick start's made-up addresses (…@hitrec.localhost) count as verified: nobody can
    open a link sent there, and the demo should show mail and payouts working. Any other
    address is left to its owner."""
    ids = [user.pk for user in users if user.email.endswith("@hitrec.localhost")]
    return User.objects.filter(pk__in=ids, email_verified_at__isnull=True).update(
        email_verified_at=timezone.now()
    )
