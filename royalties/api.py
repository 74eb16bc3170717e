"""Royalties API: a released project's split, its revenue, and people's payouts."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.renderers import BaseRenderer, JSONRenderer
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
from royalties.documents import statement_csv, statement_pdf
from royalties.models import (
    Allocation,
    PayoutBatch,
    ProductionCost,
    Recoupment,
    RevenueEvent,
    Statement,
    StatementRun,
)
from royalties.money import format_minor
from royalties.payout_files import PayoutFileError, result_file_text
from royalties.periods import PeriodError, format_period, parse_period
from royalties.selectors import (
    earning_lines,
    payable_balances,
    payout_batches,
    project_streams,
    receipt_visible_to,
    release_split,
    revenue_stream_named,
    split_body,
    split_preview,
    statement_document,
    statement_runs,
    statements_visible_to,
)
from royalties.services import (
    payout_batch_create,
    payout_batch_file,
    payout_results_import,
    production_cost_record,
    production_cost_withdraw,
    revenue_record,
    revenue_stream_create,
    statement_issue,
    statement_issue_run_start,
    statement_pay,
    statement_run_retry,
    statement_run_start,
)
from royalties.uploads import ResultFileUploadHandler


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
            raise Http404("This project has not been released, so it has no split yet.")
        stream = None
        if name := request.query_params.get("stream"):
            stream = revenue_stream_named(project=project, name=name)
            if stream is None:
                raise Http404(f"“{project.title}” has no revenue stream “{name[:40]}”.")
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
    """Producers record what the released work earns; each event is allocated at once."""

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
        project = _producers_project_or_404(request, project_id)
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
            f"Only the producers of “{project.title}” see or record its revenue."
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

    def get_amount(self, cost) -> str:
        return format_minor(cost.amount_minor, currency=cost.currency)

    def get_receipt(self, cost) -> str | None:
        if not cost.receipt:
            return None
        return f"/api/projects/{cost.project_id}/costs/{cost.id}/receipt"


class ProjectCostsApi(APIView):
    """What making the work cost, and how much revenue has paid back: for its producers."""

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
        project = _producers_project_or_404(request, project_id)
        costs = ProductionCost.objects.filter(project=project).select_related("borne_by")
        paginator = StandardPagination()
        page = paginator.paginate_queryset(costs.order_by("-id"), request)
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
                raise ValidationError({"borne_by": [f"There is no person #{borne_by_id}."]})
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
            raise Http404("The project has no such cost.")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cost = production_cost_withdraw(cost=cost, actor=request.user, **data.validated_data)
        return Response(ProductionCostOutputSerializer(cost).data)


class ProductionCostReceiptApi(APIView):
    """A cost's receipt, as uploaded: to the producers, the person who bore it, and staff."""

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, project_id: int, cost_id: int):
        project = project_visible_or_404(user=request.user, project_id=project_id)
        cost = receipt_visible_to(user=request.user, project=project, cost_id=cost_id)
        if cost is None:
            raise Http404("There is no such receipt.")
        return stored_file_response(
            request, cost.receipt.name, content_type=cost.receipt_mime, inline=False
        )


# --- payouts -------------------------------------------------------------------------------


class BalanceSerializer(serializers.Serializer):
    currency = serializers.CharField()
    balance_minor = serializers.IntegerField()
    balance = serializers.CharField()


class EarningLineSerializer(serializers.Serializer):
    event = serializers.IntegerField()
    date = serializers.DateTimeField()
    project = serializers.IntegerField()
    project_title = serializers.CharField()
    stream = serializers.CharField(allow_null=True)  # the revenue stream, if not the release's own
    contribution = serializers.IntegerField(allow_null=True)
    contribution_title = serializers.CharField(allow_null=True)
    path = serializers.CharField()
    currency = serializers.CharField()
    amount_minor = serializers.IntegerField()


class PayoutsMeOutputSerializer(serializers.Serializer):
    balances = BalanceSerializer(many=True)
    lines = EarningLineSerializer(many=True)


class PayoutsMeApi(APIView):
    """What the platform owes me, and the latest lines of what I earned, with their paths."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PayoutsMeOutputSerializer)
    def get(self, request):
        balances = [
            {"currency": currency, "balance_minor": minor,
             "balance": format_minor(minor, currency=currency)}
            for currency, minor in payable_balances(user=request.user).items()
        ]  # fmt: skip
        return Response(
            PayoutsMeOutputSerializer(
                {"balances": balances, "lines": earning_lines(user=request.user, limit=100)}
            ).data
        )


class StatementLineSerializer(serializers.Serializer):
    project = serializers.IntegerField(source="project_id")
    contribution = serializers.IntegerField(source="contribution_id", allow_null=True)
    description = serializers.CharField()
    path = serializers.CharField()
    amount_minor = serializers.IntegerField()


class StatementOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.IntegerField(source="user_id")
    period = serializers.SerializerMethodField()
    currency = serializers.CharField()
    status = serializers.CharField()
    carried_in_minor = serializers.IntegerField()
    earned_minor = serializers.IntegerField()
    payable_minor = serializers.IntegerField()
    carried_forward_minor = serializers.IntegerField()
    issued_at = serializers.DateTimeField(allow_null=True)
    paid_at = serializers.DateTimeField(allow_null=True)

    def get_period(self, statement) -> str:
        return format_period(statement.period)


class StatementDetailOutputSerializer(StatementOutputSerializer):
    lines = StatementLineSerializer(many=True)


class StatementListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=StatementOutputSerializer(many=True))
    def get(self, request):
        paginator = StandardPagination()
        page = paginator.paginate_queryset(statements_visible_to(user=request.user), request)
        return paginator.get_paginated_response(StatementOutputSerializer(page, many=True).data)


class CsvRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else str(data).encode()


class PdfRenderer(BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else str(data).encode()


def _statement_or_404(request, statement_id: int) -> Statement:
    statement = (
        statements_visible_to(user=request.user)
        .prefetch_related("lines")
        .filter(pk=statement_id)
        .first()
    )
    if statement is None:
        raise Http404("No statement with that id.")
    return statement


class StatementDetailApi(APIView):
    """One statement: JSON, or ?format=csv / ?format=pdf for a person to keep."""

    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer, CsvRenderer, PdfRenderer]

    def handle_exception(self, exc):
        # A refusal is `{"detail": …}` JSON like every other error, even when a CSV or a PDF
        # was asked for (those renderers would write the error dict's Python repr).
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    @extend_schema(responses=StatementDetailOutputSerializer)
    def get(self, request, statement_id: int):
        statement = _statement_or_404(request, statement_id)
        if request.accepted_renderer.format in ("csv", "pdf"):
            document = statement_document(statement=statement)
            fmt = request.accepted_renderer.format
            content = statement_csv(document) if fmt == "csv" else statement_pdf(document)
            filename = f"hitrec-statement-{document.period}-{statement.currency}.{fmt}"
            return Response(
                content, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
            )
        return Response(StatementDetailOutputSerializer(statement).data)


def _staff_statement_action(action, doc: str):
    class StatementActionApi(APIView):
        __doc__ = doc
        permission_classes = [IsAuthenticated]

        @extend_schema(request=None, responses=StatementOutputSerializer)
        def post(self, request, statement_id: int):
            statement = action(
                statement=_statement_or_404(request, statement_id), actor=request.user
            )
            return Response(StatementOutputSerializer(statement).data)

    StatementActionApi.__name__ = StatementActionApi.__qualname__ = (
        f"Statement{action.__name__.split('_')[-1].title()}Api"
    )
    return StatementActionApi


StatementIssueApi = _staff_statement_action(statement_issue, "Staff issue an open statement.")
StatementPayApi = _staff_statement_action(statement_pay, "Staff record an issued statement paid.")


class StatementRunOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()  # build or issue
    requested_by = UserRefSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    period = serializers.SerializerMethodField()
    status = serializers.CharField()
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.SerializerMethodField()
    error = serializers.CharField()  # what stopped a failed run

    def get_period(self, run) -> str:
        return format_period(run.period)

    def get_percent(self, run) -> int:
        if run.status == "done":
            return 100
        return (100 * run.done // run.total) if run.total else 0


class PeriodInputSerializer(serializers.Serializer):
    period = serializers.CharField(max_length=20, help_text="The month, as YYYY-MM.")

    def validate_period(self, value: str) -> dt.date:
        try:
            return parse_period(value)
        except PeriodError as exc:
            raise serializers.ValidationError(str(exc)) from exc


def _statement_run_api(
    start, doc: str, name: str, operation_id: str | None = None
) -> type[APIView]:
    """A staff action over a month's statements, done by a worker: 202 and the run to follow."""

    class StatementRunStartApi(APIView):
        __doc__ = doc
        permission_classes = [IsAuthenticated]

        @extend_schema(
            request=PeriodInputSerializer,
            responses={202: StatementRunOutputSerializer},
            operation_id=operation_id,
        )
        def post(self, request):
            data = PeriodInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            run = start(period=data.validated_data["period"], actor=request.user)
            run.refresh_from_db()
            return Response(StatementRunOutputSerializer(run).data, status=202)

    StatementRunStartApi.__name__ = StatementRunStartApi.__qualname__ = name
    return StatementRunStartApi


StatementBuildApi = _statement_run_api(
    statement_run_start,
    "Staff build a month's statements for everyone (a job with progress).",
    "StatementBuildApi",
)
StatementIssueMonthApi = _statement_run_api(
    statement_issue_run_start,
    "Staff issue a month's open statements (a job with progress).",
    "StatementIssueMonthApi",
    # One statement's issue/ would otherwise share its generated operation id.
    operation_id="payouts_statements_issue_month_create",
)


class StatementRunListApi(APIView):
    """Staff see the statement runs, newest first."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=StatementRunOutputSerializer(many=True))
    def get(self, request):
        if not request.user.is_staff:
            raise PermissionDenied("Only staff follow statement runs.")
        paginator = StandardPagination()
        page = paginator.paginate_queryset(statement_runs(), request)
        return paginator.get_paginated_response(StatementRunOutputSerializer(page, many=True).data)


class StatementRunApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=StatementRunOutputSerializer)
    def get(self, request, run_id: int):
        if not request.user.is_staff:
            raise PermissionDenied("Only staff follow statement runs.")
        run = StatementRun.objects.filter(pk=run_id).first()
        if run is None:
            raise Http404("No such statement run.")
        return Response(StatementRunOutputSerializer(run).data)


class StatementRunRetryApi(APIView):
    """Staff try a failed statement run again."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={202: StatementRunOutputSerializer})
    def post(self, request, run_id: int):
        if not request.user.is_staff:
            raise PermissionDenied("Only staff retry statement runs.")
        run = StatementRun.objects.filter(pk=run_id).first()
        if run is None:
            raise Http404("No such statement run.")
        run = statement_run_retry(run=run, actor=request.user)
        return Response(StatementRunOutputSerializer(run).data, status=202)


# --- payout files for the payment facilitator ------------------------------------------------


class PayoutBatchOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    payments = serializers.IntegerField(source="payment_count")
    pending = serializers.IntegerField(source="pending_count")
    file = serializers.SerializerMethodField()

    def get_file(self, batch) -> str:
        return f"/api/payouts/batches/{batch.id}/file.csv"


def _staff_batch_or_404(request, batch_id: int) -> PayoutBatch:
    if not request.user.is_staff:
        raise PermissionDenied("Only staff handle payout batches.")
    batch = payout_batches().filter(pk=batch_id).first()
    if batch is None:
        raise Http404("No such payout batch.")
    return batch


class PayoutBatchListApi(APIView):
    """Staff gather issued statements into a bulk-payout file, and list earlier batches."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PayoutBatchOutputSerializer(many=True))
    def get(self, request):
        if not request.user.is_staff:
            raise PermissionDenied("Only staff handle payout batches.")
        paginator = StandardPagination()
        page = paginator.paginate_queryset(payout_batches(), request)
        return paginator.get_paginated_response(PayoutBatchOutputSerializer(page, many=True).data)

    @extend_schema(request=None, responses={201: PayoutBatchOutputSerializer})
    def post(self, request):
        batch = payout_batch_create(actor=request.user)
        body = PayoutBatchOutputSerializer(payout_batches().get(pk=batch.pk)).data
        return Response(body, status=201)


class PayoutBatchFileApi(APIView):
    """The batch as the facilitator's bulk-payout CSV: payee_email, amount, currency, reference."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request, batch_id: int):
        batch = _staff_batch_or_404(request, batch_id)
        response = HttpResponse(payout_batch_file(batch=batch), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="hitrec-payouts-{batch.id}.csv"'
        return response


class PayoutResultsApi(APIView):
    """Staff upload the facilitator's result file (reference, status paid|failed, message)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    def initialize_request(self, request, *args, **kwargs):
        # Before anything reads the body (the CSRF check of session auth reads the form).
        request.upload_handlers = [ResultFileUploadHandler(request)]
        return super().initialize_request(request, *args, **kwargs)

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField()

    class OutputSerializer(serializers.Serializer):
        paid = serializers.IntegerField()
        failed = serializers.IntegerField()
        unchanged = serializers.IntegerField(help_text="Rows recorded by an earlier import.")

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request, batch_id: int):
        batch = _staff_batch_or_404(request, batch_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            text = result_file_text(data.validated_data["file"].read())
        except PayoutFileError as exc:
            raise ValidationError({"file": [str(exc)]}) from None
        counts = payout_results_import(batch=batch, actor=request.user, text=text)
        return Response(self.OutputSerializer(counts).data)
