"""Getting in: API tokens."""

import logging

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

logger = logging.getLogger(__name__)


def token_obtain(*, username: str, password: str) -> Token:
    """The API token for a username and password; the same token until it is revoked."""
    user = authenticate(username=username, password=password)
    if user is None:
        raise ValidationError(_("Unable to log in with the username and password given."))
    token, _created = Token.objects.get_or_create(user=user)
    return token
