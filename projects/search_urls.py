"""The search API route, mounted at /api/search/ (it reads works, projects and artists)."""

from django.urls import path

from projects.api.search import SearchApi

urlpatterns = [path("", SearchApi.as_view(), name="search")]
