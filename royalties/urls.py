"""Payouts API routes under /api/payouts/."""

from django.urls import path

from royalties import api

urlpatterns = [
    path("me/", api.PayoutsMeApi.as_view(), name="payouts-me"),
    path("statements/", api.StatementListApi.as_view(), name="statement-list"),
    path("statements/build/", api.StatementBuildApi.as_view(), name="statement-build"),
    path("statements/issue/", api.StatementIssueMonthApi.as_view(), name="statement-issue-month"),
    path("statements/<int:statement_id>/", api.StatementDetailApi.as_view(), name="statement"),
    path(
        "statements/<int:statement_id>/issue/",
        api.StatementIssueApi.as_view(),
        name="statement-issue",
    ),
    path("statements/<int:statement_id>/pay/", api.StatementPayApi.as_view(), name="statement-pay"),
    path("runs/", api.StatementRunListApi.as_view(), name="statement-runs"),
    path("runs/<int:run_id>/", api.StatementRunApi.as_view(), name="statement-run"),
    path(
        "runs/<int:run_id>/retry/", api.StatementRunRetryApi.as_view(), name="statement-run-retry"
    ),
    path("batches/", api.PayoutBatchListApi.as_view(), name="payout-batches"),
    path("batches/<int:batch_id>/file.csv", api.PayoutBatchFileApi.as_view(), name="payout-file"),
    path("batches/<int:batch_id>/results/", api.PayoutResultsApi.as_view(), name="payout-results"),
]
