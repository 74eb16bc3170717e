"""Licence API routes under /api/licenses/."""

from django.urls import path

from contributions.api import LicensesAllowedApi

urlpatterns = [
    path("allowed/", LicensesAllowedApi.as_view(), name="licenses-allowed"),
]
