"""OpenAPI schema generation: component names for the serializers nested in API views."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


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
