"""API routes of notifications (mounted under /api/)."""

urlpatterns: list = []
