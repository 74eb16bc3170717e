"""Routes of the server-rendered pages."""

from django.contrib.auth import views as auth_views
from django.urls import path

from web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("signup/", views.signup, name="signup"),
    path("login/", views.LoginPage.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("artists/<str:username>/", views.artist, name="artist"),
    path("contributions/", views.browse, name="browse"),
    path("contributions/new/", views.upload, name="upload"),
    path("contributions/<int:contribution_id>/", views.contribution, name="contribution"),
    path("projects/", views.projects, name="projects"),
    path("projects/new/", views.project_new, name="project-new"),
    path("projects/<int:project_id>/", views.project, name="project"),
    path("projects/<int:project_id>/submit/", views.project_submit, name="project-submit"),
    path("projects/<int:project_id>/open/", views.project_open, name="project-open"),
    path("projects/<int:project_id>/revenue/", views.project_revenue, name="project-revenue"),
    path("projects/<int:project_id>/desk/", views.desk, name="desk"),
    path("projects/<int:project_id>/desk/asks/", views.desk_ask, name="desk-ask"),
    path(
        "projects/<int:project_id>/desk/submissions/<int:submission_id>/<str:decision>/",
        views.desk_decide,
        name="desk-decide",
    ),
    path("projects/<int:project_id>/desk/release/", views.desk_release, name="desk-release"),
    path("projects/<int:project_id>/desk/costs/", views.desk_cost, name="desk-cost"),
    path(
        "projects/<int:project_id>/desk/costs/<int:cost_id>/withdraw/",
        views.desk_cost_withdraw,
        name="desk-cost-withdraw",
    ),
    path("projects/<int:project_id>/desk/streams/", views.desk_stream, name="desk-stream"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("licenses/hitrec/", views.hitrec_license, name="hitrec-license"),
    path("staff/payouts/", views.staff_payouts, name="staff-payouts"),
    path("staff/payouts/runs/", views.staff_statement_run, name="staff-statement-run"),
    path("staff/payouts/issue/", views.staff_statement_issue, name="staff-statement-issue"),
    path(
        "staff/payouts/runs/<int:run_id>/retry/",
        views.staff_statement_run_retry,
        name="staff-statement-run-retry",
    ),
    path(
        "staff/payouts/batches/",
        views.staff_payout_batch_create,
        name="staff-payout-batch-create",
    ),
    path(
        "staff/payouts/batches/<int:batch_id>/results/",
        views.staff_payout_results,
        name="staff-payout-results",
    ),
]
