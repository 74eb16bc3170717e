"""Projects API: submissions of work to a project, resources, and producers' decisions."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from contributions.models import Contribution
from hitrec.api import StandardPagination, UserRefSerializer
from projects import services
from projects.models import Submission
from projects.selectors import (
    project_visible_or_404,
    submission_list,
)


def _contribution_or_400(contribution_id: int) -> Contribution:
    contribution = Contribution.objects.filter(pk=contribution_id).first()
    if contribution is None:
        raise serializers.ValidationError(
            {"contribution": [_("There is no contribution #%(id)s.") % {"id": contribution_id}]}
        )
    return contribution


class ContributionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    author = UserRefSerializer()


class SubmissionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    contribution = ContributionRefSerializer()
    ask = serializers.IntegerField(source="ask_id", allow_null=True)
    origin = serializers.CharField()
    submitted_by = UserRefSerializer()
    status = serializers.CharField()
    message = serializers.CharField()
    decision_note = serializers.CharField()
    created_at = serializers.DateTimeField()


class ProjectSubmissionsApi(APIView):
    class InputSerializer(serializers.Serializer):
        contribution = serializers.IntegerField(min_value=1)
        ask = serializers.IntegerField(min_value=1, required=False)
        message = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    @extend_schema(responses=SubmissionOutputSerializer(many=True))
    def get(self, request, project_id: int):
        project = project_visible_or_404(user=request.user, project_id=project_id)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(
            submission_list(project=project, user=request.user), request
        )
        return paginator.get_paginated_response(SubmissionOutputSerializer(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: SubmissionOutputSerializer})
    def post(self, request, project_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = project_visible_or_404(user=request.user, project_id=project_id)
        ask = None
        if "ask" in data.validated_data:
            ask = project.asks.filter(pk=data.validated_data["ask"]).first()
            if ask is None:
                raise serializers.ValidationError(
                    {"ask": [_("That ask is not one of this project's.")]}
                )
        submission = services.submission_create(
            project=project,
            actor=request.user,
            contribution=_contribution_or_400(data.validated_data["contribution"]),
            ask=ask,
            message=data.validated_data.get("message", ""),
        )
        return Response(SubmissionOutputSerializer(submission).data, status=status.HTTP_201_CREATED)


class ProjectResourcesApi(APIView):
    class InputSerializer(serializers.Serializer):
        contribution = serializers.IntegerField(min_value=1)

    @extend_schema(request=InputSerializer, responses={201: SubmissionOutputSerializer})
    def post(self, request, project_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        submission = services.resource_add(
            project=project_visible_or_404(user=request.user, project_id=project_id),
            actor=request.user,
            contribution=_contribution_or_400(data.validated_data["contribution"]),
        )
        return Response(SubmissionOutputSerializer(submission).data, status=status.HTTP_201_CREATED)


def _submission_or_404(request, project_id: int, submission_id: int) -> Submission:
    project = project_visible_or_404(user=request.user, project_id=project_id)
    submission = (
        submission_list(project=project, user=request.user).filter(pk=submission_id).first()
    )
    if submission is None:
        raise Http404(_("No such submission in this project."))
    return submission


class SubmissionDecisionInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


def _decision_api(accept: bool):
    class SubmissionDecisionApi(APIView):
        @extend_schema(
            request=SubmissionDecisionInputSerializer, responses=SubmissionOutputSerializer
        )
        def post(self, request, project_id: int, submission_id: int):
            data = SubmissionDecisionInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            submission = services.submission_decide(
                submission=_submission_or_404(request, project_id, submission_id),
                actor=request.user,
                accept=accept,
                **data.validated_data,
            )
            return Response(SubmissionOutputSerializer(submission).data)

    name = "SubmissionAcceptApi" if accept else "SubmissionDeclineApi"
    SubmissionDecisionApi.__name__ = SubmissionDecisionApi.__qualname__ = name
    return SubmissionDecisionApi


SubmissionAcceptApi = _decision_api(accept=True)


SubmissionDeclineApi = _decision_api(accept=False)


class SubmissionWithdrawApi(APIView):
    @extend_schema(request=None, responses=SubmissionOutputSerializer)
    def post(self, request, project_id: int, submission_id: int):
        submission = services.submission_withdraw(
            submission=_submission_or_404(request, project_id, submission_id), actor=request.user
        )
        return Response(SubmissionOutputSerializer(submission).data)
