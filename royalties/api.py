"""Royalties API: a released project's split."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from projects.models import Release
from projects.selectors import project_visible_to
from royalties.selectors import release_split, usernames
from royalties.splits import format_fraction, format_percent


class SplitPartySerializer(serializers.Serializer):
    user = serializers.IntegerField()
    username = serializers.CharField()
    share = serializers.CharField(help_text='Exact, "n/d" in lowest terms.')
    percent = serializers.CharField(help_text="Rounded half-up to two decimals.")


class SplitContributionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    received = serializers.CharField()
    kept = serializers.CharField()


class SplitOutputSerializer(serializers.Serializer):
    release = serializers.IntegerField()
    parties = SplitPartySerializer(many=True)
    contributions = SplitContributionSerializer(many=True)


class ProjectSplitApi(APIView):
    """Who gets what share of everything the released project earns, exactly."""

    permission_classes = [AllowAny]

    @extend_schema(responses=SplitOutputSerializer)
    def get(self, request, project_id: int):
        project = project_visible_to(user=request.user).filter(pk=project_id).first()
        if project is None:
            raise Http404("No project with that id.")
        release = (
            Release.objects.filter(project=project)
            .prefetch_related("credits", "nodes", "edges")
            .first()
        )
        if release is None:
            raise Http404("This project has not been released, so it has no split yet.")
        split = release_split(release=release)
        names = usernames(user_ids=[party.user_id for party in split.parties])
        body = {
            "release": release.id,
            "parties": [
                {
                    "user": party.user_id,
                    "username": names.get(party.user_id, ""),
                    "share": format_fraction(party.share),
                    "percent": format_percent(party.share),
                }
                for party in split.parties
            ],
            "contributions": [
                {
                    "id": cid,
                    "received": format_fraction(flow.received),
                    "kept": format_fraction(flow.kept),
                }
                for cid, flow in sorted(split.contributions.items())
            ],  # fmt: skip
        }
        return Response(SplitOutputSerializer(body).data)
