"""URL map: the JSON API under /api/, its schema and docs, the admin, and the web pages."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from contributions.api import LicensesAllowedApi
from hitrec.api import ApiDocsView, HealthApi

api_patterns = [
    path("health/", HealthApi.as_view(), name="health"),
    path("auth/", include("accounts.urls")),
    path("contributions/", include("contributions.urls")),
    path("projects/", include("projects.urls")),
    path("payouts/", include("royalties.urls")),
    path("licenses/allowed/", LicensesAllowedApi.as_view(), name="licenses-allowed"),
    path("notifications/", include("notifications.urls")),
    path("", include("community.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("docs/", ApiDocsView.as_view(url_name="api:schema"), name="docs"),
]

urlpatterns = [
    path("api/", include((api_patterns, "api"))),
    path("admin/", admin.site.urls),
    path("", include("notifications.pages")),
    path("", include("community.pages")),
    path("", include("accounts.pages")),
    path("", include("web.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
