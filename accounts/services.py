"""Use cases that change accounts: registering, issuing API tokens, the demo account."""

from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.models import User


@transaction.atomic
def user_register(*, username: str, email: str, password: str) -> User:
    """Create an artist's account; every artist may also produce projects."""
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": ["That username is taken; choose another one."]})
    user = User(username=username, email=User.objects.normalize_email(email))
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


def token_obtain(*, username: str, password: str) -> Token:
    """The API token for a username and password; the same token until it is revoked."""
    user = authenticate(username=username, password=password)
    if user is None:
        raise ValidationError("Unable to log in with the username and password given.")
    token, _ = Token.objects.get_or_create(user=user)
    return token


@transaction.atomic
def demo_user_ensure(*, username: str, password: str) -> tuple[User, bool]:
    """The demo account of the quick start: created once, its password reset to the known one."""
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"email": f"{username}@hitrec.localhost", "display_name": "Demo Artist"},
    )
    user.set_password(password)
    user.save(update_fields=["password"])
    return user, created


@transaction.atomic
def user_profile_update(
    *,
    user: User,
    display_name: str | None = None,
    bio: str | None = None,
    payout_email: str | None = None,
) -> User:
    """Change what a person says about themselves and where their payouts go."""
    changes = {"display_name": display_name, "bio": bio, "payout_email": payout_email}
    fields = [name for name, value in changes.items() if value is not None]
    for name in fields:
        setattr(user, name, changes[name])
    if fields:
        user.full_clean(exclude=["password"])
        user.save(update_fields=fields)
    return user
