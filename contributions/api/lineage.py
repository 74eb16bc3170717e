"""Contributions API: a work's lineage (JSON and picture) and its upstream credits."""

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from contributions.api.works import get_or_404
from contributions.lineage import lineage_get
from contributions.lineage_pages import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    LineagePosition,
    lineage_page,
    lineage_summary,
)
from contributions.lineage_svg import (
    MAX_NODES,
    LineageRenderError,
    LineageTooLargeError,
    lineage_svg,
)
from contributions.models import Contribution
from contributions.selectors import (
    upstream_credits,
)
from hitrec.api import UserRefSerializer
from hitrec.schema import ErrorSerializer


def _lineage_or_404(contribution_id: int, read=lineage_get, **query):
    """`read` (lineage_get or lineage_page) of this contribution, or a 404."""
    if contribution_id >= 2**63:  # no such id; SQLite would overflow on it (a 500)
        raise Http404(_("No contribution with that id."))
    try:
        return read(contribution_id=contribution_id, **query)
    except Contribution.DoesNotExist as exc:
        raise Http404(_("No contribution with that id.")) from exc


class LineageUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = gettext_lazy(
        "The lineage picture cannot be drawn right now; the JSON lineage still works."
    )


class LineageNodeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    author = serializers.SerializerMethodField()
    depth = serializers.IntegerField()
    direction = serializers.CharField()
    removed = serializers.BooleanField()

    @extend_schema_field(UserRefSerializer)
    def get_author(self, node) -> dict:
        return {"id": node.author_id, "username": node.author_username}

    def to_representation(self, node) -> dict:
        # The fields above, built directly: a page has up to 1,000 nodes, and DRF's field by
        # field walk was a third of a 100-node page's time.
        return {
            "id": node.id,
            "title": node.title,
            "kind": node.kind,
            "author": self.get_author(node),
            "depth": node.depth,
            "direction": node.direction,
            "removed": node.removed,
        }


class LineageEdgeSerializer(serializers.Serializer):
    source = serializers.IntegerField()
    remix = serializers.IntegerField()

    def to_representation(self, edge) -> dict:
        return {"source": edge.source, "remix": edge.remix}  # as the node's, for speed


class LineageOutputSerializer(serializers.Serializer):
    root = serializers.IntegerField(source="root_id")
    nodes = LineageNodeSerializer(many=True)
    edges = LineageEdgeSerializer(many=True)
    next = serializers.URLField(
        allow_null=True, help_text="The next page of this lineage; null on the last page."
    )


class LineageQuerySerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=["up", "down", "both"], default="both")
    depth = serializers.IntegerField(min_value=1, max_value=1000, required=False)


class LineagePageQuerySerializer(LineageQuerySerializer):
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT)
    cursor = serializers.CharField(
        required=False, help_text="Where the page starts: the `next` link of the page before."
    )

    def validate_cursor(self, value: str) -> LineagePosition:
        try:
            return LineagePosition.from_token(value)
        except ValueError as exc:
            raise serializers.ValidationError(
                _("This cursor was not given out by this API; follow a page's `next` link.")
            ) from exc


class ContributionLineageApi(APIView):
    """A work's lineage, page by page: the work, its ancestors, then its descendants, each
    side nearest first (by shortest distance, then id), with the links among a page's works
    and to earlier pages."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[LineagePageQuerySerializer], responses=LineageOutputSerializer)
    def get(self, request, contribution_id: int):
        query = LineagePageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        options = dict(query.validated_data)
        after = options.pop("cursor", None)
        page = _lineage_or_404(contribution_id, lineage_page, after=after, **options)
        next_url = None
        if page.next is not None:
            next_url = replace_query_param(
                request.build_absolute_uri(), "cursor", page.next.token()
            )
        return Response(
            {
                "root": page.root_id,
                "nodes": LineageNodeSerializer(page.nodes, many=True).data,
                "edges": LineageEdgeSerializer(page.edges, many=True).data,
                "next": next_url,
            }
        )


class ContributionLineageSvgApi(APIView):
    """The lineage picture: whole when small; for a popular work, its nearest levels and
    one "and N more" box for the rest of each level."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[LineageQuerySerializer],
        responses={(200, "image/svg+xml"): OpenApiTypes.BINARY, 503: ErrorSerializer},
    )
    def get(self, request, contribution_id: int):
        query = LineageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        summary = _lineage_or_404(contribution_id, lineage_summary, **query.validated_data)
        try:
            svg = lineage_svg(summary, more=summary.more)
        except LineageTooLargeError as exc:
            raise serializers.ValidationError(
                {
                    "depth": [
                        _(
                            "This lineage has %(count)s works, too many to draw (at most "
                            "%(most)s); ask for fewer levels with depth=N."
                        )
                        % {"count": len(summary.nodes), "most": MAX_NODES}
                    ]
                }
            ) from exc
        except LineageRenderError as exc:
            raise LineageUnavailable() from exc
        response = HttpResponse(svg, content_type="image/svg+xml")
        # Our own drawing, but SVG is active content: no scripts, no outside loads.
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        return response


class CreditWorkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    license = serializers.CharField()
    depth = serializers.IntegerField()
    removed = serializers.BooleanField()


class CreditSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    username = serializers.CharField()
    display_name = serializers.CharField()
    works = CreditWorkSerializer(many=True)


class ContributionCreditsApi(APIView):
    """Everyone upstream of a contribution, with the works of theirs it builds on."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses=inline_serializer(
            "Credits",
            {"contribution": serializers.IntegerField(), "credits": CreditSerializer(many=True)},
        )
    )
    def get(self, request, contribution_id: int):
        get_or_404(contribution_id)
        credits = upstream_credits(contribution_id=contribution_id)
        return Response(
            {"contribution": contribution_id, "credits": CreditSerializer(credits, many=True).data}
        )
