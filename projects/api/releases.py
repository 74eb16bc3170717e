"""Projects API: the release, frozen with its weighted credits."""

from fractions import Fraction

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from hitrec.i18n import message_of
from projects import services
from projects.models import Project, Release
from projects.policy import PolicyError, format_share, parse_share
from projects.selectors import (
    project_visible_or_404,
)


@extend_schema_field({"type": "string", "example": "3/2"})
class WeightField(serializers.Field):
    """A positive weight: an integer, a decimal ("1.5") or a fraction ("3/2"), kept exact."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (str, int)) or len(str(data)) > 40:
            raise serializers.ValidationError(_("A weight is a number such as 2, 1.5 or 3/2."))
        try:
            weight = parse_share(str(data), name=_("The weight"))
        except PolicyError as exc:
            raise serializers.ValidationError(message_of(exc)) from exc
        if weight <= 0:
            raise serializers.ValidationError(_("A weight must be positive."))
        return weight

    def to_representation(self, value):
        return format_share(Fraction(value))


class ReleaseCreditInputSerializer(serializers.Serializer):
    # Ids are 64-bit: a larger number is refused here, not by the database (a 500 on SQLite).
    contribution = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    weight = WeightField()


class ReleaseCreditOutputSerializer(serializers.Serializer):
    contribution = serializers.IntegerField(source="contribution_id")
    weight = serializers.SerializerMethodField()

    def get_weight(self, credit) -> str:
        return format_share(credit.weight)


class ReleaseOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.IntegerField(source="project_id")
    released_at = serializers.DateTimeField()
    released_by = serializers.IntegerField(source="released_by_id")
    commercial = serializers.BooleanField()
    currency = serializers.CharField()
    contributor_pool = serializers.SerializerMethodField()
    upstream_share = serializers.SerializerMethodField()
    credits = ReleaseCreditOutputSerializer(many=True)
    lineage = serializers.SerializerMethodField()

    def get_contributor_pool(self, release) -> str:
        return format_share(release.contributor_pool)

    def get_upstream_share(self, release) -> str:
        return format_share(release.upstream_share)

    @extend_schema_field(
        {"type": "object", "properties": {"nodes": {"type": "array"}, "edges": {"type": "array"}}}
    )
    def get_lineage(self, release) -> dict:
        return {
            "nodes": [
                {
                    "id": node.contribution_id,
                    "title": node.title,
                    "kind": node.kind,
                    "license": node.license,
                    "author": {"id": node.author_id, "username": node.author_username},
                    "depth": node.depth,
                }
                for node in release.nodes.all()
            ],
            "edges": [{"source": e.source_id, "remix": e.remix_id} for e in release.edges.all()],
        }


def _release_of(project: Project) -> Release:
    release = (
        Release.objects.filter(project=project)
        .prefetch_related("credits", "nodes", "edges")
        .first()
    )
    if release is None:
        raise Http404(_("This project has not been released."))
    return release


class ProjectReleaseApi(APIView):
    class InputSerializer(serializers.Serializer):
        credits = ReleaseCreditInputSerializer(many=True, allow_empty=True, max_length=10_000)
        commercial = serializers.BooleanField()

    @extend_schema(responses=ReleaseOutputSerializer)
    def get(self, request, project_id: int):
        return Response(
            ReleaseOutputSerializer(
                _release_of(project_visible_or_404(user=request.user, project_id=project_id))
            ).data
        )

    @extend_schema(request=InputSerializer, responses={201: ReleaseOutputSerializer})
    def post(self, request, project_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        release = services.project_release(
            project=project_visible_or_404(user=request.user, project_id=project_id),
            actor=request.user,
            credits=[services.CreditInput(**credit) for credit in data.validated_data["credits"]],
            commercial=data.validated_data["commercial"],
        )
        return Response(
            ReleaseOutputSerializer(_release_of(release.project)).data,
            status=status.HTTP_201_CREATED,
        )
