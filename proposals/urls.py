"""API routes of proposals (mounted under /api/)."""

from django.urls import path

from proposals import api

urlpatterns = [
    path(
        "projects/<int:project_id>/proposals/",
        api.ProjectProposalsApi.as_view(),
        name="project-proposals",
    ),
    path("proposals/<int:proposal_id>/", api.ProposalDetailApi.as_view(), name="proposal"),
    path(
        "proposals/<int:proposal_id>/revisions/",
        api.ProposalRevisionsApi.as_view(),
        name="proposal-revisions",
    ),
    path(
        "proposals/<int:proposal_id>/revisions/<int:number>/",
        api.ProposalRevisionDetailApi.as_view(),
        name="proposal-revision",
    ),
    path("proposals/<int:proposal_id>/diff/", api.ProposalDiffApi.as_view(), name="proposal-diff"),
    path(
        "proposals/<int:proposal_id>/comments/",
        api.ProposalCommentsApi.as_view(),
        name="proposal-comments",
    ),
    path(
        "proposals/<int:proposal_id>/accept/",
        api.ProposalAcceptApi.as_view(),
        name="proposal-accept",
    ),
    path(
        "proposals/<int:proposal_id>/release/",
        api.ProposalReleaseApi.as_view(),
        name="proposal-release",
    ),
    path(
        "proposals/<int:proposal_id>/withdraw/",
        api.ProposalWithdrawApi.as_view(),
        name="proposal-withdraw",
    ),
]
