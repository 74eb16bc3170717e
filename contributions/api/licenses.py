"""Licence API: the licences a remix of given sources may carry, and why."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from contributions.licenses import (
    LICENSES,
    remix_licenses_explained,
)
from contributions.selectors import (
    contributions_in_order,
    works_of,
)
from hitrec.i18n import message_of


class LicensesAllowedApi(APIView):
    """The licenses a remix of the given sources may carry, and why, in words."""

    permission_classes = [AllowAny]

    class FilterSerializer(serializers.Serializer):
        # At most 18 digits an id: a larger number is no id, and SQLite would overflow on it.
        sources = serializers.RegexField(
            r"^[0-9]{1,18}(,[0-9]{1,18}){0,49}$",
            required=False,
            error_messages={
                "invalid": gettext_lazy("Give up to 50 contribution ids, separated by commas.")
            },
        )

    @extend_schema(
        parameters=[FilterSerializer],
        responses=inline_serializer(
            "AllowedLicenses",
            {
                "allowed": inline_serializer(
                    "AllowedLicense",
                    {"slug": serializers.CharField(), "name": serializers.CharField()},
                    many=True,
                ),
                "explanation": serializers.CharField(),
            },
        ),
    )
    def get(self, request):
        query = self.FilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        ids = [int(i) for i in query.validated_data.get("sources", "").split(",") if i]
        allowed, explanation = remix_licenses_explained(works_of(contributions_in_order(ids=ids)))
        return Response(
            {
                "allowed": [{"slug": slug, "name": _(LICENSES[slug].name)} for slug in allowed],
                "explanation": " ".join(
                    message_of(part.as_error()) for part in explanation.parts or (explanation,)
                ),
            }
        )
