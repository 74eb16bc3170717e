"""Getting in: API tokens (named, expiring, revocable), passwords, and resetting a forgotten one."""

import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from accounts import tasks
from accounts.emails import password_reset_email, user_of_reset_link
from accounts.models import ApiToken, User

logger = logging.getLogger(__name__)

# Every named token starts so, which tells it from a one-per-person token (40 hex digits).
TOKEN_PREFIX = "hitrec_"  # noqa: S105 (a marker, not a secret)
# A use is written down at most this often per token: not a write on every request.
LAST_USED_STEP = timedelta(minutes=10)


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_obtain(*, username: str, password: str) -> Token:
    """The one API token of a username and password (the endpoint older clients use): the
    same token until it is revoked or HITREC_API_TOKEN_DAYS after it was made, then a new one."""
    user = authenticate(username=username, password=password)
    if user is None:
        raise ValidationError(_("Unable to log in with the username and password given."))
    with transaction.atomic():
        token, _created = Token.objects.select_for_update().get_or_create(user=user)
        if token.created <= timezone.now() - timedelta(days=settings.HITREC_API_TOKEN_DAYS):
            token.delete()
            token = Token.objects.create(user=user)
    return token


@transaction.atomic
def api_token_create(*, user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """A new named token, and its key: shown this once, stored only as a hash."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Name the token, e.g. the program that will use it.")]})
    maximum = settings.HITREC_API_TOKEN_MAX_DAYS
    days = settings.HITREC_API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= maximum:
        raise ValidationError(
            {"days": [_("A token lives from 1 to %(maximum)s days.") % {"maximum": maximum}]}
        )
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:100], key_hash=_key_hash(key), prefix=key[: len(TOKEN_PREFIX) + 6],
        expires_at=timezone.now() + timedelta(days=days),
    )  # fmt: skip
    return token, key


def api_token_use(*, key: str) -> User | None:
    """The person a named token's key acts for, if it is live; its use is noted."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_key_hash(key), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_STEP:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    """The person revokes one of their tokens; it stops working at once."""
    token = ApiToken.objects.select_for_update().filter(user=user, pk=token_id).first()
    if token is None:
        raise ValidationError({"token": [_("You have no API token with that id.")]})
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_tokens_revoke_all(*, user: User) -> int:
    """Every token of the person stops working (a new password, a reset, a closed account)."""
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    legacy, _deleted = Token.objects.filter(user=user).delete()
    return revoked + legacy


@transaction.atomic
def password_change(*, user: User, current_password: str, new_password: str) -> User:
    """The person sets a new password, proving the old one. Every API token and every other
    session ends: whoever held the old password is out (the view keeps this session)."""
    if not user.check_password(current_password):
        raise ValidationError({"current_password": [_("That is not your current password.")]})
    try:
        password_validation.validate_password(new_password, user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    api_tokens_revoke_all(user=user)
    return user


# --- a forgotten password ------------------------------------------------------------------


def password_reset_request(*, email: str) -> None:
    """Someone asks for a link to set a new password. The answer and its timing are the same
    whether or not an account has that address: the lookup and the mail happen in a job,
    which is enqueued in every case."""
    address = (email or "").strip()
    if not address or len(address) > 254:
        raise ValidationError({"email": [_("Write the email address of your account.")]})
    transaction.on_commit(lambda: tasks.send_password_reset.delay(address), robust=True)


def password_reset_send(*, email: str) -> int:
    """The job: a single-use link, valid for PASSWORD_RESET_TIMEOUT, to each active account
    with this address (in its owner's language). Returns how many were sent."""
    people = User.objects.filter(email__iexact=email, is_active=True)
    sent = 0
    for user in people:
        password_reset_email(user=user).send()
        sent += 1
    return sent


@transaction.atomic
def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    """A new password from a reset link. The link works once (its token is made from the
    password it replaces) and for PASSWORD_RESET_TIMEOUT; every session and token ends."""
    user = user_of_reset_link(uid=uid, token=token)
    if user is None:
        raise ValidationError(
            {"token": [_("This link is invalid or has expired; ask for a new one.")]}
        )
    user = User.objects.select_for_update().get(pk=user.pk)
    try:
        password_validation.validate_password(new_password, user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    api_tokens_revoke_all(user=user)
    return user
