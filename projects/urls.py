"""Projects API routes under /api/projects/."""

from django.urls import path

from projects import api

urlpatterns = [
    path("", api.ProjectListCreateApi.as_view(), name="project-list"),
    path("<int:project_id>/", api.ProjectDetailApi.as_view(), name="project-detail"),
    path("<int:project_id>/cover", api.ProjectCoverApi.as_view(), name="project-cover"),
    path("<int:project_id>/open/", api.ProjectOpenApi.as_view(), name="project-open"),
    path("<int:project_id>/archive/", api.ProjectArchiveApi.as_view(), name="project-archive"),
    path("<int:project_id>/members/", api.ProjectMembersApi.as_view(), name="project-members"),
    path(
        "<int:project_id>/members/accept/",
        api.ProjectMemberAcceptApi.as_view(),
        name="project-member-accept",
    ),
    path(
        "<int:project_id>/members/<int:user_id>/",
        api.ProjectMemberDetailApi.as_view(),
        name="project-member",
    ),
    path("<int:project_id>/asks/", api.ProjectAsksApi.as_view(), name="project-asks"),
    path(
        "<int:project_id>/asks/<int:ask_id>/", api.ProjectAskDetailApi.as_view(), name="project-ask"
    ),
    path(
        "<int:project_id>/submissions/",
        api.ProjectSubmissionsApi.as_view(),
        name="project-submissions",
    ),
    path(
        "<int:project_id>/submissions/<int:submission_id>/accept/",
        api.SubmissionAcceptApi.as_view(),
        name="submission-accept",
    ),
    path(
        "<int:project_id>/submissions/<int:submission_id>/decline/",
        api.SubmissionDeclineApi.as_view(),
        name="submission-decline",
    ),
    path(
        "<int:project_id>/submissions/<int:submission_id>/withdraw/",
        api.SubmissionWithdrawApi.as_view(),
        name="submission-withdraw",
    ),
    path(
        "<int:project_id>/resources/", api.ProjectResourcesApi.as_view(), name="project-resources"
    ),
    path("<int:project_id>/release/", api.ProjectReleaseApi.as_view(), name="project-release"),
]
