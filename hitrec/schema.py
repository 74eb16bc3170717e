"""OpenAPI schema generation: component names, paginated lists and the error answers."""

import inspect
import re

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ErrorSerializer(serializers.Serializer):
    """Every refusal that is not about fields: `{"detail": "what went wrong"}`."""

    detail = serializers.CharField()


class AutoSchema(SpectacularAutoSchema):
    """Names `UserRegisterApi.InputSerializer` "UserRegisterInput", not just "Input".

    Views keep their input and output serializers as nested classes (one view, one pair),
    so the plain class names repeat; the enclosing view's name makes them unique.
    """

    def _get_serializer_name(self, serializer, direction, bypass_extensions=False) -> str:
        name = super()._get_serializer_name(serializer, direction, bypass_extensions)
        cls = serializer if isinstance(serializer, type) else type(serializer)
        outer, _, inner = cls.__qualname__.rpartition(".")
        if outer and inner in {"InputSerializer", "OutputSerializer", "FilterSerializer"}:
            prefix = outer.split(".")[-1].removesuffix("Api")
            return prefix + name
        return name

    # Our views are APIViews that paginate by hand (`StandardPagination()` in `get`), which
    # drf-spectacular cannot see; a list they page is documented as the page it really is.
    def _get_paginator(self):
        paginator = super()._get_paginator()
        handler = inspect.unwrap(getattr(self.view, self.method.lower(), None) or (lambda: None))
        if paginator is None and "StandardPagination" in handler.__code__.co_names:
            # Imported here: DRF loads this schema class while hitrec.api's views are being
            # defined, so a module-level import of hitrec.api would be circular.
            from hitrec.api import StandardPagination

            return StandardPagination()
        return paginator

    def _get_response_bodies(self, direction="response"):
        """The success answers, plus the refusals this operation can give (found by fuzzing:
        tests/security/test_fuzz.py checks every status code is documented)."""
        responses = super()._get_response_bodies(direction)
        for code, body in self._refusals():
            responses.setdefault(
                code, self._get_response_for_code(body, code, ["application/json"], direction)
            )
        return responses

    def _refusals(self) -> list[tuple[str, object]]:
        view, unsafe = self.view, self.method not in ("GET", "HEAD", "OPTIONS")
        authenticates = bool(view.get_authenticators())
        open_to_all = all(isinstance(p, AllowAny) for p in view.get_permissions())
        codes: list[tuple[str, object]] = []
        if unsafe or self._has_query_parameters():
            codes.append(("400", OpenApiTypes.OBJECT))  # field errors, or {"detail": ...}
        if authenticates:
            codes.append(("401", ErrorSerializer))  # a wrong or expired token
        if authenticates and (unsafe or not open_to_all):
            codes.append(("403", ErrorSerializer))
        if re.search(r"{\w+}", self.path) or self._get_paginator() is not None:
            codes.append(("404", ErrorSerializer))  # no such object, or no such page
        if unsafe:
            codes.append(("413", ErrorSerializer))  # a body or a file over its limit
            codes.append(("415", ErrorSerializer))
        if view.get_throttles():
            codes.append(("429", ErrorSerializer))
        return codes

    def _has_query_parameters(self) -> bool:
        return any(p.get("in") == "query" for p in self._get_parameters())
