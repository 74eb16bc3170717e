"""Page routes of community (mounted at the site root)."""

from django.urls import path

from community import views

app_name = "community"

urlpatterns = [
    path(
        "contributions/<int:contribution_id>/comments/",
        views.contribution_comment,
        name="contribution-comment",
    ),
    path(
        "contributions/<int:contribution_id>/report/",
        views.contribution_report,
        name="contribution-report",
    ),
    path("projects/<int:project_id>/comments/", views.project_comment, name="project-comment"),
    path(
        "comments/<int:comment_id>/hide/",
        views.comment_moderate,
        {"verb": "hide"},
        name="comment-hide",
    ),
    path(
        "comments/<int:comment_id>/unhide/",
        views.comment_moderate,
        {"verb": "unhide"},
        name="comment-unhide",
    ),
    path(
        "comments/<int:comment_id>/delete/",
        views.comment_moderate,
        {"verb": "delete"},
        name="comment-delete",
    ),
    path(
        "artists/<str:username>/follow/",
        views.artist_follow,
        {"verb": "follow"},
        name="artist-follow",
    ),
    path(
        "artists/<str:username>/unfollow/",
        views.artist_follow,
        {"verb": "unfollow"},
        name="artist-unfollow",
    ),
    path(
        "projects/<int:project_id>/follow/",
        views.project_follow,
        {"verb": "follow"},
        name="project-follow",
    ),
    path(
        "projects/<int:project_id>/unfollow/",
        views.project_follow,
        {"verb": "unfollow"},
        name="project-unfollow",
    ),
]
