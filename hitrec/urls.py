"""URL map: the JSON API under /api/, its schema and docs, the admin, and the web pages.

Each app mounts its own routes; this map only says where (the composition root: it names
the apps' URL modules as strings and imports none of their code).
"""

from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite
from drf_spectacular.views import SpectacularAPIView

from hitrec.api import ApiDocsView, HealthApi

# The admin asks for the second factor too (its sign-in form has a code field): staff
# powers need it everywhere (accounts/two_factor.py).
admin.site.__class__ = OTPAdminSite

api_patterns = [
    path("health/", HealthApi.as_view(), name="health"),
    path("auth/", include("accounts.urls")),
    path("contributions/", include("contributions.urls")),
    path("", include("claims.urls")),
    path("projects/", include("projects.urls")),
    path("projects/", include("royalties.project_urls")),
    path("payouts/", include("royalties.urls")),
    path("licenses/", include("contributions.license_urls")),
    path("search/", include("projects.search_urls")),
    path("notifications/", include("notifications.urls")),
    path("", include("community.urls")),
    path("", include("proposals.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("docs/", ApiDocsView.as_view(url_name="api:schema"), name="docs"),
]

urlpatterns = [
    path("api/", include((api_patterns, "api"))),
    path("admin/", admin.site.urls),
    path("", include("notifications.pages")),
    path("", include("community.pages")),
    path("", include("proposals.pages")),
    path("", include("claims.pages")),
    path("", include("accounts.pages")),
    path("", include("web.pages")),
]

# No route serves MEDIA_ROOT directly, not even in DEBUG: stored files go out only through
# views that check who may read them and force a safe type (hitrec.files.stored_file_response).
handler404 = "hitrec.api.not_found"
