"""Page routes of community (mounted at the site root)."""

urlpatterns: list = []
