"""Contributions API routes under /api/contributions/."""

from django.urls import path

from contributions import api

urlpatterns = [
    path("", api.ContributionListCreateApi.as_view(), name="contribution-list"),
    path("<int:contribution_id>/", api.ContributionDetailApi.as_view(), name="contribution-detail"),
    path("<int:contribution_id>/lineage/", api.ContributionLineageApi.as_view(), name="lineage"),
    path(
        "<int:contribution_id>/lineage.svg",
        api.ContributionLineageSvgApi.as_view(),
        name="lineage-svg",
    ),
    path(
        "<int:contribution_id>/lineage/export",
        api.ContributionLineageExportApi.as_view(),
        name="lineage-export",
    ),
    path("<int:contribution_id>/credits/", api.ContributionCreditsApi.as_view(), name="credits"),
    path("<int:contribution_id>/original", api.ContributionOriginalApi.as_view(), name="original"),
    path(
        "<int:contribution_id>/renditions/<str:name>",
        api.RenditionFileApi.as_view(),
        name="rendition",
    ),
]
