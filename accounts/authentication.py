"""How API clients say who they act for: named expiring tokens, and the older one-per-person
token, which now expires too."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework.authentication import (
    BaseAuthentication,
    TokenAuthentication,
    get_authorization_header,
)
from rest_framework.exceptions import AuthenticationFailed

from accounts.services.access import TOKEN_PREFIX, api_token_use
from accounts.two_factor import staff_held


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Token hitrec_…`: a named token from the settings page or the API."""

    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != self.keyword.lower().encode():
            return None
        key = parts[1].decode("utf-8", errors="replace")
        if not key.startswith(TOKEN_PREFIX):
            return None  # a one-per-person token: LegacyTokenAuthentication's to check
        user = api_token_use(key=key)
        if user is None:
            raise AuthenticationFailed(_("This API token is unknown, expired or revoked."))
        # A token never passed a second factor: it acts for the person, not for staff.
        return staff_held(user), None

    def authenticate_header(self, request) -> str:
        return self.keyword


class LegacyTokenAuthentication(TokenAuthentication):
    """The token of `POST /api/auth/token/`, kept for the clients written against it; it
    expires HITREC_API_TOKEN_DAYS after it was made (asking again then gives a new one)."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token.created <= timezone.now() - timedelta(days=settings.HITREC_API_TOKEN_DAYS):
            raise AuthenticationFailed(_("This API token has expired; ask for a new one."))
        return staff_held(user), token


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """In the API documentation: the same `Authorization: Token …` header as the older token."""

    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "namedTokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=ApiTokenAuthentication.keyword
        )
