"""Projects API: projects, their cover and status, members and asks."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from contributions.models import Contribution
from hitrec.api import StandardPagination, UserRefSerializer
from hitrec.currencies import CURRENCY_CHOICES
from hitrec.files import stored_file_response
from hitrec.tag_fields import TagsField
from projects import services
from projects.models import Ask, Project
from projects.policy import format_share
from projects.selectors import (
    project_list,
    project_visible_or_404,
)


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
        has_open_ask = serializers.BooleanField(
            required=False, default=False, help_text="Only projects still asking for work."
        )

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
            raise Http404(_("This project has no cover."))
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
    tags = serializers.SerializerMethodField(
        help_text="The skills it takes, as tags in their one spelling (`double-bass`)."
    )

    def get_tags(self, ask) -> list[str]:
        return [tag.name for tag in ask.tags.all()]


class ProjectAsksApi(APIView):
    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=Contribution.Kind.choices)
        description = serializers.CharField(max_length=500)
        quantity = serializers.IntegerField(min_value=1, max_value=1000, required=False)
        tags = TagsField(required=False, help_text='The skills it takes ("cello").')

    @extend_schema(responses=AskOutputSerializer(many=True))
    def get(self, request, project_id: int):
        project = project_visible_or_404(user=request.user, project_id=project_id)
        asks = project.asks.order_by("id").prefetch_related("tags")
        return Response(AskOutputSerializer(asks, many=True).data)

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
        tags = TagsField(
            required=False, allow_empty=True, help_text="Its tags, replacing those it has."
        )

    @extend_schema(request=InputSerializer, responses=AskOutputSerializer)
    def patch(self, request, project_id: int, ask_id: int):
        project = project_visible_or_404(user=request.user, project_id=project_id)
        ask = project.asks.filter(pk=ask_id).first()
        if ask is None:
            raise Http404(_("No such ask in this project."))
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        ask = services.ask_update(ask=ask, actor=request.user, **data.validated_data)
        return Response(AskOutputSerializer(ask).data)
