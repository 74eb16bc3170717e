"""Use cases that change accounts, one module per part: signing up, the profile, getting in
(tokens, passwords), the data export, closing an account (its module says what goes and
what stays). Callers import from here."""

from accounts.services.access import (
    api_token_create,
    api_token_revoke,
    api_tokens_revoke_all,
    password_change,
    password_reset_confirm,
    password_reset_request,
    password_reset_send,
    token_obtain,
)
from accounts.services.addresses import (
    address_bounced,
    address_changed_send,
    address_verification_request,
    address_verification_send,
    address_verify,
    email_change,
)
from accounts.services.data_export import (
    data_export_build,
    data_export_request,
    data_exports_expire,
)
from accounts.services.deletion import (
    CLOSED_DISPLAY_NAME,
    CLOSED_USERNAME_PREFIX,
    account_delete,
)
from accounts.services.profile import user_profile_update
from accounts.services.registration import (
    demo_addresses_verify,
    demo_user_ensure,
    user_register,
)
from accounts.services.two_factor import (
    recovery_codes_renew,
    second_factor_begin,
    second_factor_check,
    second_factor_confirm,
    second_factor_remove,
)

__all__ = [
    "address_bounced",
    "address_changed_send",
    "address_verification_request",
    "address_verification_send",
    "address_verify",
    "email_change",
    "api_token_create",
    "api_token_revoke",
    "api_tokens_revoke_all",
    "password_change",
    "recovery_codes_renew",
    "second_factor_begin",
    "second_factor_check",
    "second_factor_confirm",
    "second_factor_remove",
    "password_reset_confirm",
    "password_reset_request",
    "password_reset_send",
    "CLOSED_DISPLAY_NAME",
    "CLOSED_USERNAME_PREFIX",
    "account_delete",
    "data_export_build",
    "data_export_request",
    "data_exports_expire",
    "demo_addresses_verify",
    "demo_user_ensure",
    "token_obtain",
    "user_profile_update",
    "user_register",
]
