"""Page routes of accounts beyond log in and sign up (mounted at the site root)."""

urlpatterns: list = []
