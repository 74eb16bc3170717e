"""Credit guard API: the earlier works a contribution probably uses (never public), and
claims ("this uses my work") with their answers."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import services
from claims.models import MESSAGE_MAX_CHARS, REASON_MAX_CHARS, Claim
from claims.selectors import claim_list, claim_visible, matches_visible_to, work_matches
from contributions.models import Contribution
from hitrec.api import StandardPagination, StrictInputSerializer, UserRefSerializer
from hitrec.throttles import ClaimRateThrottle


class MatchedWorkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    license = serializers.CharField()
    author = UserRefSerializer()


class MatchSerializer(serializers.Serializer):
    """One earlier work this one probably uses: how sure, what matched, and how it stands."""

    work = MatchedWorkSerializer(source="earlier")
    score = serializers.FloatField(source="match.score", help_text="0 to 1: how sure")
    kind = serializers.CharField(
        source="match.kind", help_text="What matched: image, audio or text."
    )
    matched = serializers.JSONField(
        source="match.detail",
        help_text=(
            "image: region (left, top, right, bottom of this work, as fractions), mirrored, "
            "distance; audio: work_seconds and earlier_seconds (from, to); text: quoted_text, "
            "work_chars and earlier_chars (character offsets)."
        ),
    )
    own = serializers.BooleanField(help_text="The earlier work is this work's author's own.")
    declared = serializers.BooleanField(help_text="Already a declared source of this work.")
    in_lineage = serializers.BooleanField(
        help_text="Credited already: a source of this work's sources, at any depth."
    )


class ContributionMatchesApi(APIView):
    """GET: the earlier works this contribution probably uses, found by their fingerprints;
    for its author, the producers of a project that took it in, and staff."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MatchSerializer(many=True))
    def get(self, request, contribution_id: int):
        work = Contribution.objects.filter(pk=contribution_id, removed_at__isnull=True).first()
        if work is None:
            raise Http404(_("No contribution with that id."))
        if not matches_visible_to(work=work, user=request.user):
            raise PermissionDenied(
                _(
                    "Only this work's author, the producers of a project that took it in and "
                    "staff see what it matches."
                )
            )
        return Response(MatchSerializer(work_matches(work=work), many=True).data)


# --- claims --------------------------------------------------------------------------------


class ClaimedWorkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    author = UserRefSerializer()


class ClaimSerializer(serializers.Serializer):
    """A claim: the author of `earlier` says `work` uses it and asks to be credited."""

    id = serializers.IntegerField()
    work = ClaimedWorkSerializer(help_text="The later work, said to use the earlier one.")
    earlier = ClaimedWorkSerializer(help_text="The claimant's work.")
    claimant = UserRefSerializer()
    message = serializers.CharField()
    status = serializers.ChoiceField(choices=Claim.Status.choices)
    decided_by = UserRefSerializer(
        allow_null=True,
        help_text="The work's author, or staff who decided in their place; the claimant if "
        "they withdrew it; null while open and when it lapsed (one of its works was deleted).",
    )
    reason = serializers.CharField(
        help_text="Why it was declined (or staff's note); empty if its writer closed their "
        "account (`reason_removed`)."
    )
    reason_removed = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)

    def get_reason_removed(self, claim: Claim) -> bool:
        return claim.reason_removed_at is not None


def _work_or_404(contribution_id: int) -> Contribution:
    work = Contribution.objects.select_related("author").filter(pk=contribution_id).first()
    if work is None:
        raise Http404(_("No contribution with that id."))
    return work


def _earlier_or_400(contribution_id: int) -> Contribution:
    earlier = Contribution.objects.filter(pk=contribution_id).first()
    if earlier is None:
        raise serializers.ValidationError(
            {"earlier": [_("There is no contribution #%(id)s.") % {"id": contribution_id}]}
        )
    return earlier


def _claim_or_404(request, claim_id: int) -> Claim:
    claim = claim_visible(user=request.user, claim_id=claim_id)
    if claim is None:
        raise Http404(_("No claim with that id."))
    return claim


class ContributionClaimsApi(APIView):
    """POST: the author of an earlier work this one probably uses asks to be credited in it
    (named one of its sources). Its author is told, and accepts or declines."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [ClaimRateThrottle]

    class InputSerializer(StrictInputSerializer):
        earlier = serializers.IntegerField(
            min_value=1, max_value=2**63 - 1, help_text="Your work, which this one uses."
        )
        message = serializers.CharField(
            max_length=MESSAGE_MAX_CHARS, required=False, allow_blank=True, default=""
        )

    @extend_schema(request=InputSerializer, responses={201: ClaimSerializer})
    def post(self, request, contribution_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        claim = services.claim_create(
            actor=request.user,
            work=_work_or_404(contribution_id),
            earlier=_earlier_or_400(data.validated_data["earlier"]),
            message=data.validated_data["message"],
        )
        return Response(ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)


class ClaimListApi(APIView):
    """The claims you made and those on your works, newest first; staff see every claim
    (`?status=open`: the ones waiting for an answer; `?mine=true`: only their own)."""

    permission_classes = [IsAuthenticated]

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=Claim.Status.choices, required=False)
        mine = serializers.BooleanField(required=False, default=False)

    @extend_schema(parameters=[FilterSerializer], responses=ClaimSerializer(many=True))
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(
            claim_list(user=request.user, **filters.validated_data), request
        )
        return paginator.get_paginated_response(ClaimSerializer(page, many=True).data)


class ClaimDetailApi(APIView):
    """One claim, for its claimant, the author of the work it is on, and staff."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ClaimSerializer)
    def get(self, request, claim_id: int):
        return Response(ClaimSerializer(_claim_or_404(request, claim_id)).data)


class ClaimAcceptApi(APIView):
    """The work's author accepts: the earlier work becomes one of its sources (the licence
    rules apply: a refusal is a 400 that says which, and the claim stays open). A release
    already made keeps its split; the next one includes the source."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=ClaimSerializer)
    def post(self, request, claim_id: int):
        claim = services.claim_accept(claim=_claim_or_404(request, claim_id), actor=request.user)
        return Response(ClaimSerializer(claim).data)


class ReasonInputSerializer(StrictInputSerializer):
    reason = serializers.CharField(max_length=REASON_MAX_CHARS, required=False, allow_blank=True)


class ClaimDeclineApi(APIView):
    """The work's author declines, saying why (`reason` is required)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReasonInputSerializer, responses=ClaimSerializer)
    def post(self, request, claim_id: int):
        data = ReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        claim = services.claim_decline(
            claim=_claim_or_404(request, claim_id),
            actor=request.user,
            reason=data.validated_data.get("reason", ""),
        )
        return Response(ClaimSerializer(claim).data)


class ClaimDecideApi(APIView):
    """Staff decide in the remixer's place: `accept` (the same effect as the remixer's
    acceptance) or decline with a `reason`."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(ReasonInputSerializer):
        accept = serializers.BooleanField()

    @extend_schema(request=InputSerializer, responses=ClaimSerializer)
    def post(self, request, claim_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        claim = services.claim_decide(
            claim=_claim_or_404(request, claim_id),
            actor=request.user,
            accept=data.validated_data["accept"],
            reason=data.validated_data.get("reason", ""),
        )
        return Response(ClaimSerializer(claim).data)


class ClaimWithdrawApi(APIView):
    """The claimant withdraws a claim nobody has answered yet; the work's author is told."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=ClaimSerializer)
    def post(self, request, claim_id: int):
        claim = services.claim_withdraw(claim=_claim_or_404(request, claim_id), actor=request.user)
        return Response(ClaimSerializer(claim).data)
