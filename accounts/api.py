"""Auth API: register, tokens, one's own profile and password, data export, account deletion."""

import hmac

from django.conf import settings
from django.contrib.auth import logout, update_session_auth_hash
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound, PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import DataExport
from accounts.selectors import api_tokens_of, skills_of
from accounts.services import (
    account_delete,
    address_bounced,
    address_verification_request,
    address_verify,
    api_token_create,
    api_token_revoke,
    data_export_request,
    email_change,
    password_change,
    password_reset_confirm,
    password_reset_request,
    token_obtain,
    user_profile_update,
    user_register,
)
from hitrec.api import StrictInputSerializer
from hitrec.jobs import progress_shown
from hitrec.schema import ErrorSerializer
from hitrec.tag_fields import TagsField
from hitrec.throttles import AuthRateThrottle, LoginFailureThrottle


class UserRegisterApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthRateThrottle]

    class InputSerializer(serializers.Serializer):
        username = serializers.RegexField(
            r"^[\w.@+-]+\Z",
            max_length=150,
            error_messages={"invalid": gettext_lazy("Use letters, digits and @/./+/-/_ only.")},
        )
        email = serializers.EmailField()
        password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()
        email = serializers.EmailField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_register(**data.validated_data)
        return Response(self.OutputSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenObtainApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthRateThrottle, LoginFailureThrottle]

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField(source="key")

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token = token_obtain(**data.validated_data)
        return Response(self.OutputSerializer(token).data)


class MeApi(APIView):
    """The signed-in person's own profile."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(StrictInputSerializer):
        display_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
        bio = serializers.CharField(max_length=5000, required=False, allow_blank=True)
        payout_email = serializers.EmailField(required=False, allow_blank=True)
        language = serializers.CharField(max_length=16, required=False, allow_blank=True)
        skills = TagsField(
            required=False,
            allow_empty=True,
            help_text="The skills you offer, as tags (replacing those listed): open asks "
            "tagged with one of them are shown to you.",
        )

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()
        email = serializers.EmailField()
        display_name = serializers.CharField()
        bio = serializers.CharField()
        # Empty until set, and "" is no email address: a string, not the "email" format.
        payout_email = serializers.CharField()
        # What hitrec writes to them in: a code of settings.LANGUAGES, "" for the browser's.
        language = serializers.CharField()
        # Until an address is verified hitrec sends it no notification and pays nobody there.
        email_verified = serializers.BooleanField()
        payout_email_verified = serializers.SerializerMethodField()
        # The skills they offer, as tags in their one spelling, in the order given.
        skills = serializers.SerializerMethodField()

        def get_payout_email_verified(self, user) -> bool:
            return bool(user.payout_email and user.payout_email_verified_at)

        def get_skills(self, user) -> list[str]:
            return skills_of(user=user)

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        return Response(self.OutputSerializer(request.user).data)

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def patch(self, request):
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        user = user_profile_update(user=request.user, **data.validated_data)
        return Response(self.OutputSerializer(user).data)

    class DeleteInputSerializer(serializers.Serializer):
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(request=DeleteInputSerializer, responses={204: None})
    def delete(self, request):
        """Delete one's account, confirmed by the password; earned money stays payable."""
        data = self.DeleteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account_delete(user=request.user, password=data.validated_data["password"])
        # The session that made this request ends now; every other one is refused on its
        # next request (the password hash changed and the account is inactive).
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DataExportOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    error = serializers.CharField()
    bytes = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    download = serializers.SerializerMethodField()

    def get_status(self, export) -> str:
        return DataExport.Status.EXPIRED if export.is_expired else export.status

    def get_progress(self, export) -> dict:
        return progress_shown(export.progress_stage, export.progress_percent)

    def get_download(self, export) -> str | None:
        if not export.is_downloadable:
            return None
        return reverse("api:me-export-download", args=[export.id])


def _own_export_or_404(request, export_id: int) -> DataExport:
    # Someone else's export is answered exactly like a missing one.
    export = DataExport.objects.filter(pk=export_id, user=request.user).first()
    if export is None:
        raise Http404(_("You have no data export with that id."))
    return export


class ExportNotReady(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "export_not_ready"


class ExportGone(APIException):
    status_code = status.HTTP_410_GONE
    default_code = "export_expired"


class DataExportRequestApi(APIView):
    """Ask for an archive of all one's data; a background job builds it (poll its status)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={202: DataExportOutputSerializer})
    def post(self, request):
        export = data_export_request(user=request.user)
        # Read again: where jobs run in-process the archive may already be built.
        export = DataExport.objects.get(pk=export.pk)
        url = reverse("api:me-export", args=[export.id])
        return Response(
            DataExportOutputSerializer(export).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": url},
        )


class DataExportApi(APIView):
    """One of one's data exports: its status and progress, and the download link when ready."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=DataExportOutputSerializer)
    def get(self, request, export_id: int):
        return Response(DataExportOutputSerializer(_own_export_or_404(request, export_id)).data)


class DataExportDownloadApi(APIView):
    """The archive (a zip), as an attachment; only for its owner, until it expires."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={
            (200, "application/zip"): OpenApiTypes.BINARY,
            409: ErrorSerializer,  # not built yet
            410: ErrorSerializer,  # expired
        }
    )
    def get(self, request, export_id: int):
        export = _own_export_or_404(request, export_id)
        if export.is_expired:
            raise ExportGone(_("This archive has expired; ask for a new one."))
        if export.status != DataExport.Status.READY:
            raise ExportNotReady(
                # Translators: %(status)s is queued, running or failed; %(percent)s a number.
                _("This archive is %(status)s (%(percent)s%%), not ready yet.")
                % {
                    "status": export.get_status_display().lower(),
                    "percent": export.progress_percent,
                }
            )
        response = FileResponse(
            default_storage.open(export.file.name, "rb"),
            content_type="application/zip",
            as_attachment=True,
            filename=f"hitrec-data-{export.created_at:%Y-%m-%d}-{export.id}.zip",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response


class ApiTokenOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField(help_text="The key's first characters, to tell tokens apart.")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    expired = serializers.SerializerMethodField()

    def get_expired(self, token) -> bool:
        return token.expires_at <= timezone.now()


class ApiTokensApi(APIView):
    """The signed-in person's named API tokens: list them, make one (its key is shown once)."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(StrictInputSerializer):
        name = serializers.CharField(max_length=100)
        days = serializers.IntegerField(
            required=False, help_text="How long it lives; default HITREC_API_TOKEN_DAYS (90)."
        )

    class CreatedSerializer(ApiTokenOutputSerializer):
        key = serializers.CharField(help_text="Shown this once; hitrec keeps only its hash.")

    @extend_schema(responses=ApiTokenOutputSerializer(many=True))
    def get(self, request):
        tokens = api_tokens_of(user=request.user)
        return Response(ApiTokenOutputSerializer(tokens, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: CreatedSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, key = api_token_create(user=request.user, **data.validated_data)
        token.key = key
        return Response(self.CreatedSerializer(token).data, status=status.HTTP_201_CREATED)


class ApiTokenApi(APIView):
    """Revoke one of one's named tokens: it stops working at once."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request, token_id: int):
        try:
            api_token_revoke(user=request.user, token_id=token_id)
        except ValidationError as exc:
            raise NotFound(" ".join(exc.messages)) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeApi(APIView):
    """Set a new password, proving the old one; every API token is revoked (this request's
    session, if it came with one, stays signed in)."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [AuthRateThrottle]

    class InputSerializer(StrictInputSerializer):
        current_password = serializers.CharField(max_length=128, trim_whitespace=False)
        new_password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(request=InputSerializer, responses={204: None})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = password_change(user=request.user, **data.validated_data)
        if request.session is not None and request.user.is_authenticated:
            update_session_auth_hash(request._request, user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetApi(APIView):
    """Ask for a link to set a new password. The answer is the same (202) whether or not an
    account has the address; the mail, if any, is sent by a job."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthRateThrottle]

    class InputSerializer(StrictInputSerializer):
        email = serializers.EmailField(max_length=254)

    @extend_schema(request=InputSerializer, responses={202: ErrorSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        password_reset_request(email=data.validated_data["email"])
        return Response(
            {
                "detail": _(
                    "If an account has that address, a link to set a new password is on its way."
                )
            },
            status=status.HTTP_202_ACCEPTED,
        )


class PasswordResetConfirmApi(APIView):
    """Set a new password with the link's `uid` and `token`; every session and token ends."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthRateThrottle]

    class InputSerializer(StrictInputSerializer):
        uid = serializers.CharField(max_length=64)
        token = serializers.CharField(max_length=128)
        new_password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(request=InputSerializer, responses={204: None})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        password_reset_confirm(**data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailChangeApi(APIView):
    """Move one's account to another address, confirmed by the password. The new address
    gets a verification link, the old one a notice."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [AuthRateThrottle]

    class InputSerializer(StrictInputSerializer):
        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(request=InputSerializer, responses=MeApi.OutputSerializer)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = email_change(user=request.user, **data.validated_data)
        return Response(MeApi.OutputSerializer(user).data)


class EmailVerificationApi(APIView):
    """Send the verification link again (`field`: email or payout_email)."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [AuthRateThrottle]

    class InputSerializer(StrictInputSerializer):
        field = serializers.ChoiceField(choices=["email", "payout_email"], default="email")

    @extend_schema(request=InputSerializer, responses={202: ErrorSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        address_verification_request(user=request.user, field=data.validated_data["field"])
        return Response(
            {"detail": _("A new link is on its way to that address.")},
            status=status.HTTP_202_ACCEPTED,
        )


class AddressVerifyApi(APIView):
    """Verify an address with the token of its link (no sign-in needed: the link is proof)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthRateThrottle]

    class InputSerializer(StrictInputSerializer):
        token = serializers.CharField(max_length=1000)

    class OutputSerializer(serializers.Serializer):
        field = serializers.CharField()
        address = serializers.CharField()

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user, field = address_verify(token=data.validated_data["token"])
        return Response({"field": field, "address": getattr(user, field)})


class MailBounceApi(APIView):
    """The mail provider's bounce webhook (Postmark's shape: `RecordType`, `Type`, `Email`),
    authenticated by the shared secret HITREC_MAIL_WEBHOOK_TOKEN in `X-Hitrec-Webhook-Token`.
    A hard bounce or a spam complaint stops mail to the address until it is re-verified;
    transient ones change nothing."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    LASTING = {"HardBounce", "SpamComplaint", "BadEmailAddress", "ManuallyDeactivated"}

    @extend_schema(request=OpenApiTypes.OBJECT, responses={204: None, 403: ErrorSerializer})
    def post(self, request):
        secret = settings.HITREC_MAIL_WEBHOOK_TOKEN
        given = request.headers.get("X-Hitrec-Webhook-Token", "")
        if not secret or not hmac.compare_digest(given, secret):
            raise PermissionDenied(_("This webhook needs its token."))
        body = request.data if isinstance(request.data, dict) else {}
        if body.get("RecordType") in ("Bounce", "SpamComplaint") and (
            body.get("Type") in self.LASTING or body.get("RecordType") == "SpamComplaint"
        ):
            address_bounced(email=str(body.get("Email", ""))[:254])
        return Response(status=status.HTTP_204_NO_CONTENT)
