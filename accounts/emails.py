"""The mail accounts send, each in its recipient's language: a password reset link, an
address verification link, the notice that an account moved to another address."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.models import User
from hitrec.i18n import writing_to


def reset_link(user: User) -> str:
    """Single use: Django's token is made from the password it replaces and last sign-in."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password-reset-confirm", kwargs={"uid": uid, "token": token})
    return settings.HITREC_SITE_URL.rstrip("/") + path


def user_of_reset_link(*, uid: str, token: str) -> User | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uid)))
    except (ValueError, TypeError, OverflowError):
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


def password_reset_email(*, user: User) -> EmailMultiAlternatives:
    with writing_to(user):
        context = {
            "user": user,
            "link": reset_link(user),
            "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        }
        message = EmailMultiAlternatives(
            subject=_("hitrec: set a new password"),
            body=render_to_string("accounts/email/password_reset.txt", context),
            to=[user.email],
            headers={"Auto-Submitted": "auto-generated"},
        )
        message.attach_alternative(
            render_to_string("accounts/email/password_reset.html", context), "text/html"
        )
    return message


def _message(*, user: User, to: str, subject: str, template: str, context: dict):
    context = {"user": user, **context}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"accounts/email/{template}.txt", context),
        to=[to],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(
        render_to_string(f"accounts/email/{template}.html", context), "text/html"
    )
    return message


def address_verification_email(*, user: User, field: str, token: str) -> EmailMultiAlternatives:
    with writing_to(user):
        path = reverse("accounts:address-verify", kwargs={"token": token})
        return _message(
            user=user, to=getattr(user, field), subject=_("hitrec: is this your address?"),
            template="verify_address",
            context={
                "link": settings.HITREC_SITE_URL.rstrip("/") + path,
                "payout": field == "payout_email",
                "days": settings.HITREC_EMAIL_VERIFY_SECONDS // 86400,
            },
        )  # fmt: skip


def address_changed_email(*, user: User, old_email: str) -> EmailMultiAlternatives:
    with writing_to(user):
        return _message(
            user=user, to=old_email, subject=_("hitrec: your account moved to another address"),
            template="address_changed",
            context={
                "reset": settings.HITREC_SITE_URL.rstrip("/") + reverse("accounts:password-reset")
            },
        )  # fmt: skip
