"""Payouts API: a person's earnings and statements, staff's statement runs and payout batches."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from hitrec.api import StandardPagination, UserRefSerializer
from hitrec.i18n import message_of
from hitrec.replicas import money_lag_tolerated
from royalties.documents import statement_csv, statement_pdf
from royalties.models import (
    PayoutBatch,
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
    statement_document,
    statement_runs,
    statements_visible_to,
)
from royalties.services import (
    payout_batch_create,
    payout_batch_file,
    payout_results_import,
    statement_issue,
    statement_issue_run_start,
    statement_pay,
    statement_run_retry,
    statement_run_start,
)
from royalties.uploads import ResultFileUploadHandler

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
        raise Http404(_("No statement with that id."))
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
        if request.accepted_renderer.format in ("csv", "pdf"):
            # A document is a record to keep, not a balance to act on: it may be read from
            # the read replica, a moment behind (docs/decisions.md).
            with money_lag_tolerated():
                statement = _statement_or_404(request, statement_id)
                document = statement_document(statement=statement)
            fmt = request.accepted_renderer.format
            content = statement_csv(document) if fmt == "csv" else statement_pdf(document)
            filename = f"hitrec-statement-{document.period}-{statement.currency}.{fmt}"
            return Response(
                content, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
            )
        statement = _statement_or_404(request, statement_id)
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
            raise serializers.ValidationError(message_of(exc)) from exc


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
            raise PermissionDenied(_("Only staff follow statement runs."))
        paginator = StandardPagination()
        page = paginator.paginate_queryset(statement_runs(), request)
        return paginator.get_paginated_response(StatementRunOutputSerializer(page, many=True).data)


class StatementRunApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=StatementRunOutputSerializer)
    def get(self, request, run_id: int):
        if not request.user.is_staff:
            raise PermissionDenied(_("Only staff follow statement runs."))
        run = StatementRun.objects.filter(pk=run_id).first()
        if run is None:
            raise Http404(_("No such statement run."))
        return Response(StatementRunOutputSerializer(run).data)


class StatementRunRetryApi(APIView):
    """Staff try a failed statement run again."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={202: StatementRunOutputSerializer})
    def post(self, request, run_id: int):
        if not request.user.is_staff:
            raise PermissionDenied(_("Only staff retry statement runs."))
        run = StatementRun.objects.filter(pk=run_id).first()
        if run is None:
            raise Http404(_("No such statement run."))
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
        raise PermissionDenied(_("Only staff handle payout batches."))
    batch = payout_batches().filter(pk=batch_id).first()
    if batch is None:
        raise Http404(_("No such payout batch."))
    return batch


class PayoutBatchListApi(APIView):
    """Staff gather issued statements into a bulk-payout file, and list earlier batches."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PayoutBatchOutputSerializer(many=True))
    def get(self, request):
        if not request.user.is_staff:
            raise PermissionDenied(_("Only staff handle payout batches."))
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
            raise ValidationError({"file": [message_of(exc)]}) from None
        counts = payout_results_import(batch=batch, actor=request.user, text=text)
        return Response(self.OutputSerializer(counts).data)
