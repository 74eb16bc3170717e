"""Page routes of accounts beyond log in and sign up (mounted at the site root): settings."""

from django.urls import path

from accounts.views import (
    account_delete_page,
    account_email,
    account_email_verification,
    account_export,
    account_language,
    account_password,
    account_recovery_codes,
    account_settings,
    account_skills,
    account_token_create,
    account_token_revoke,
    account_two_factor,
    account_two_factor_remove,
    address_verify_page,
    language_choose,
    password_reset,
    password_reset_confirm_page,
    second_factor_page,
)

app_name = "accounts"

urlpatterns = [
    path("settings/account/", account_settings, name="settings"),
    path("settings/account/export/", account_export, name="export"),
    path("settings/account/delete/", account_delete_page, name="delete"),
    path("settings/account/language/", account_language, name="language"),
    path("settings/account/skills/", account_skills, name="skills"),
    path("settings/account/password/", account_password, name="password"),
    path("settings/account/tokens/", account_token_create, name="token-create"),
    path(
        "settings/account/tokens/<int:token_id>/revoke/",
        account_token_revoke,
        name="token-revoke",
    ),
    path("settings/account/email/", account_email, name="email"),
    path(
        "settings/account/email/verification/",
        account_email_verification,
        name="email-verification",
    ),
    path("email/verify/<str:token>/", address_verify_page, name="address-verify"),
    path("settings/account/two-factor/", account_two_factor, name="two-factor"),
    path(
        "settings/account/two-factor/recovery-codes/",
        account_recovery_codes,
        name="recovery-codes",
    ),
    path(
        "settings/account/two-factor/remove/", account_two_factor_remove, name="two-factor-remove"
    ),
    path("login/two-factor/", second_factor_page, name="second-factor"),
    path("language/", language_choose, name="language-choose"),
    path("password/reset/", password_reset, name="password-reset"),
    path(
        "password/reset/<str:uid>/<str:token>/",
        password_reset_confirm_page,
        name="password-reset-confirm",
    ),
]
