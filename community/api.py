"""Community API: comments and their moderation, follows, reports and staff takedowns."""

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from community import services
from community.models import (
    COMMENT_MAX_CHARS,
    REPORT_MAX_CHARS,
    TAKEDOWN_REASON_MAX_CHARS,
    Comment,
    Report,
)
from community.selectors import (
    comment_get,
    comment_list,
    comment_moderator_role,
    follow_list,
    report_queue,
)
from contributions.models import Contribution
from hitrec.api import StandardPagination, UserRefSerializer
from hitrec.throttles import CommentRateThrottle
from projects.models import Project
from projects.selectors import project_visible_or_404


class IsStaff(BasePermission):
    message = gettext_lazy("Only staff can work the reports queue and take contributions down.")

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


def _contribution_or_404(contribution_id: int) -> Contribution:
    contribution = Contribution.objects.select_related("author").filter(pk=contribution_id).first()
    if contribution is None:
        raise Http404(_("No contribution with that id."))
    return contribution


def _comment_or_404(request, comment_id: int) -> Comment:
    comment = comment_get(comment_id=comment_id, user=request.user)
    if comment is None:
        raise Http404(_("No comment with that id."))
    return comment


# --- comments ------------------------------------------------------------------------------


class CommentSerializer(serializers.Serializer):
    """A comment; a hidden one keeps its text from readers who are not its moderators."""

    id = serializers.IntegerField()
    author = UserRefSerializer()
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    body = serializers.SerializerMethodField()
    html = serializers.SerializerMethodField()
    hidden = serializers.BooleanField(source="is_hidden")
    hidden_by = serializers.SerializerMethodField()
    removed = serializers.BooleanField(source="is_removed")
    created_at = serializers.DateTimeField()

    def _shown(self, comment) -> bool:
        if comment.is_removed:
            return False
        return not comment.is_hidden or self.context.get("reveal", False)

    def get_body(self, comment) -> str | None:
        return comment.body if self._shown(comment) else None

    def get_html(self, comment) -> str | None:
        return comment.html if self._shown(comment) else None

    def get_hidden_by(self, comment) -> str | None:
        """Who hid it, in words: "the author", "the producers" or "staff"."""
        return comment.get_hidden_role_display() if comment.is_hidden else None


class ThreadSerializer(CommentSerializer):
    """A top-level comment with its replies, oldest first."""

    replies = serializers.SerializerMethodField()

    @extend_schema_field(CommentSerializer(many=True))
    def get_replies(self, comment) -> list[dict]:
        return CommentSerializer(comment.replies.all(), many=True, context=self.context).data


class CommentInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=COMMENT_MAX_CHARS, trim_whitespace=True)
    parent = serializers.IntegerField(required=False, allow_null=True)


def _comments_api(target: str):
    """The same list/create endpoint for comments on contributions and on projects."""

    class CommentsApi(APIView):
        throttle_classes = [CommentRateThrottle]  # counts new comments only, not reads

        def _target(self, request, ids: dict) -> dict:
            if target == "contribution":
                return {"contribution": _contribution_or_404(ids["contribution_id"])}
            return {
                "project": project_visible_or_404(user=request.user, project_id=ids["project_id"])
            }

        @extend_schema(responses=ThreadSerializer(many=True))
        def get(self, request, **ids):
            on = self._target(request, ids)
            reveal = comment_moderator_role(user=request.user, **on) is not None
            paginator = StandardPagination()
            page = paginator.paginate_queryset(comment_list(**on), request)
            return paginator.get_paginated_response(
                ThreadSerializer(page, many=True, context={"reveal": reveal}).data
            )

        @extend_schema(request=CommentInputSerializer, responses={201: CommentSerializer})
        def post(self, request, **ids):
            data = CommentInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            on = self._target(request, ids)
            parent = None
            if data.validated_data.get("parent") is not None:
                parent = Comment.objects.filter(pk=data.validated_data["parent"]).first()
                if parent is None:
                    raise serializers.ValidationError(
                        {
                            "parent": [
                                _("There is no comment #%(id)s.")
                                % {"id": data.validated_data["parent"]}
                            ]
                        }
                    )
            comment = services.comment_create(
                author=request.user, body=data.validated_data["body"], parent=parent, **on
            )
            return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    name = f"{target.title()}CommentsApi"
    CommentsApi.__name__ = CommentsApi.__qualname__ = name
    CommentsApi.__doc__ = f"Comments on a {target}, oldest first, each with its replies."
    return CommentsApi


ContributionCommentsApi = _comments_api("contribution")
ProjectCommentsApi = _comments_api("project")


def _moderation_api(verb: str, doc: str):
    service = services.comment_hide if verb == "hide" else services.comment_unhide

    class CommentModerationApi(APIView):
        __doc__ = doc
        permission_classes = [IsAuthenticated]

        @extend_schema(request=None, responses=CommentSerializer)
        def post(self, request, comment_id: int):
            comment = service(comment=_comment_or_404(request, comment_id), actor=request.user)
            return Response(CommentSerializer(comment, context={"reveal": True}).data)

    CommentModerationApi.__name__ = CommentModerationApi.__qualname__ = f"Comment{verb.title()}Api"
    return CommentModerationApi


class CommentDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request, comment_id: int):
        """The person who wrote a comment deletes it (replies others made to it stay)."""
        services.comment_delete(comment=_comment_or_404(request, comment_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


CommentHideApi = _moderation_api(
    "hide", "The author of the work or the project's producers (or staff) hide a comment."
)
CommentUnhideApi = _moderation_api("unhide", "The moderators show a hidden comment again.")


# --- follows -------------------------------------------------------------------------------


class FollowedProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class FollowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    artist = UserRefSerializer(allow_null=True)
    project = FollowedProjectSerializer(allow_null=True)
    created_at = serializers.DateTimeField()


class FollowsApi(APIView):
    """What the signed-in person follows (no one else's follows, and no counts, are shown)."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        artist = serializers.CharField(
            max_length=150, required=False, help_text="A user id or a username."
        )
        project = serializers.IntegerField(required=False)

        def validate(self, attrs):
            if ("artist" in attrs) == ("project" in attrs):
                raise serializers.ValidationError(
                    _("Follow an artist or a project: name exactly one.")
                )
            return attrs

    @extend_schema(responses=FollowSerializer(many=True))
    def get(self, request):
        paginator = StandardPagination()
        page = paginator.paginate_queryset(follow_list(user=request.user), request)
        return paginator.get_paginated_response(FollowSerializer(page, many=True).data)

    @extend_schema(
        request=InputSerializer, responses={201: FollowSerializer, 200: FollowSerializer}
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        target: dict = {}
        if "artist" in data.validated_data:
            ref = data.validated_data["artist"]
            # "²".isdigit() is true but int("²") fails: only ASCII digits make an id.
            is_id = ref.isascii() and ref.isdigit()
            lookup = {"pk": int(ref)} if is_id else {"username__iexact": ref}
            artist = User.objects.filter(is_active=True, **lookup).first()
            if artist is None:
                raise serializers.ValidationError(
                    {"artist": [_("There is no artist “%(artist)s”.") % {"artist": ref}]}
                )
            target["artist"] = artist
        else:
            project = Project.objects.filter(pk=data.validated_data["project"]).first()
            if project is None:
                raise serializers.ValidationError(
                    {
                        "project": [
                            _("There is no project #%(id)s.")
                            % {"id": data.validated_data["project"]}
                        ]
                    }
                )
            target["project"] = project
        follow, created = services.follow_create(follower=request.user, **target)
        return Response(
            FollowSerializer(follow).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class FollowDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request, follow_id: int):
        follow = follow_list(user=request.user).filter(pk=follow_id).first()
        if follow is None:
            raise Http404(_("You do not follow that."))
        services.follow_delete(follower=request.user, artist=follow.artist, project=follow.project)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- reports and takedowns -----------------------------------------------------------------


class ReportedContributionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    author = UserRefSerializer()
    removed = serializers.BooleanField(source="is_removed")


class ReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    contribution = ReportedContributionSerializer()
    reporter = UserRefSerializer()
    kind = serializers.CharField()
    text = serializers.CharField()
    status = serializers.CharField()
    resolution_note = serializers.CharField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class ReportsApi(APIView):
    """Anyone signed in reports a contribution; staff read the queue (oldest first)."""

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(
            choices=[*Report.Status.values, "all"], required=False, default=Report.Status.OPEN
        )

    class InputSerializer(serializers.Serializer):
        contribution = serializers.IntegerField()
        kind = serializers.ChoiceField(choices=Report.Kind.choices)
        text = serializers.CharField(max_length=REPORT_MAX_CHARS)

    def get_permissions(self):
        return [IsStaff()] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(parameters=[FilterSerializer], responses=ReportSerializer(many=True))
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data["status"]
        paginator = StandardPagination()
        page = paginator.paginate_queryset(
            report_queue(status=None if wanted == "all" else wanted), request
        )
        return paginator.get_paginated_response(ReportSerializer(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: ReportSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wanted = data.validated_data["contribution"]
        contribution = Contribution.objects.select_related("author").filter(pk=wanted).first()
        if contribution is None:
            raise serializers.ValidationError(
                {"contribution": [_("There is no contribution #%(id)s.") % {"id": wanted}]}
            )
        report = services.report_create(
            reporter=request.user, contribution=contribution,
            kind=data.validated_data["kind"], text=data.validated_data["text"],
        )  # fmt: skip
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)


def _report_or_404(report_id: int) -> Report:
    report = report_queue(status=None).filter(pk=report_id).first()
    if report is None:
        raise Http404(_("No report with that id."))
    return report


class ReportDismissApi(APIView):
    """Staff close a report without acting on the contribution."""

    permission_classes = [IsStaff]

    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(
            max_length=TAKEDOWN_REASON_MAX_CHARS, required=False, allow_blank=True, default=""
        )

    @extend_schema(request=InputSerializer, responses=ReportSerializer)
    def post(self, request, report_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.report_dismiss(
            report=_report_or_404(report_id), actor=request.user, **data.validated_data
        )
        return Response(ReportSerializer(_report_or_404(report.id)).data)


class TakedownSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    contribution = serializers.IntegerField(source="contribution_id")
    report = serializers.IntegerField(source="report_id", allow_null=True)
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class TakedownInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=TAKEDOWN_REASON_MAX_CHARS)


class ReportTakeDownApi(APIView):
    """Staff take the reported contribution down (file gone, tombstone kept)."""

    permission_classes = [IsStaff]

    @extend_schema(request=TakedownInputSerializer, responses={201: TakedownSerializer})
    def post(self, request, report_id: int):
        data = TakedownInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = _report_or_404(report_id)
        takedown = services.contribution_take_down(
            contribution=report.contribution, actor=request.user, report=report,
            reason=data.validated_data["reason"],
        )  # fmt: skip
        return Response(TakedownSerializer(takedown).data, status=status.HTTP_201_CREATED)


class ContributionTakeDownApi(APIView):
    """Staff take a contribution down without a report (say, on a notice sent by post)."""

    permission_classes = [IsStaff]

    @extend_schema(request=TakedownInputSerializer, responses={201: TakedownSerializer})
    def post(self, request, contribution_id: int):
        data = TakedownInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        takedown = services.contribution_take_down(
            contribution=_contribution_or_404(contribution_id), actor=request.user,
            reason=data.validated_data["reason"],
        )  # fmt: skip
        return Response(TakedownSerializer(takedown).data, status=status.HTTP_201_CREATED)
