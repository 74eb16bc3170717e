"""Project-wide API pieces: errors, pagination, shared serializers, health, the API docs."""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
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
            _("This request's body is over %(limit)s bytes (files aside); send less.")
            % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
        )
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = exceptions.ParseError(
            _(
                "This request has too many fields or files: at most %(fields)s fields and "
                "%(files)s files."
            )
            % {
                "fields": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
                "files": settings.DATA_UPLOAD_MAX_NUMBER_FILES,
            }
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
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return page_not_found(request, exception)


class HealthApi(APIView):
    """Whether the database, the broker and the file storage answer (503 if one does not),
    and the read replica when there is one (degraded, but 200: reads then use the primary)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    HEALTH = inline_serializer(
        "Health",
        {
            "status": serializers.ChoiceField(choices=["ok", "degraded"]),
            "checks": serializers.DictField(child=serializers.DictField()),
        },
    )

    @extend_schema(responses={200: HEALTH, 503: HEALTH})  # 503: a required service is down
    def get(self, request):
        checks = system_health()
        healthy = all(check.status == "ok" for check in checks)
        up = all(check.status != "down" for check in checks)
        body = {
            "status": "ok" if healthy else "degraded",
            "checks": {
                check.name: {
                    "reachable": check.ok,
                    "backend": check.backend,
                    "detail": check.detail,
                    "ms": check.ms,
                    # ok; degraded (an optional service: the site works); down (a required one)
                    "status": check.status,
                    "required": check.required,
                    **check.facts,
                }
                for check in checks
            },
        }
        return Response(body, status=200 if up else 503)


class StandardPagination(PageNumberPagination):
    """Every list: `{count, next, previous, results}`, 20 a page, `page_size` up to 100."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class StrictInputSerializer(serializers.Serializer):
    """An input that refuses, by name, the fields it does not take: a client that sends
    `password` or `is_staff` with a profile change must not believe it was changed."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            taken = sorted(name for name, field in self.fields.items() if not field.read_only)
            refused = sorted(set(data.keys()) - set(taken))
            if refused:
                raise serializers.ValidationError(
                    {
                        name: [
                            _("This request does not change “%(field)s”; it takes: %(taken)s.")
                            % {"field": name, "taken": ", ".join(taken)}
                        ]
                        for name in refused
                    }
                )
        return super().to_internal_value(data)


class UserRefSerializer(serializers.Serializer):
    """A person as other objects name them: `{id, username}`."""

    id = serializers.IntegerField()
    username = serializers.CharField()


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
