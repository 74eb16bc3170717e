"""Page routes of notifications (mounted at the site root)."""

urlpatterns: list = []
