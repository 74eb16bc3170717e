"""Credit guard API routes (mounted under /api/): a work's matches and claims on it, and claims."""

from django.urls import path

from claims import api

urlpatterns = [
    path(
        "contributions/<int:contribution_id>/matches/",
        api.ContributionMatchesApi.as_view(),
        name="contribution-matches",
    ),
    path(
        "contributions/<int:contribution_id>/claims/",
        api.ContributionClaimsApi.as_view(),
        name="contribution-claims",
    ),
    path("claims/", api.ClaimListApi.as_view(), name="claim-list"),
    path("claims/<int:claim_id>/", api.ClaimDetailApi.as_view(), name="claim-detail"),
    path("claims/<int:claim_id>/accept/", api.ClaimAcceptApi.as_view(), name="claim-accept"),
    path("claims/<int:claim_id>/decline/", api.ClaimDeclineApi.as_view(), name="claim-decline"),
    path("claims/<int:claim_id>/decide/", api.ClaimDecideApi.as_view(), name="claim-decide"),
    path("claims/<int:claim_id>/withdraw/", api.ClaimWithdrawApi.as_view(), name="claim-withdraw"),
]
