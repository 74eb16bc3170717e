"""Royalties API about one project: its split (and a preview), revenue, streams and costs."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from hitrec.api import StandardPagination, UserRefSerializer
from hitrec.files import stored_file_response
from hitrec.parsers import JSONParser
from projects.api import ReleaseCreditInputSerializer
from projects.models import Project, Release
from projects.policy import format_share
from projects.selectors import is_producer, project_visible_or_404
from royalties.models import (
    Allocation,
    ProductionCost,
    Recoupment,
    RevenueEvent,
)
from royalties.money import format_minor
from royalties.selectors import (
    cost_summary,
    project_costs,
    project_streams,
    receipt_visible_to,
    release_split,
    revenue_stream_named,
    sees_project_money,
    split_body,
    split_preview,
)
from royalties.services import (
    production_cost_approve,
    production_cost_record,
    production_cost_withdraw,
    revenue_record,
    revenue_stream_create,
)


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
    release = serializers.IntegerField(allow_null=True)
    parties = SplitPartySerializer(many=True)
    contributions = SplitContributionSerializer(many=True)


class SplitPreviewApi(APIView):
    """The split a release with these credits would have, computed now; nothing is saved."""

    class InputSerializer(serializers.Serializer):
        credits = ReleaseCreditInputSerializer(many=True, min_length=1, max_length=10_000)

    @extend_schema(request=InputSerializer, responses=SplitOutputSerializer)
    def post(self, request, project_id: int):
        project = _producers_project_or_404(request, project_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        credits = [(c["contribution"], c["weight"]) for c in data.validated_data["credits"]]
        split = split_preview(project=project, credits=credits)
        return Response(SplitOutputSerializer(split_body(split=split, release_id=None)).data)


class ProjectSplitApi(APIView):
    """Who gets what share of everything the released project earns, exactly."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "stream", str, description="A revenue stream's name: the split of its revenue."
            )
        ],
        responses=SplitOutputSerializer,
    )
    def get(self, request, project_id: int):
        project = project_visible_or_404(user=request.user, project_id=project_id)
        release = Release.objects.filter(project=project).first()
        if release is None:
            raise Http404(_("This project has not been released, so it has no split yet."))
        stream = None
        if name := request.query_params.get("stream"):
            stream = revenue_stream_named(project=project, name=name)
            if stream is None:
                raise Http404(
                    _("“%(title)s” has no revenue stream “%(name)s”.")
                    % {"title": project.title, "name": name[:40]}
                )
        body = split_body(
            split=release_split(release=release, stream=stream), release_id=release.id
        )
        return Response(SplitOutputSerializer(body).data)


# --- revenue -------------------------------------------------------------------------------


class AllocationOutputSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    amount_minor = serializers.IntegerField()


class RecoupmentOutputSerializer(serializers.Serializer):
    cost = serializers.IntegerField(source="cost_id")
    user = serializers.IntegerField(source="cost.borne_by_id", help_text="Who is paid back.")
    amount_minor = serializers.IntegerField()


class RevenueEventOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.IntegerField(source="project_id")
    stream = serializers.CharField(source="stream.name", allow_null=True, default=None)
    amount_minor = serializers.IntegerField()
    amount = serializers.SerializerMethodField()
    currency = serializers.CharField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    recouped_minor = serializers.IntegerField(
        help_text="The part that paid back production costs before the profit was split."
    )
    recoupments = RecoupmentOutputSerializer(many=True)
    allocations = AllocationOutputSerializer(many=True)

    def get_amount(self, event) -> str:
        return format_minor(event.amount_minor, currency=event.currency)


def _events_with_parts():
    return RevenueEvent.objects.select_related("stream").prefetch_related(
        Prefetch("allocations", queryset=Allocation.objects.order_by("user_id")),
        Prefetch(
            "recoupments", queryset=Recoupment.objects.select_related("cost").order_by("cost_id")
        ),
    )


def _event_body(event_id: int) -> dict:
    return RevenueEventOutputSerializer(_events_with_parts().get(pk=event_id)).data


class ProjectRevenueApi(APIView):
    """Producers record what the released work earns; each event is allocated at once. The
    producers, staff and everyone credited in the release read the events."""

    class InputSerializer(serializers.Serializer):
        amount = serializers.CharField(max_length=40, help_text='A decimal string, e.g. "12.34".')
        currency = serializers.CharField(max_length=3)
        note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
        stream = serializers.SlugField(
            max_length=40, required=False, allow_null=True, default=None,
            help_text="The revenue stream it belongs to; empty: the release's own policy.",
        )  # fmt: skip

    @extend_schema(responses=RevenueEventOutputSerializer(many=True))
    def get(self, request, project_id: int):
        project = _money_readers_project_or_404(request, project_id)
        events = _events_with_parts().filter(project=project).order_by("-id")
        paginator = StandardPagination()
        page = paginator.paginate_queryset(events, request)
        return paginator.get_paginated_response(RevenueEventOutputSerializer(page, many=True).data)

    @extend_schema(
        request=InputSerializer,
        parameters=[
            OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)
        ],
        responses={201: RevenueEventOutputSerializer, 200: RevenueEventOutputSerializer},
    )
    def post(self, request, project_id: int):
        project = _producers_project_or_404(request, project_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event, created = revenue_record(
            project=project,
            actor=request.user,
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            **data.validated_data,
        )
        return Response(_event_body(event.id), status=201 if created else 200)


def _producers_project_or_404(request, project_id: int) -> Project:
    project = project_visible_or_404(user=request.user, project_id=project_id)
    if not (request.user.is_staff or is_producer(project=project, user=request.user)):
        raise PermissionDenied(
            _("Only the producers of “%(title)s” see or record its revenue.")
            % {"title": project.title}
        )
    return project


def _money_readers_project_or_404(request, project_id: int) -> Project:
    """The project, if the person may read its costs and revenue in full: its producers,
    staff and the people credited in its release."""
    project = project_visible_or_404(user=request.user, project_id=project_id)
    if not sees_project_money(project=project, user=request.user):
        raise PermissionDenied(
            _(
                "Only the producers of “%(title)s” and the people credited in its release see "
                "its costs and revenue in full; everyone sees their totals."
            )
            % {"title": project.title}
        )
    return project


# --- revenue streams and production costs --------------------------------------------------


class RevenueStreamOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    contributor_pool = serializers.SerializerMethodField()
    recoups_costs = serializers.BooleanField()
    contributions = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="The credited contributions it pays; empty: every credit.",
    )
    created_at = serializers.DateTimeField()

    def get_contributor_pool(self, stream) -> str:
        return format_share(stream.contributor_pool)


class ProjectStreamsApi(APIView):
    """A project's revenue streams: anyone who may see the project reads them (they decide
    the split, which is public); producers add them."""

    permission_classes = [IsAuthenticatedOrReadOnly]

    class InputSerializer(serializers.Serializer):
        name = serializers.SlugField(max_length=40)
        contributor_pool = serializers.CharField(
            max_length=40, required=False, allow_null=True, default=None,
            help_text='e.g. "0.5", "1/2" or "50%"; default: the project\'s pool (100% for '
            '"budget").',
        )  # fmt: skip
        recoups_costs = serializers.BooleanField(required=False, allow_null=True, default=None)
        contributions = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
            required=False, default=list, max_length=10_000,
            help_text="Pay only these credited contributions (ids); default: every credit.",
        )  # fmt: skip

    @extend_schema(responses=RevenueStreamOutputSerializer(many=True))
    def get(self, request, project_id: int):
        project = project_visible_or_404(user=request.user, project_id=project_id)
        streams = project_streams(project=project)
        return Response(RevenueStreamOutputSerializer(streams, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: RevenueStreamOutputSerializer})
    def post(self, request, project_id: int):
        project = project_visible_or_404(user=request.user, project_id=project_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        stream = revenue_stream_create(project=project, actor=request.user, **data.validated_data)
        return Response(RevenueStreamOutputSerializer(stream).data, status=201)


class ProductionCostOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount_minor = serializers.IntegerField()
    amount = serializers.SerializerMethodField()
    currency = serializers.CharField()
    note = serializers.CharField()
    borne_by = UserRefSerializer()
    recouped_minor = serializers.IntegerField()
    outstanding_minor = serializers.IntegerField()
    receipt = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    withdrawn_minor = serializers.IntegerField()  # never to be paid back
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    withdrawal_reason = serializers.CharField()
    recorded_by = UserRefSerializer()
    has_receipt = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField(
        help_text="pending (waiting for a producer's agreement or its window), in_effect "
        "(revenue pays it back) or withdrawn."
    )
    rule = serializers.CharField(
        help_text="How it takes effect: recorded (at once, before the release), agreement "
        "(another producer's) or window (when effective_at comes)."
    )
    effective_at = serializers.DateTimeField(
        allow_null=True, help_text="From when revenue pays it back; empty: on agreement."
    )
    approved_by = UserRefSerializer(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)

    def get_amount(self, cost) -> str:
        return format_minor(cost.amount_minor, currency=cost.currency)

    def get_has_receipt(self, cost) -> bool:
        return bool(cost.receipt)

    def get_status(self, cost) -> str:
        if cost.withdrawn_at is not None:
            return "withdrawn"
        return "in_effect" if cost.in_effect(timezone.now()) else "pending"

    def get_receipt(self, cost) -> str | None:
        if not cost.receipt:
            return None
        return f"/api/projects/{cost.project_id}/costs/{cost.id}/receipt"


class ProjectCostsApi(APIView):
    """What making the work cost, and how much revenue has paid back: its producers record
    costs; they, staff and everyone credited in the release read them."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class InputSerializer(serializers.Serializer):
        amount = serializers.CharField(max_length=40, help_text='A decimal string, e.g. "250.00".')
        currency = serializers.CharField(max_length=3)
        note = serializers.CharField(max_length=500)
        borne_by = serializers.IntegerField(
            required=False, allow_null=True, default=None,
            help_text="The producer who paid it and is paid back (default: you).",
        )  # fmt: skip
        receipt = serializers.FileField(required=False, allow_null=True, default=None)

    @extend_schema(responses=ProductionCostOutputSerializer(many=True))
    def get(self, request, project_id: int):
        project = _money_readers_project_or_404(request, project_id)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(project_costs(project=project), request)
        return paginator.get_paginated_response(
            ProductionCostOutputSerializer(page, many=True).data
        )

    @extend_schema(request=InputSerializer, responses={201: ProductionCostOutputSerializer})
    def post(self, request, project_id: int):
        project = _producers_project_or_404(request, project_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        borne_by_id = data.validated_data.pop("borne_by")
        borne_by = None
        if borne_by_id is not None:
            borne_by = User.objects.filter(pk=borne_by_id).first()
            if borne_by is None:
                raise ValidationError(
                    {"borne_by": [_("There is no person #%(id)s.") % {"id": borne_by_id}]}
                )
        cost = production_cost_record(
            project=project, actor=request.user, borne_by=borne_by, **data.validated_data
        )
        return Response(ProductionCostOutputSerializer(cost).data, status=201)


class ProductionCostWithdrawApi(APIView):
    """A producer withdraws what revenue has not yet paid back of a cost."""

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500, help_text="Why it is withdrawn.")

    @extend_schema(request=InputSerializer, responses=ProductionCostOutputSerializer)
    def post(self, request, project_id: int, cost_id: int):
        project = _producers_project_or_404(request, project_id)
        cost = ProductionCost.objects.filter(project=project, pk=cost_id).first()
        if cost is None:
            raise Http404(_("The project has no such cost."))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cost = production_cost_withdraw(cost=cost, actor=request.user, **data.validated_data)
        return Response(ProductionCostOutputSerializer(cost).data)


class ProductionCostApproveApi(APIView):
    """A producer who neither recorded nor bore a cost recorded after the release agrees to
    it: revenue pays it back from now on."""

    @extend_schema(request=None, responses=ProductionCostOutputSerializer)
    def post(self, request, project_id: int, cost_id: int):
        project = _producers_project_or_404(request, project_id)
        cost = ProductionCost.objects.filter(project=project, pk=cost_id).first()
        if cost is None:
            raise Http404(_("The project has no such cost."))
        cost = production_cost_approve(cost=cost, actor=request.user)
        return Response(ProductionCostOutputSerializer(cost).data)


class CostSummaryOutputSerializer(serializers.Serializer):
    currency = serializers.CharField()
    count = serializers.IntegerField()
    recorded_minor = serializers.IntegerField(help_text="Every cost recorded.")
    recouped_minor = serializers.IntegerField(help_text="Paid back by revenue so far.")
    withdrawn_minor = serializers.IntegerField(help_text="Withdrawn: never to be paid back.")
    outstanding_minor = serializers.IntegerField(
        help_text="In effect and still to be paid back before profit is split."
    )
    pending_count = serializers.IntegerField()
    pending_minor = serializers.IntegerField(
        help_text="Waiting for a producer's agreement or the end of its public window."
    )
    recorded = serializers.SerializerMethodField()
    recouped = serializers.SerializerMethodField()
    outstanding = serializers.SerializerMethodField()
    pending = serializers.SerializerMethodField()

    def get_recorded(self, summary) -> str:
        return format_minor(summary.recorded_minor, currency=summary.currency)

    def get_recouped(self, summary) -> str:
        return format_minor(summary.recouped_minor, currency=summary.currency)

    def get_outstanding(self, summary) -> str:
        return format_minor(summary.outstanding_minor, currency=summary.currency)

    def get_pending(self, summary) -> str:
        return format_minor(summary.pending_minor, currency=summary.currency)


class ProjectCostSummaryApi(APIView):
    """A released project's costs in totals, for everyone who may see the project: what was
    recorded, what revenue paid back, what remains to pay back before profit is split."""

    permission_classes = [AllowAny]

    @extend_schema(responses=CostSummaryOutputSerializer)
    def get(self, request, project_id: int):
        project = project_visible_or_404(user=request.user, project_id=project_id)
        released = Release.objects.filter(project=project).exists()
        if not (released or sees_project_money(project=project, user=request.user)):
            raise Http404(
                _("“%(title)s” has not been released; its costs are shown once it is.")
                % {"title": project.title}
            )
        return Response(CostSummaryOutputSerializer(cost_summary(project=project)).data)


class ProductionCostReceiptApi(APIView):
    """A cost's receipt, as uploaded: to the producers, the people credited in the release,
    the person who bore it, and staff."""

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, project_id: int, cost_id: int):
        project = project_visible_or_404(user=request.user, project_id=project_id)
        cost = receipt_visible_to(user=request.user, project=project, cost_id=cost_id)
        if cost is None:
            raise Http404(_("There is no such receipt."))
        return stored_file_response(
            request, cost.receipt.name, content_type=cost.receipt_mime, inline=False
        )
