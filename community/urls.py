"""API routes of community (mounted under /api/)."""

from django.urls import path

from community import api

urlpatterns = [
    path(
        "contributions/<int:contribution_id>/comments/",
        api.ContributionCommentsApi.as_view(),
        name="contribution-comments",
    ),
    path(
        "contributions/<int:contribution_id>/take-down/",
        api.ContributionTakeDownApi.as_view(),
        name="contribution-take-down",
    ),
    path(
        "projects/<int:project_id>/comments/",
        api.ProjectCommentsApi.as_view(),
        name="project-comments",
    ),
    path("comments/<int:comment_id>/", api.CommentDetailApi.as_view(), name="comment"),
    path("comments/<int:comment_id>/hide/", api.CommentHideApi.as_view(), name="comment-hide"),
    path(
        "comments/<int:comment_id>/unhide/", api.CommentUnhideApi.as_view(), name="comment-unhide"
    ),
    path("follows/", api.FollowsApi.as_view(), name="follows"),
    path("follows/<int:follow_id>/", api.FollowDetailApi.as_view(), name="follow"),
    path("reports/", api.ReportsApi.as_view(), name="reports"),
    path("reports/<int:report_id>/dismiss/", api.ReportDismissApi.as_view(), name="report-dismiss"),
    path(
        "reports/<int:report_id>/take-down/",
        api.ReportTakeDownApi.as_view(),
        name="report-take-down",
    ),
]
