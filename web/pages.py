"""Page routes of web (mounted at the site root): the pages over contributions, projects, money."""

from django.contrib.auth import views as auth_views
from django.urls import path

from web.views import contributions, desk, earnings, home, projects, search, staff

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),
    path("signup/", home.signup, name="signup"),
    path("login/", home.LoginPage.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("artists/<str:username>/", home.artist, name="artist"),
    path("contributions/", contributions.browse, name="browse"),
    path("search/", search.search, name="search"),
    path("tags/<str:tag>/", contributions.tag, name="tag"),
    path("contributions/new/", contributions.upload, name="upload"),
    path("contributions/<int:contribution_id>/", contributions.contribution, name="contribution"),
    path(
        "contributions/<int:contribution_id>/sources/add/",
        contributions.contribution_source_add,
        name="contribution-source-add",
    ),
    path("projects/", projects.projects, name="projects"),
    path("projects/new/", projects.project_new, name="project-new"),
    path("projects/<int:project_id>/", projects.project, name="project"),
    path("projects/<int:project_id>/submit/", projects.project_submit, name="project-submit"),
    path("projects/<int:project_id>/open/", projects.project_open, name="project-open"),
    path("projects/<int:project_id>/revenue/", projects.project_revenue, name="project-revenue"),
    path("projects/<int:project_id>/desk/", desk.desk, name="desk"),
    path("projects/<int:project_id>/desk/asks/", desk.desk_ask, name="desk-ask"),
    path(
        "projects/<int:project_id>/desk/submissions/<int:submission_id>/<str:decision>/",
        desk.desk_decide,
        name="desk-decide",
    ),
    path("projects/<int:project_id>/desk/release/", desk.desk_release, name="desk-release"),
    path("projects/<int:project_id>/desk/costs/", desk.desk_cost, name="desk-cost"),
    path(
        "projects/<int:project_id>/desk/costs/<int:cost_id>/approve/",
        desk.desk_cost_approve,
        name="desk-cost-approve",
    ),
    path(
        "projects/<int:project_id>/desk/costs/<int:cost_id>/withdraw/",
        desk.desk_cost_withdraw,
        name="desk-cost-withdraw",
    ),
    path("projects/<int:project_id>/desk/streams/", desk.desk_stream, name="desk-stream"),
    path("dashboard/", earnings.dashboard, name="dashboard"),
    path("licenses/hitrec/", home.hitrec_license, name="hitrec-license"),
    path("staff/payouts/", staff.staff_payouts, name="staff-payouts"),
    path("staff/audit/", staff.staff_audit, name="staff-audit"),
    path("staff/payouts/runs/", staff.staff_statement_run, name="staff-statement-run"),
    path("staff/payouts/issue/", staff.staff_statement_issue, name="staff-statement-issue"),
    path(
        "staff/payouts/runs/<int:run_id>/retry/",
        staff.staff_statement_run_retry,
        name="staff-statement-run-retry",
    ),
    path(
        "staff/payouts/batches/",
        staff.staff_payout_batch_create,
        name="staff-payout-batch-create",
    ),
    path(
        "staff/payouts/batches/<int:batch_id>/results/",
        staff.staff_payout_results,
        name="staff-payout-results",
    ),
]
