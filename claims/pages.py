"""Page routes of claims (mounted at the site root). Notifications about a claim link to
`/claims/<id>/`: that path stays."""

from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("claims/", views.claim_list_page, name="list"),
    path("claims/<int:claim_id>/", views.claim_page, name="claim"),
    path("claims/<int:claim_id>/accept/", views.claim_action, {"verb": "accept"}, name="accept"),
    path("claims/<int:claim_id>/decline/", views.claim_action, {"verb": "decline"}, name="decline"),
    path("claims/<int:claim_id>/decide/", views.claim_action, {"verb": "decide"}, name="decide"),
    path(
        "claims/<int:claim_id>/withdraw/", views.claim_action, {"verb": "withdraw"}, name="withdraw"
    ),
    path("contributions/<int:contribution_id>/claims/new/", views.claim_create, name="create"),
]
