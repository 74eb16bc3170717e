"""Email addresses people prove they read: a signed, expiring link on sign-up and on every
change, the old address told of a change. Unproved addresses get no mail and no payout."""

import logging

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import tasks
from accounts.emails import address_changed_email, address_verification_email
from accounts.models import User

logger = logging.getLogger(__name__)

# The two addresses a person has: where hitrec writes to them, and where it pays them.
FIELDS = ("email", "payout_email")
_SALT = "accounts.address-verification"


def verification_token(*, user: User, field: str) -> str:
    """Signed (SECRET_KEY) and dated: who, which address, and the address itself, so that a
    link sent to an address the person has since changed proves nothing."""
    return signing.dumps({"u": user.pk, "f": field, "a": getattr(user, field)}, salt=_SALT)


def address_verification_request(*, user: User, field: str = "email") -> None:
    """Send (again) the link that proves the person reads this address; a job sends it."""
    if field not in FIELDS:
        raise ValidationError({"field": [_("Say which address: email or payout_email.")]})
    if not getattr(user, field):
        raise ValidationError({field: [_("There is no address to verify.")]})
    if getattr(user, f"{field}_verified_at"):
        raise ValidationError({field: [_("This address is already verified.")]})
    user_id = user.pk
    transaction.on_commit(
        lambda: tasks.send_address_verification.delay(user_id, field), robust=True
    )


def address_verification_send(*, user_id: int, field: str) -> bool:
    """The job: the link, to the address as it is now (in its owner's language)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not getattr(user, field) or getattr(user, f"{field}_verified_at"):
        return False
    address_verification_email(
        user=user, field=field, token=verification_token(user=user, field=field)
    ).send()
    return True


@transaction.atomic
def address_verify(*, token: str) -> tuple[User, str]:
    """The person opened the link: the address it names is theirs. Returns them and which
    address. Refused if the link is forged, past HITREC_EMAIL_VERIFY_SECONDS, or for an
    address they no longer use."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=settings.HITREC_EMAIL_VERIFY_SECONDS)
    except signing.SignatureExpired as exc:
        raise ValidationError(
            {"token": [_("This link has expired; ask for a new one from your settings.")]}
        ) from exc
    except signing.BadSignature as exc:
        raise ValidationError({"token": [_("This link is not one hitrec sent.")]}) from exc
    field = data.get("f")
    user = User.objects.select_for_update().filter(pk=data.get("u"), is_active=True).first()
    if user is None or field not in FIELDS:
        raise ValidationError({"token": [_("This link is not one hitrec sent.")]})
    if getattr(user, field) != data.get("a"):
        raise ValidationError(
            {"token": [_("This link is for an address you no longer use; nothing was changed.")]}
        )
    if getattr(user, f"{field}_verified_at") is None:
        setattr(user, f"{field}_verified_at", timezone.now())
        user.email_bounced_at = None
        user.save(update_fields=[f"{field}_verified_at", "email_bounced_at"])
    return user, field


@transaction.atomic
def email_change(*, user: User, email: str, password: str) -> User:
    """The person moves their account to another address, proving it is them. The new
    address must be verified before hitrec writes to it; the old one is told."""
    if not user.check_password(password):
        raise ValidationError({"password": [_("That is not your password.")]})
    email = User.objects.normalize_email((email or "").strip())
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": exc.messages}) from exc
    user = User.objects.select_for_update().get(pk=user.pk)
    old = user.email
    if email.lower() == (old or "").lower():
        return user
    user.email = email
    user.email_verified_at = None
    user.save(update_fields=["email", "email_verified_at"])
    address_verification_request(user=user, field="email")
    if old:
        user_id = user.pk
        transaction.on_commit(lambda: tasks.send_address_changed.delay(user_id, old), robust=True)
    return user


def address_changed_send(*, user_id: int, old_email: str) -> bool:
    """The job: tell the old address where the account went (it may not have been them)."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return False
    address_changed_email(user=user, old_email=old_email).send()
    return True


@transaction.atomic
def address_bounced(*, email: str) -> int:
    """Mail to this address bounced for good (the provider's webhook, or staff): whoever
    uses it, as login or payout address, has it counted unverified again, so hitrec stops
    writing and paying there until they verify it anew. Returns how many people."""
    email = (email or "").strip()
    if not email:
        return 0
    now = timezone.now()
    changed = 0
    for field in FIELDS:
        changed += User.objects.filter(**{f"{field}__iexact": email}).update(
            **{f"{field}_verified_at": None, "email_bounced_at": now}
        )
    return changed
