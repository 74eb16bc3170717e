"""Projects API: projects, co-producers, asks, submissions, release and the split."""

from fractions import Fraction

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from contributions.models import Contribution
from hitrec.api import StandardPagination, UserRefSerializer
from hitrec.currencies import CURRENCY_CHOICES
from hitrec.files import stored_file_response
from projects import services
from projects.models import Ask, Project, Release, Submission
from projects.policy import PolicyError, format_share, parse_share
from projects.selectors import (
    project_list,
    project_visible_or_404,
    submission_list,
)


def _contribution_or_400(contribution_id: int) -> Contribution:
    contribution = Contribution.objects.filter(pk=contribution_id).first()
    if contribution is None:
        raise serializers.ValidationError(
            {"contribution": [f"There is no contribution #{contribution_id}."]}
        )
    return contribution


class ProjectOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    brief = serializers.CharField()
    status = serializers.CharField()
    owner = UserRefSerializer()
    currency = serializers.CharField()
    contributor_pool = serializers.SerializerMethodField()
    upstream_share = serializers.SerializerMethodField()
    cover = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_contributor_pool(self, project) -> str:
        return format_share(project.contributor_pool)

    def get_upstream_share(self, project) -> str:
        return format_share(project.upstream_share)

    def get_cover(self, project) -> str | None:
        if not project.cover:
            return None
        url = f"/api/projects/{project.id}/cover"
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class ProjectListCreateApi(APIView):
    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=Project.Status.choices, required=False)
        mine = serializers.BooleanField(required=False, default=False)

    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200)
        brief = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
        currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, required=False)
        contributor_pool = serializers.CharField(max_length=40, required=False)
        upstream_share = serializers.CharField(max_length=40, required=False)

    @extend_schema(parameters=[FilterSerializer], responses=ProjectOutputSerializer(many=True))
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(
            project_list(user=request.user, **filters.validated_data), request
        )
        return paginator.get_paginated_response(
            ProjectOutputSerializer(page, many=True, context={"request": request}).data
        )

    @extend_schema(request=InputSerializer, responses={201: ProjectOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = services.project_create(owner=request.user, **data.validated_data)
        return Response(
            ProjectOutputSerializer(project, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class ProjectDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200, required=False)
        brief = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
        currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, required=False)
        contributor_pool = serializers.CharField(max_length=40, required=False)
        upstream_share = serializers.CharField(max_length=40, required=False)

    @extend_schema(responses=ProjectOutputSerializer)
    def get(self, request, project_id: int):
        return Response(
            ProjectOutputSerializer(
                project_visible_or_404(user=request.user, project_id=project_id),
                context={"request": request},
            ).data
        )

    @extend_schema(request=InputSerializer, responses=ProjectOutputSerializer)
    def patch(self, request, project_id: int):
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        project = services.project_update(
            project=project_visible_or_404(user=request.user, project_id=project_id),
            actor=request.user,
            **data.validated_data,
        )
        return Response(ProjectOutputSerializer(project, context={"request": request}).data)


class ProjectCoverApi(APIView):
    """The cover picture: shown to anyone who may see the project, set by its producers."""

    parser_classes = [MultiPartParser]

    @extend_schema(responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
    def get(self, request, project_id: int):
        project = project_visible_or_404(user=request.user, project_id=project_id)
        if not project.cover:
            raise Http404("This project has no cover.")
        return stored_file_response(
            request,
            project.cover.name,
            content_type="image/jpeg",
            inline=True,
            # A draft is its team's business; once open, anyone may see (and keep) its cover.
            public=project.status != Project.Status.DRAFT,
        )

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(max_length=255)

    @extend_schema(
        request={"multipart/form-data": InputSerializer}, responses=ProjectOutputSerializer
    )
    def put(self, request, project_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = services.project_cover_set(
            project=project_visible_or_404(user=request.user, project_id=project_id),
            actor=request.user,
            **data.validated_data,
        )
        return Response(ProjectOutputSerializer(project, context={"request": request}).data)


def _status_api(to: str, doc: str):
    class ProjectStatusApi(APIView):
        __doc__ = doc

        @extend_schema(request=None, responses=ProjectOutputSerializer)
        def post(self, request, project_id: int):
            project = services.project_status_change(
                project=project_visible_or_404(user=request.user, project_id=project_id),
                actor=request.user,
                to=to,
            )
            return Response(ProjectOutputSerializer(project, context={"request": request}).data)

    ProjectStatusApi.__name__ = ProjectStatusApi.__qualname__ = f"Project{to.title()}Api"
    return ProjectStatusApi


ProjectOpenApi = _status_api("open", "Open a draft project to submissions.")
ProjectArchiveApi = _status_api("archive", "Archive a released project.")


class MemberOutputSerializer(serializers.Serializer):
    user = UserRefSerializer()
    role = serializers.CharField()
    accepted = serializers.SerializerMethodField()

    def get_accepted(self, member) -> bool:
        return member.accepted_at is not None


class ProjectMembersApi(APIView):
    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)

    @extend_schema(responses=MemberOutputSerializer(many=True))
    def get(self, request, project_id: int):
        project = project_visible_or_404(user=request.user, project_id=project_id)
        members = project.members.select_related("user").order_by("id")
        return Response(MemberOutputSerializer(members, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: MemberOutputSerializer})
    def post(self, request, project_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.member_invite(
            project=project_visible_or_404(user=request.user, project_id=project_id),
            actor=request.user,
            **data.validated_data,
        )
        return Response(MemberOutputSerializer(member).data, status=status.HTTP_201_CREATED)


class ProjectMemberAcceptApi(APIView):
    @extend_schema(request=None, responses=MemberOutputSerializer)
    def post(self, request, project_id: int):
        member = services.member_accept(
            project=project_visible_or_404(user=request.user, project_id=project_id),
            actor=request.user,
        )
        return Response(MemberOutputSerializer(member).data)


class ProjectMemberDetailApi(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, project_id: int, user_id: int):
        services.member_remove(
            project=project_visible_or_404(user=request.user, project_id=project_id),
            actor=request.user,
            user_id=user_id,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class AskOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    description = serializers.CharField()
    quantity = serializers.IntegerField()
    status = serializers.CharField()


class ProjectAsksApi(APIView):
    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=Contribution.Kind.choices)
        description = serializers.CharField(max_length=500)
        quantity = serializers.IntegerField(min_value=1, max_value=1000, required=False)

    @extend_schema(responses=AskOutputSerializer(many=True))
    def get(self, request, project_id: int):
        project = project_visible_or_404(user=request.user, project_id=project_id)
        return Response(AskOutputSerializer(project.asks.order_by("id"), many=True).data)

    @extend_schema(request=InputSerializer, responses={201: AskOutputSerializer})
    def post(self, request, project_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ask = services.ask_create(
            project=project_visible_or_404(user=request.user, project_id=project_id),
            actor=request.user,
            **data.validated_data,
        )
        return Response(AskOutputSerializer(ask).data, status=status.HTTP_201_CREATED)


class ProjectAskDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        description = serializers.CharField(max_length=500, required=False)
        quantity = serializers.IntegerField(min_value=1, max_value=1000, required=False)
        status = serializers.ChoiceField(choices=Ask.Status.choices, required=False)

    @extend_schema(request=InputSerializer, responses=AskOutputSerializer)
    def patch(self, request, project_id: int, ask_id: int):
        project = project_visible_or_404(user=request.user, project_id=project_id)
        ask = project.asks.filter(pk=ask_id).first()
        if ask is None:
            raise Http404("No such ask in this project.")
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        ask = services.ask_update(ask=ask, actor=request.user, **data.validated_data)
        return Response(AskOutputSerializer(ask).data)


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
                    {"ask": ["That ask is not one of this project's."]}
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
        raise Http404("No such submission in this project.")
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


@extend_schema_field({"type": "string", "example": "3/2"})
class WeightField(serializers.Field):
    """A positive weight: an integer, a decimal ("1.5") or a fraction ("3/2"), kept exact."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (str, int)) or len(str(data)) > 40:
            raise serializers.ValidationError("A weight is a number such as 2, 1.5 or 3/2.")
        try:
            weight = parse_share(str(data), name="The weight")
        except PolicyError as exc:
            raise serializers.ValidationError(str(exc)) from exc
        if weight <= 0:
            raise serializers.ValidationError("A weight must be positive.")
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
        raise Http404("This project has not been released.")
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
