"""Project-wide API pieces: errors, pagination, shared serializers, file responses, health."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse
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


def exception_handler(exc, context):
    """Services raise Django's ValidationError; the API answers it as a 400 like DRF's own."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"detail": " ".join(exc.messages)})
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)


class HealthApi(APIView):
    """Whether the database, the broker and the file storage answer."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses=inline_serializer(
            "Health",
            {
                "status": serializers.ChoiceField(choices=["ok", "degraded"]),
                "checks": serializers.DictField(child=serializers.DictField()),
            },
        )
    )
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


def stored_file_response(
    name: str, *, content_type: str, filename: str | None = None, inline: bool
) -> FileResponse:
    """A stored file, streamed, so that nothing uploaded can run in the site's origin.

    `nosniff` and a sandboxing CSP on every file; anything that is not a rendition we made
    goes out as an attachment (DESIGN.md, Known pitfalls).
    """
    response = FileResponse(
        default_storage.open(name, "rb"),
        content_type=content_type or "application/octet-stream",
        as_attachment=not inline,
        filename=filename or name.rsplit("/", 1)[-1],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
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
