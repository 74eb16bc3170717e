"""API routes of community (mounted under /api/)."""

urlpatterns: list = []
