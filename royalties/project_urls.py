"""Royalties API routes about one project, under /api/projects/<id>/: its split, revenue,
streams and costs (projects' own routes are in projects/urls.py; each app mounts its own)."""

from django.urls import path

from royalties.api import (
    ProductionCostApproveApi,
    ProductionCostReceiptApi,
    ProductionCostWithdrawApi,
    ProjectCostsApi,
    ProjectCostSummaryApi,
    ProjectRevenueApi,
    ProjectSplitApi,
    ProjectStreamsApi,
    SplitPreviewApi,
)

urlpatterns = [
    path("<int:project_id>/split/", ProjectSplitApi.as_view(), name="project-split"),
    path(
        "<int:project_id>/split/preview/", SplitPreviewApi.as_view(), name="project-split-preview"
    ),
    path("<int:project_id>/revenue/", ProjectRevenueApi.as_view(), name="project-revenue"),
    path("<int:project_id>/streams/", ProjectStreamsApi.as_view(), name="project-streams"),
    path("<int:project_id>/costs/", ProjectCostsApi.as_view(), name="project-costs"),
    path(
        "<int:project_id>/costs/summary/",
        ProjectCostSummaryApi.as_view(),
        name="project-cost-summary",
    ),
    path(
        "<int:project_id>/costs/<int:cost_id>/approve/",
        ProductionCostApproveApi.as_view(),
        name="project-cost-approve",
    ),
    path(
        "<int:project_id>/costs/<int:cost_id>/withdraw/",
        ProductionCostWithdrawApi.as_view(),
        name="project-cost-withdraw",
    ),
    path(
        "<int:project_id>/costs/<int:cost_id>/receipt",
        ProductionCostReceiptApi.as_view(),
        name="project-cost-receipt",
    ),
]
