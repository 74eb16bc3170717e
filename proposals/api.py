"""Proposals API: publish, read, revise, diff, comment on, accept and release a payment proposal."""

from fractions import Fraction

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.api import MatchSerializer
from hitrec.api import StandardPagination, UserRefSerializer
from hitrec.throttles import CommentRateThrottle
from projects.api import ReleaseCreditInputSerializer
from projects.selectors import project_visible_or_404
from projects.services import CreditInput
from proposals import services
from proposals.models import COMMENT_MAX_CHARS, NOTE_MAX_CHARS, Proposal, ProposalComment
from proposals.selectors import (
    comment_list,
    proposal_list,
    proposal_matches,
    proposal_visible_or_404,
    revision_diff,
    revision_get,
)
from royalties.api import SplitOutputSerializer
from royalties.splits import format_fraction, format_percent

# --- output --------------------------------------------------------------------------------


class ProposalPathSerializer(serializers.Serializer):
    contributions = serializers.ListField(
        child=serializers.IntegerField(), help_text="From the credited contribution up."
    )
    description = serializers.CharField()
    amount = serializers.CharField(help_text='What the path brings, "n/d" of all revenue.')
    kept = serializers.CharField()


class ContributionPathsSerializer(serializers.Serializer):
    contribution = serializers.IntegerField()
    path_count = serializers.IntegerField(help_text="Every path that carries value, listed or not.")
    paths = ProposalPathSerializer(many=True)


class ProposalSplitSerializer(SplitOutputSerializer):
    """The split exactly as `GET /api/projects/{id}/split/` shows it, plus the paths."""

    paths = ContributionPathsSerializer(many=True)


class ProposalCreditSerializer(serializers.Serializer):
    contribution = serializers.IntegerField(source="contribution_id")
    weight = serializers.SerializerMethodField()

    def get_weight(self, credit) -> str:
        return format_fraction(credit.weight)


class ProposalPersonSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    username = serializers.CharField(source="user.username")
    share = serializers.CharField(help_text='Exact, "n/d" in lowest terms.')
    percent = serializers.SerializerMethodField()
    accepted = serializers.SerializerMethodField()

    def get_percent(self, person) -> str:
        return format_percent(Fraction(person.share))

    def get_accepted(self, person) -> bool:
        return hasattr(person, "acceptance")


class ProposalRevisionSummarySerializer(serializers.Serializer):
    number = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    created_by = UserRefSerializer()
    note = serializers.CharField()
    commercial = serializers.BooleanField()
    contributor_pool = serializers.SerializerMethodField()
    upstream_share = serializers.SerializerMethodField()
    credits = ProposalCreditSerializer(many=True)

    def get_contributor_pool(self, revision) -> str:
        return format_fraction(revision.contributor_pool)

    def get_upstream_share(self, revision) -> str:
        return format_fraction(revision.upstream_share)


class ProposalRevisionSerializer(ProposalRevisionSummarySerializer):
    currency = serializers.CharField()
    split = ProposalSplitSerializer()
    people = ProposalPersonSerializer(many=True, help_text="Everyone whose work is in it.")


class ProposalListItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.IntegerField(source="project_id")
    status = serializers.CharField()
    window_ends_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    created_by = UserRefSerializer()
    release = serializers.IntegerField(source="release_id", allow_null=True)
    revisions = serializers.IntegerField(source="revision_count")


class CreditedWorkMatchesSerializer(serializers.Serializer):
    contribution = serializers.IntegerField(source="work.id", help_text="A credited work.")
    title = serializers.CharField(source="work.title")
    matches = MatchSerializer(
        many=True,
        help_text=(
            "The earlier works it probably uses without crediting them (neither a declared "
            "source nor credited through its sources), surest first; as "
            "`GET /api/contributions/{id}/matches/` lists them."
        ),
    )


class ProposalOutputSerializer(ProposalListItemSerializer):
    revisions = None  # the detail lists the revisions themselves
    closed_at = serializers.DateTimeField(allow_null=True)
    close_problem = serializers.CharField()
    revision = ProposalRevisionSerializer(source="current", help_text="The current revision.")
    everyone_accepted = serializers.SerializerMethodField()
    page = serializers.SerializerMethodField()
    undeclared_matches = CreditedWorkMatchesSerializer(
        many=True,
        source="undeclared",
        help_text=(
            "The current revision's credited works that probably use an earlier work they do "
            "not credit (found by the credit guard: as of now while open, as they stood at the "
            "release once released), in id order; works with none are left out. Public, like "
            "the proposal: everyone may say so before the release."
        ),
    )

    def get_everyone_accepted(self, proposal) -> bool:
        return all(hasattr(person, "acceptance") for person in proposal.current.people.all())

    def get_page(self, proposal) -> str:
        return services.proposal_url(proposal)


def _proposal_body(proposal: Proposal) -> dict:
    proposal.current = revision_get(proposal=proposal)
    proposal.undeclared = proposal_matches(proposal=proposal, revision=proposal.current)
    return ProposalOutputSerializer(proposal).data


class ProposalCommentReplySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = UserRefSerializer()
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    from_producer = serializers.BooleanField()
    body = serializers.CharField()
    html = serializers.CharField()
    removed = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_removed(self, comment) -> bool:
        return comment.removed_at is not None


class ProposalCommentSerializer(ProposalCommentReplySerializer):
    revision = serializers.IntegerField(
        source="revision.number", help_text="The revision that was current when it was written."
    )
    replies = ProposalCommentReplySerializer(many=True)


# --- input ---------------------------------------------------------------------------------


class ProposalRevisionInputSerializer(serializers.Serializer):
    credits = ReleaseCreditInputSerializer(many=True, allow_empty=True, max_length=10_000)
    commercial = serializers.BooleanField()
    note = serializers.CharField(
        max_length=NOTE_MAX_CHARS, required=False, allow_blank=True, default=""
    )


def _revision_arguments(request) -> dict:
    data = ProposalRevisionInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    return {
        "credits": [CreditInput(**credit) for credit in data.validated_data["credits"]],
        "commercial": data.validated_data["commercial"],
        "note": data.validated_data["note"],
    }


# --- views ---------------------------------------------------------------------------------


class ProjectProposalsApi(APIView):
    """A project's payment proposals; its producers publish a new one."""

    @extend_schema(responses=ProposalListItemSerializer(many=True))
    def get(self, request, project_id: int):
        project = project_visible_or_404(user=request.user, project_id=project_id)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(
            proposal_list(project=project, user=request.user), request
        )
        return paginator.get_paginated_response(ProposalListItemSerializer(page, many=True).data)

    @extend_schema(
        request=ProposalRevisionInputSerializer, responses={201: ProposalOutputSerializer}
    )
    def post(self, request, project_id: int):
        project = project_visible_or_404(user=request.user, project_id=project_id)
        proposal = services.proposal_publish(
            project=project, actor=request.user, **_revision_arguments(request)
        )
        return Response(_proposal_body(proposal), status=status.HTTP_201_CREATED)


class ProposalDetailApi(APIView):
    """A proposal with its current revision: credits, policy, split, paths and people."""

    permission_classes = [AllowAny]

    @extend_schema(responses=ProposalOutputSerializer)
    def get(self, request, proposal_id: int):
        proposal = proposal_visible_or_404(user=request.user, proposal_id=proposal_id)
        return Response(_proposal_body(proposal))


class ProposalRevisionsApi(APIView):
    """Every revision, oldest first; producers add one (everyone is asked to accept again)."""

    @extend_schema(responses=ProposalRevisionSummarySerializer(many=True))
    def get(self, request, proposal_id: int):
        proposal = proposal_visible_or_404(user=request.user, proposal_id=proposal_id)
        revisions = proposal.revisions.select_related("created_by").prefetch_related("credits")
        return Response(
            ProposalRevisionSummarySerializer(revisions.order_by("number"), many=True).data
        )

    @extend_schema(
        request=ProposalRevisionInputSerializer, responses={201: ProposalOutputSerializer}
    )
    def post(self, request, proposal_id: int):
        proposal = proposal_visible_or_404(user=request.user, proposal_id=proposal_id)
        services.proposal_revise(
            proposal=proposal, actor=request.user, **_revision_arguments(request)
        )
        proposal.refresh_from_db()  # a revision may have opened a new window
        return Response(_proposal_body(proposal), status=status.HTTP_201_CREATED)


class ProposalRevisionDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=ProposalRevisionSerializer)
    def get(self, request, proposal_id: int, number: int):
        proposal = proposal_visible_or_404(user=request.user, proposal_id=proposal_id)
        return Response(
            ProposalRevisionSerializer(revision_get(proposal=proposal, number=number)).data
        )


class ProposalDiffPersonSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    username = serializers.CharField()
    before = serializers.CharField(help_text='Exact share, "n/d" (0/1 when not in it).')
    after = serializers.CharField()
    change = serializers.CharField(help_text='Exact, signed: "-1/8" is a loss.')
    before_percent = serializers.CharField()
    after_percent = serializers.CharField()
    change_percent = serializers.CharField()
    status = serializers.ChoiceField(choices=["gains", "loses", "same"])


class ProposalDiffCreditSerializer(serializers.Serializer):
    contribution = serializers.IntegerField()
    before = serializers.CharField(allow_null=True, help_text="null: not credited then.")
    after = serializers.CharField(allow_null=True)


class ProposalDiffPolicySerializer(serializers.Serializer):
    contributor_pool = serializers.ListField(child=serializers.CharField())
    upstream_share = serializers.ListField(child=serializers.CharField())
    commercial = serializers.ListField(child=serializers.BooleanField())


class ProposalDiffSerializer(serializers.Serializer):
    # "from" is a keyword: the field is declared below.
    to = serializers.IntegerField()
    people = ProposalDiffPersonSerializer(many=True)
    added = serializers.ListField(child=serializers.IntegerField())
    removed = serializers.ListField(child=serializers.IntegerField())
    credits = ProposalDiffCreditSerializer(many=True, help_text="Only the credits that changed.")
    policy = ProposalDiffPolicySerializer(help_text="[before, after] of each.")


ProposalDiffSerializer._declared_fields["from"] = serializers.IntegerField()


class ProposalDiffApi(APIView):
    """Who gains or loses what between two revisions (by default the last two), exactly."""

    permission_classes = [AllowAny]

    class FilterSerializer(serializers.Serializer):
        # "from" is a keyword: the field is added below.
        to = serializers.IntegerField(min_value=1, required=False)

    FilterSerializer._declared_fields["from"] = serializers.IntegerField(
        min_value=1, required=False
    )

    @extend_schema(
        parameters=[
            OpenApiParameter("from", int, description="Revision number (default: to − 1)."),
            OpenApiParameter("to", int, description="Revision number (default: the current)."),
        ],
        responses=ProposalDiffSerializer,
    )
    def get(self, request, proposal_id: int):
        proposal = proposal_visible_or_404(user=request.user, proposal_id=proposal_id)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        after = revision_get(proposal=proposal, number=filters.validated_data.get("to"))
        before_number = filters.validated_data.get("from", after.number - 1)
        if before_number < 1:
            raise serializers.ValidationError(
                {"from": [_("There is only one revision; name two to compare.")]}
            )
        before = revision_get(proposal=proposal, number=before_number)
        return Response(ProposalDiffSerializer(revision_diff(before=before, after=after)).data)


class ProposalCommentsApi(APIView):
    """The conversation: anyone signed in comments while the window is open."""

    throttle_classes = [CommentRateThrottle]  # counts new comments only, not reads

    class InputSerializer(serializers.Serializer):
        body = serializers.CharField(max_length=COMMENT_MAX_CHARS)
        parent = serializers.IntegerField(min_value=1, required=False, allow_null=True)

    @extend_schema(responses=ProposalCommentSerializer(many=True))
    def get(self, request, proposal_id: int):
        proposal = proposal_visible_or_404(user=request.user, proposal_id=proposal_id)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(comment_list(proposal=proposal), request)
        return paginator.get_paginated_response(ProposalCommentSerializer(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: ProposalCommentSerializer})
    def post(self, request, proposal_id: int):
        proposal = proposal_visible_or_404(user=request.user, proposal_id=proposal_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        parent = None
        if data.validated_data.get("parent"):
            parent = ProposalComment.objects.filter(
                pk=data.validated_data["parent"], proposal=proposal
            ).first()
            if parent is None:
                raise serializers.ValidationError(
                    {"parent": [_("There is no such comment on this proposal.")]}
                )
        comment = services.proposal_comment(
            proposal=proposal, author=request.user, body=data.validated_data["body"], parent=parent
        )
        comment = comment_list(proposal=proposal).filter(pk=comment.parent_id or comment.pk).get()
        return Response(ProposalCommentSerializer(comment).data, status=status.HTTP_201_CREATED)


def _action_api(verb: str, doc: str):
    class ProposalActionApi(APIView):
        permission_classes = [IsAuthenticated]

        @extend_schema(
            request=None,
            responses={201 if verb == "release" else 200: ProposalOutputSerializer},
            summary=doc,
        )
        def post(self, request, proposal_id: int):
            proposal = proposal_visible_or_404(user=request.user, proposal_id=proposal_id)
            if verb == "accept":
                services.proposal_accept(proposal=proposal, actor=request.user)
            elif verb == "release":
                services.proposal_release(proposal=proposal, actor=request.user)
            elif verb == "withdraw":
                services.proposal_withdraw(proposal=proposal, actor=request.user)
            else:  # pragma: no cover - the routes name only the verbs above
                raise Http404
            proposal.refresh_from_db()
            return Response(_proposal_body(proposal), status=201 if verb == "release" else 200)

    ProposalActionApi.__name__ = ProposalActionApi.__qualname__ = f"Proposal{verb.title()}Api"
    ProposalActionApi.__doc__ = doc
    return ProposalActionApi


ProposalAcceptApi = _action_api(
    "accept", "Someone whose work is in the current revision accepts it."
)
ProposalReleaseApi = _action_api(
    "release",
    "A producer makes it the release: after the window, or before once everyone accepted.",
)
ProposalWithdrawApi = _action_api("withdraw", "A producer withdraws the proposal.")
