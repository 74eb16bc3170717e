"""Page routes of proposals (mounted at the site root)."""

from django.urls import path

from proposals import views

app_name = "proposals"

urlpatterns = [
    path("projects/<int:project_id>/proposals/", views.project_proposals, name="project"),
    path("projects/<int:project_id>/proposals/publish/", views.proposal_publish, name="publish"),
    path("proposals/<int:proposal_id>/", views.proposal, name="proposal"),
    path("proposals/<int:proposal_id>/revise/", views.proposal_revise, name="revise"),
    path("proposals/<int:proposal_id>/comments/", views.proposal_comment, name="comment"),
    path(
        "proposals/<int:proposal_id>/<str:verb>/",
        views.proposal_action,
        name="action",
    ),
]
