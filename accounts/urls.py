"""Auth API routes under /api/auth/."""

from django.urls import path

from accounts.api import (
    AddressVerifyApi,
    ApiTokenApi,
    ApiTokensApi,
    DataExportApi,
    DataExportDownloadApi,
    DataExportRequestApi,
    EmailChangeApi,
    EmailVerificationApi,
    MailBounceApi,
    MeApi,
    PasswordChangeApi,
    PasswordResetApi,
    PasswordResetConfirmApi,
    TokenObtainApi,
    UserRegisterApi,
)

urlpatterns = [
    path("register/", UserRegisterApi.as_view(), name="register"),
    path("token/", TokenObtainApi.as_view(), name="token"),
    path("me/", MeApi.as_view(), name="me"),
    path("me/password/", PasswordChangeApi.as_view(), name="me-password"),
    path("me/email/", EmailChangeApi.as_view(), name="me-email"),
    path("me/email/verification/", EmailVerificationApi.as_view(), name="me-email-verification"),
    path("email/verify/", AddressVerifyApi.as_view(), name="email-verify"),
    path("mail/bounces/", MailBounceApi.as_view(), name="mail-bounces"),
    path("password/reset/", PasswordResetApi.as_view(), name="password-reset"),
    path(
        "password/reset/confirm/",
        PasswordResetConfirmApi.as_view(),
        name="password-reset-confirm",
    ),
    path("tokens/", ApiTokensApi.as_view(), name="tokens"),
    path("tokens/<int:token_id>/", ApiTokenApi.as_view(), name="token-detail"),
    path("me/export/", DataExportRequestApi.as_view(), name="me-export-request"),
    path("me/exports/<int:export_id>/", DataExportApi.as_view(), name="me-export"),
    path(
        "me/exports/<int:export_id>/download",
        DataExportDownloadApi.as_view(),
        name="me-export-download",
    ),
]
