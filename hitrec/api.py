"""Project-wide API pieces: errors, pagination, shared serializers, file responses, health."""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, JsonResponse
from django.views.defaults import page_not_found
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from hitrec.health import system_health
from hitrec.security import DEFAULT_POLICY
from hitrec.throttles import LoginFailureThrottle


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "request_too_large"


def exception_handler(exc, context):
    """Services raise Django's ValidationError; the API answers it as a 400 like DRF's own.

    A refused sign-in is also reported to the view's login-failure throttle, so that only
    failures count towards slowing down password guessing.
    """
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"detail": " ".join(exc.messages)})
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, RequestDataTooBig):
        # Django's own limits on what it reads into memory; it would answer with an HTML page.
        exc = RequestTooLarge(
            f"This request's body is over {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes "
            "(files aside); send less."
        )
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = exceptions.ParseError(
            f"This request has too many fields or files: at most "
            f"{settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields and "
            f"{settings.DATA_UPLOAD_MAX_NUMBER_FILES} files."
        )
    view, request = context.get("view"), context.get("request")
    if isinstance(exc, exceptions.ValidationError) and view is not None and request is not None:
        for throttle in view.get_throttles():
            if isinstance(throttle, LoginFailureThrottle):
                throttle.attempt_failed(request)
    return drf_exception_handler(exc, context)


def not_found(request, exception=None):
    """An unknown URL under /api/ (say, `/api/contributions/abc/`) answers like every API 404,
    in JSON; pages keep Django's own page (hitrec.urls.handler404)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)


class HealthApi(APIView):
    """Whether the database, the broker and the file storage answer."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    HEALTH = inline_serializer(
        "Health",
        {
            "status": serializers.ChoiceField(choices=["ok", "degraded"]),
            "checks": serializers.DictField(child=serializers.DictField()),
        },
    )

    @extend_schema(responses={200: HEALTH, 503: HEALTH})  # 503: a service does not answer
    def get(self, request):
        checks = system_health()
        healthy = all(check.ok for check in checks)
        body = {
            "status": "ok" if healthy else "degraded",
            "checks": {
                check.name: {
                    "reachable": check.ok,
                    "backend": check.backend,
                    "detail": check.detail,
                    "ms": check.ms,
                }
                for check in checks
            },
        }
        return Response(body, status=200 if healthy else 503)


class StandardPagination(PageNumberPagination):
    """Every list: `{count, next, previous, results}`, 20 a page, `page_size` up to 100."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class UserRefSerializer(serializers.Serializer):
    """A person as other objects name them: `{id, username}`."""

    id = serializers.IntegerField()
    username = serializers.CharField()


# Types a stored file may be served as: passive formats a browser shows but never runs.
# Anything else (HTML, SVG, XML, JavaScript, PDF, ...) goes out as application/octet-stream.
SAFE_FILE_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/gif",
        "audio/mpeg",
        "audio/ogg",
        "audio/wav",
        "audio/flac",
        "audio/mp4",
        "video/mp4",
        "video/webm",
        "application/json",
        "application/zip",
        "application/octet-stream",
    }
)
FILE_POLICY = "default-src 'none'; sandbox"


def safe_content_type(content_type: str | None) -> str:
    """The type to serve a stored file as: text as plain UTF-8 text, the allowlist as is,
    everything else as opaque bytes, so that no upload is ever read as a page or a script."""
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime == "text/plain":
        return "text/plain; charset=utf-8"
    return mime if mime in SAFE_FILE_TYPES else "application/octet-stream"


def stored_file_response(
    name: str, *, content_type: str, filename: str | None = None, inline: bool
) -> FileResponse:
    """A stored file, streamed, so that nothing uploaded can run in the site's origin.

    The type is forced safe (`safe_content_type`), with `nosniff` and a sandboxing CSP on
    every file; only a rendition we made is shown inline, anything else is an attachment
    (DESIGN.md, Known pitfalls). Checked by tests/security/test_file_serving.py.
    """
    safe_type = safe_content_type(content_type)
    response = FileResponse(
        default_storage.open(name, "rb"),
        content_type=safe_type,
        # Opaque bytes are never shown inline, whatever the caller asked.
        as_attachment=not inline or safe_type == "application/octet-stream",
        filename=filename or name.rsplit("/", 1)[-1],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_POLICY
    return response


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI under the site's policy, except that it may set inline styles.

    Its start-up script is served as a file (the split view), so scripts stay `'self'`
    only; Swagger UI's React components set style attributes, which `'self'` would block.
    """

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = DEFAULT_POLICY.replace(
            "style-src 'self'", "style-src 'self' 'unsafe-inline'"
        )
        return response
