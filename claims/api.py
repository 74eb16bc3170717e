"""Credit guard API: the earlier works a contribution probably uses (never public)."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.selectors import matches_visible_to, work_matches
from contributions.models import Contribution
from hitrec.api import UserRefSerializer


class MatchedWorkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    license = serializers.CharField()
    author = UserRefSerializer()


class MatchSerializer(serializers.Serializer):
    """One earlier work this one probably uses: how sure, what matched, and how it stands."""

    work = MatchedWorkSerializer(source="earlier")
    score = serializers.FloatField(source="match.score", help_text="0 to 1: how sure")
    kind = serializers.CharField(
        source="match.kind", help_text="What matched: image, audio or text."
    )
    matched = serializers.JSONField(
        source="match.detail",
        help_text=(
            "image: region (left, top, right, bottom of this work, as fractions), mirrored, "
            "distance; audio: work_seconds and earlier_seconds (from, to); text: quoted_text, "
            "work_chars and earlier_chars (character offsets)."
        ),
    )
    own = serializers.BooleanField(help_text="The earlier work is this work's author's own.")
    declared = serializers.BooleanField(help_text="Already a declared source of this work.")
    in_lineage = serializers.BooleanField(
        help_text="Credited already: a source of this work's sources, at any depth."
    )


class ContributionMatchesApi(APIView):
    """GET: the earlier works this contribution probably uses, found by their fingerprints;
    for its author, the producers of a project that took it in, and staff."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MatchSerializer(many=True))
    def get(self, request, contribution_id: int):
        work = Contribution.objects.filter(pk=contribution_id, removed_at__isnull=True).first()
        if work is None:
            raise Http404(_("No contribution with that id."))
        if not matches_visible_to(work=work, user=request.user):
            raise PermissionDenied(
                _(
                    "Only this work's author, the producers of a project that took it in and "
                    "staff see what it matches."
                )
            )
        return Response(MatchSerializer(work_matches(work=work), many=True).data)
