"""Credit guard API routes under /api/contributions/."""

from django.urls import path

from claims import api

urlpatterns = [
    path(
        "<int:contribution_id>/matches/",
        api.ContributionMatchesApi.as_view(),
        name="contribution-matches",
    ),
]
