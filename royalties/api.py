"""Royalties API: a released project's split, its revenue, and people's payouts."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from hitrec.api import StandardPagination
from projects.api import ReleaseCreditInputSerializer
from projects.models import Project, Release
from projects.selectors import is_producer, project_visible_or_404
from royalties.documents import statement_csv, statement_pdf
from royalties.models import Allocation, RevenueEvent, Statement, StatementRun
from royalties.money import format_minor
from royalties.selectors import (
    earning_lines,
    payable_balances,
    release_split,
    split_body,
    split_preview,
    statement_document,
    statements_visible_to,
)
from royalties.services import (
    revenue_record,
    statement_issue,
    statement_pay,
    statement_run_start,
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

    @extend_schema(responses=SplitOutputSerializer)
    def get(self, request, project_id: int):
        project = project_visible_or_404(user=request.user, project_id=project_id)
        release = Release.objects.filter(project=project).first()
        if release is None:
            raise Http404("This project has not been released, so it has no split yet.")
        body = split_body(split=release_split(release=release), release_id=release.id)
        return Response(SplitOutputSerializer(body).data)


# --- revenue -------------------------------------------------------------------------------


class AllocationOutputSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    amount_minor = serializers.IntegerField()


class RevenueEventOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.IntegerField(source="project_id")
    amount_minor = serializers.IntegerField()
    amount = serializers.SerializerMethodField()
    currency = serializers.CharField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    allocations = AllocationOutputSerializer(many=True)

    def get_amount(self, event) -> str:
        return format_minor(event.amount_minor, currency=event.currency)


def _event_body(event_id: int) -> dict:
    event = RevenueEvent.objects.prefetch_related(
        Prefetch("allocations", queryset=Allocation.objects.order_by("user_id"))
    ).get(pk=event_id)
    return RevenueEventOutputSerializer(event).data


class ProjectRevenueApi(APIView):
    """Producers record what the released work earns; each event is allocated at once."""

    class InputSerializer(serializers.Serializer):
        amount = serializers.CharField(max_length=40, help_text='A decimal string, e.g. "12.34".')
        currency = serializers.CharField(max_length=3)
        note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    @extend_schema(responses=RevenueEventOutputSerializer(many=True))
    def get(self, request, project_id: int):
        project = _producers_project_or_404(request, project_id)
        events = (
            RevenueEvent.objects.filter(project=project)
            .prefetch_related(
                Prefetch("allocations", queryset=Allocation.objects.order_by("user_id"))
            )
            .order_by("-id")
        )
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
        return f"{statement.period:%Y-%m}"


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
    period = serializers.SerializerMethodField()
    status = serializers.CharField()
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.SerializerMethodField()

    def get_period(self, run) -> str:
        return f"{run.period:%Y-%m}"

    def get_percent(self, run) -> int:
        if run.status == "done":
            return 100
        return (100 * run.done // run.total) if run.total else 0


class StatementBuildApi(APIView):
    """Staff build a month's statements for everyone (a background job with progress)."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        period = serializers.RegexField(
            r"^\d{4}-(0[1-9]|1[0-2])$", error_messages={"invalid": "Give the month as YYYY-MM."}
        )

    @extend_schema(request=InputSerializer, responses={202: StatementRunOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        year, month = map(int, data.validated_data["period"].split("-"))
        run = statement_run_start(period=dt.date(year, month, 1), actor=request.user)
        run.refresh_from_db()
        return Response(StatementRunOutputSerializer(run).data, status=202)


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
