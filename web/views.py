"""Page views: thin, they read through selectors, write through services, render templates."""

import uuid
from fractions import Fraction
from functools import wraps

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST
from rest_framework.exceptions import Throttled

from accounts.models import User
from accounts.services import user_register
from community.selectors import community_section, home_feed
from contributions.licenses import LICENSES, Work, allowed_remix_licenses
from contributions.lineage import lineage_get
from contributions.models import Contribution
from contributions.selectors import contribution_get, contribution_list, upstream_credits
from contributions.services import contribution_create
from contributions.uploads import UploadTooLarge
from hitrec.pages import form_errors_apply, form_report, problems_of, refusals_reported
from hitrec.throttles import (
    LOGIN_BLOCKED_MESSAGE,
    AuthRateThrottle,
    client_address,
    login_failure_record,
    login_failures_clear,
    login_wait,
    too_many,
)
from projects.models import Project, Release, Submission
from projects.policy import format_share, weights_from_form
from projects.selectors import (
    is_producer,
    project_list,
    project_visible_or_404,
    submission_list,
)
from projects.services import (
    CreditInput,
    ask_create,
    project_create,
    project_release,
    project_status_change,
    submission_create,
    submission_decide,
)
from royalties.models import PayoutBatch, ProductionCost, RevenueEvent, StatementRun
from royalties.money import format_minor
from royalties.periods import format_period
from royalties.selectors import (
    cost_bearers,
    credited_works,
    earning_lines,
    payable_balances,
    payout_batches,
    project_costs,
    project_streams,
    release_split,
    split_body,
    statement_runs,
    statements_awaiting_payout,
    statements_visible_to,
)
from royalties.services import (
    payout_batch_create,
    payout_results_import,
    production_cost_record,
    production_cost_withdraw,
    revenue_record,
    revenue_stream_create,
    statement_issue_run_start,
    statement_run_retry,
    statement_run_start,
)
from royalties.uploads import ResultFileUploadHandler
from web import forms
from web.charts import bar_chart

# --- home, accounts ------------------------------------------------------------------------


def home(request):
    newest = contribution_list()[:12]
    projects = project_list(user=request.user, status="open")[:6]
    return render(
        request,
        "web/home.html",
        {"newest": newest, "projects": projects, "following": home_feed(user=request.user)},
    )


def signup(request):
    form = forms.SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_register(**form.cleaned_data)
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to hitrec, {user.username}.")
            return redirect("web:artist", username=user.username)
    return render(request, "web/signup.html", {"form": form})


class LoginPage(auth_views.LoginView):
    """The sign-in page, slowed down like the token API: per address, and per account and
    address after repeated failures (hitrec/throttles.py), answered with a 429 page."""

    template_name = "web/login.html"

    def post(self, request, *args, **kwargs):
        try:
            AuthRateThrottle().allow_request(request, self)
            wait = login_wait(
                username=request.POST.get("username", ""), address=client_address(request)
            )
            if wait is not None:
                raise too_many(LOGIN_BLOCKED_MESSAGE, wait)
        except Throttled as exc:
            return self._refused(exc)
        return super().post(request, *args, **kwargs)

    def _refused(self, exc: Throttled):
        messages.error(self.request, str(exc.detail))
        form = self.get_form_class()(
            self.request, initial={"username": self.request.POST.get("username", "")}
        )
        response = self.render_to_response(self.get_context_data(form=form), status=429)
        response["Retry-After"] = str(exc.wait)
        return response

    def form_invalid(self, form):
        login_failure_record(
            username=self.request.POST.get("username", ""), address=client_address(self.request)
        )
        return super().form_invalid(form)

    def form_valid(self, form):
        login_failures_clear(
            username=self.request.POST.get("username", ""), address=client_address(self.request)
        )
        return super().form_valid(form)


def artist(request, username: str):
    person = get_object_or_404(User, username__iexact=username)
    works = Paginator(contribution_list(author=str(person.id)), 24).get_page(
        request.GET.get("page")
    )
    return render(request, "web/artist.html", {"person": person, "works": works})


def hitrec_license(request):
    return render(request, "web/license.html")


# --- contributions -------------------------------------------------------------------------


def browse(request):
    form = forms.ContributionFilterForm(request.GET or None)
    filters = {k: v for k, v in form.cleaned_data.items() if v} if form.is_valid() else {}
    page = Paginator(contribution_list(**filters), 24).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "web/browse.html", {"form": form, "page": page, "query": query.urlencode()}
    )


def contribution(request, contribution_id: int):
    work = contribution_get(contribution_id=contribution_id)
    if work is None:
        raise Http404("No contribution with that id.")
    lineage = lineage_get(contribution_id=work.id, direction="down", depth=1)
    renditions = {r.name: r for r in work.renditions.all()}
    context = {
        "work": work,
        "license": LICENSES[work.license],
        "credits": upstream_credits(contribution_id=work.id),
        "remixes": [node for node in lineage.nodes if node.direction == "down"],
        "renditions": renditions,
        "webp": [
            r for r in work.renditions.all() if r.role == "thumbnail" and r.mime == "image/webp"
        ],
        "jpeg": max(
            (r for r in work.renditions.all() if r.role == "thumbnail" and r.mime == "image/jpeg"),
            key=lambda r: r.width or 0,
            default=None,
        ),
        "poster": next((r for r in work.renditions.all() if r.role == "poster"), None),
        "preview": next((r for r in work.renditions.all() if r.role == "preview"), None),
        "waveform": next((r for r in work.renditions.all() if r.role == "waveform"), None),
        "remixable": LICENSES[work.license].remixable and not work.is_removed,
        "is_author": request.user.is_authenticated and request.user.id == work.author_id,
        "community": community_section(viewer=request.user, contribution=work),
    }
    return render(request, "web/contribution.html", context)


def _source_works(ids: list[int]) -> list[Contribution]:
    found = {c.id: c for c in Contribution.objects.filter(id__in=ids).select_related("author")}
    return [found[i] for i in ids if i in found]


@login_required
def upload(request):
    initial = {}
    if "remix" in request.GET:
        initial["sources"] = request.GET["remix"]
    if "project" in request.GET and request.GET["project"].isdigit():
        initial["project"] = request.GET["project"]
    form = forms.UploadForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            work = contribution_create(
                author=request.user,
                title=data["title"],
                description=data["description"],
                license=data["license"],
                file=data["file"] or None,
                text=data["text"] or None,
                sources=data["sources"],
                project=data["project"],
            )
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            return redirect("web:contribution", contribution_id=work.id)
    source_ids = (
        form.cleaned_data.get("sources", [])
        if form.is_bound and hasattr(form, "cleaned_data")
        else []
    )
    remixed = initial.get("sources", "")
    if not source_ids and remixed.isascii() and remixed.isdigit() and int(remixed) < 2**63:
        source_ids = [int(initial["sources"])]
    sources = _source_works(source_ids)
    allowed = allowed_remix_licenses(Work(s.id, s.title, s.license) for s in sources)
    return render(
        request,
        "web/upload.html",
        {
            "form": form,
            "sources": sources,
            "allowed": [LICENSES[slug] for slug in allowed],
            "licenses": LICENSES,
        },
    )


# --- projects ------------------------------------------------------------------------------


def projects(request):
    page = Paginator(project_list(user=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "web/projects.html", {"page": page})


@login_required
def project_new(request):
    form = forms.ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = project_create(owner=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            return redirect("web:project", project_id=project.id)
    return render(request, "web/project_new.html", {"form": form})


def _split_context(release: Release) -> dict:
    split = split_body(split=release_split(release=release), release_id=release.id)
    chart = bar_chart(
        [(party["username"], Fraction(party["share"])) for party in split["parties"]],
        label=lambda value: f"{float(value) * 100:.2f}%",
    )
    return {"split": split, "split_chart": chart}


def project(request, project_id: int):
    project = project_visible_or_404(user=request.user, project_id=project_id)
    producer = is_producer(project=project, user=request.user)
    release = (
        Release.objects.filter(project=project).prefetch_related("credits__contribution").first()
    )
    context = {
        "project": project,
        "producer": producer,
        "asks": project.asks.order_by("id"),
        "accepted": submission_list(project=project, user=request.user).filter(status="accepted"),
        "mine": (
            Contribution.objects.filter(author=request.user, removed_at__isnull=True).order_by(
                "-id"
            )[:50]
            if request.user.is_authenticated
            else []
        ),
        "release": release,
        "pool": format_share(project.contributor_pool),
        "upstream": format_share(project.upstream_share),
        "community": community_section(viewer=request.user, project=project),
    }
    if release is not None:
        context.update(_split_context(release))
        if producer:
            events = (
                RevenueEvent.objects.filter(project=project)
                .select_related("stream")
                .order_by("-id")[:50]
            )
            context["events"] = [
                (e, format_minor(e.amount_minor, currency=e.currency)) for e in events
            ]
            context["streams"] = [stream.name for stream in project_streams(project=project)]
            context["revenue_form"] = forms.RevenueForm(
                initial={"idempotency_key": uuid.uuid4().hex}, streams=context["streams"]
            )
    return render(request, "web/project.html", context)


@login_required
@require_POST
def project_submit(request, project_id: int):
    project = project_visible_or_404(user=request.user, project_id=project_id)
    form = forms.SubmitForm(request.POST)
    if form.is_valid():
        work = Contribution.objects.filter(pk=form.cleaned_data["contribution"]).first()
        ask = (
            project.asks.filter(pk=form.cleaned_data["ask"]).first()
            if form.cleaned_data["ask"]
            else None
        )
        with refusals_reported(request):
            if work is None:
                raise ValidationError("There is no such contribution.")
            submission_create(
                project=project, actor=request.user, contribution=work, ask=ask,
                message=form.cleaned_data["message"],
            )  # fmt: skip
            messages.success(request, f"“{work.title}” was submitted; the producers will decide.")
    else:
        form_report(request, form)
    return redirect("web:project", project_id=project.id)


@login_required
@require_POST
def project_open(request, project_id: int):
    project = project_visible_or_404(user=request.user, project_id=project_id)
    with refusals_reported(request):
        project_status_change(project=project, actor=request.user, to="open")
    return redirect("web:project", project_id=project.id)


@login_required
def desk(request, project_id: int):
    """The producer's desk: asks, submissions to decide, credits to assemble, the release."""
    project = project_visible_or_404(user=request.user, project_id=project_id)
    if not is_producer(project=project, user=request.user):
        raise PermissionDenied("Only the producers of this project use its desk.")
    submissions = submission_list(project=project, user=request.user)
    context = {
        "project": project,
        "pending": [s for s in submissions if s.status == Submission.Status.PENDING],
        "accepted": [s for s in submissions if s.status == Submission.Status.ACCEPTED],
        "ask_form": forms.AskForm(),
        "asks": project.asks.order_by("id"),
        "pool": format_share(project.contributor_pool),
        "upstream": format_share(project.upstream_share),
    }
    if project.status != Project.Status.DRAFT:
        context.update(_money_context(project, actor=request.user))
    return render(request, "web/desk.html", context)


def _money_context(project: Project, *, actor: User) -> dict:
    """The desk's costs and revenue streams, with the forms that add to them."""

    def money(minor: int) -> str:
        return format_minor(minor, currency=project.currency)

    costs = [
        {
            "cost": cost,
            "amount": money(cost.amount_minor),
            "recouped": money(cost.recouped_minor),
            "outstanding": money(cost.outstanding_minor),
            "withdrawn": money(cost.withdrawn_minor),
        }
        for cost in project_costs(project=project)[:200]
    ]
    credited = credited_works(project=project)
    streams = [
        {
            "stream": stream,
            "pool": format_share(stream.contributor_pool),
            "pays": [credited.get(cid, f"#{cid}") for cid in stream.contributions],
        }
        for stream in project_streams(project=project)
    ]
    return {
        "money_panels": True,
        "costs": costs,
        "cost_form": forms.CostForm(
            bearers=cost_bearers(project=project),
            currency=project.currency,
            initial={"borne_by": actor.pk},
        ),
        "streams": streams,
        "stream_form": forms.StreamForm(credited=credited),
    }


@login_required
@require_POST
def desk_cost(request, project_id: int):
    project = project_visible_or_404(user=request.user, project_id=project_id)
    form = forms.CostForm(request.POST, request.FILES, bearers=cost_bearers(project=project))
    if form.is_valid():
        data = form.cleaned_data
        with refusals_reported(request):
            cost = production_cost_record(
                project=project, actor=request.user, amount=data["amount"],
                currency=project.currency, note=data["note"], borne_by=data["borne_by"],
                receipt=data["receipt"] or None,
            )  # fmt: skip
            messages.success(
                request,
                f"Recorded a cost of {format_minor(cost.amount_minor, currency=cost.currency)} "
                f"{cost.currency} borne by {cost.borne_by.username}; revenue pays it back first.",
            )
    else:
        form_report(request, form)
    return HttpResponseRedirect(reverse("web:desk", args=[project.id]) + "#costs")


@login_required
@require_POST
def desk_cost_withdraw(request, project_id: int, cost_id: int):
    project = project_visible_or_404(user=request.user, project_id=project_id)
    cost = get_object_or_404(ProductionCost, project=project, pk=cost_id)
    form = forms.CostWithdrawForm(request.POST)
    if form.is_valid():
        with refusals_reported(request):
            cost = production_cost_withdraw(
                cost=cost, actor=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(
                request,
                f"Withdrew {format_minor(cost.withdrawn_minor, currency=cost.currency)} "
                f"{cost.currency} of “{cost.note}”: revenue will not pay it back.",
            )
    else:
        form_report(request, form)
    return HttpResponseRedirect(reverse("web:desk", args=[project.id]) + "#costs")


@login_required
@require_POST
def desk_stream(request, project_id: int):
    project = project_visible_or_404(user=request.user, project_id=project_id)
    form = forms.StreamForm(request.POST, credited=credited_works(project=project))
    if form.is_valid():
        data = form.cleaned_data
        with refusals_reported(request):
            stream = revenue_stream_create(
                project=project, actor=request.user, name=data["name"],
                contributor_pool=data["contributor_pool"] or None,
                recoups_costs=data["recoups_costs"],
                contributions=data.get("contributions", ()),
            )  # fmt: skip
            messages.success(
                request,
                f"Added the revenue stream “{stream.name}”: contributors share "
                f"{format_share(stream.contributor_pool)} of its profit.",
            )
    else:
        form_report(request, form)
    return HttpResponseRedirect(reverse("web:desk", args=[project.id]) + "#streams")


@login_required
@require_POST
def desk_ask(request, project_id: int):
    project = project_visible_or_404(user=request.user, project_id=project_id)
    form = forms.AskForm(request.POST)
    if form.is_valid():
        with refusals_reported(request):
            ask_create(project=project, actor=request.user, **form.cleaned_data)
    else:
        form_report(request, form)
    return redirect("web:desk", project_id=project.id)


@login_required
@require_POST
def desk_decide(request, project_id: int, submission_id: int, decision: str):
    project = project_visible_or_404(user=request.user, project_id=project_id)
    submission = get_object_or_404(Submission, pk=submission_id, project=project)
    form = forms.DecisionForm(request.POST)
    form.is_valid()
    with refusals_reported(request):
        submission_decide(
            submission=submission, actor=request.user, accept=decision == "accept",
            note=form.cleaned_data.get("note", ""),
        )  # fmt: skip
    return redirect("web:desk", project_id=project.id)


@login_required
@require_POST
def desk_release(request, project_id: int):
    project = project_visible_or_404(user=request.user, project_id=project_id)
    weights, problems = weights_from_form(request.POST.items())
    credits = [CreditInput(contribution, weight) for contribution, weight in weights]
    if request.POST.get("confirm") != "yes":
        problems.append("Tick the box that confirms you understand the release is frozen for ever.")
    if not problems:
        try:
            project_release(
                project=project, actor=request.user, credits=credits,
                commercial=request.POST.get("commercial") == "on",
            )  # fmt: skip
            messages.success(
                request, "Released. The credits, the policy and the lineage are now frozen."
            )
            return redirect("web:project", project_id=project.id)
        except (ValidationError, PermissionDenied) as exc:
            problems = problems_of(exc)
    for problem in problems:
        messages.error(request, problem)
    return redirect("web:desk", project_id=project.id)


@login_required
@require_POST
def project_revenue(request, project_id: int):
    project = project_visible_or_404(user=request.user, project_id=project_id)
    form = forms.RevenueForm(request.POST)
    if form.is_valid():
        with refusals_reported(request):
            event, created = revenue_record(
                project=project, actor=request.user, amount=form.cleaned_data["amount"],
                currency=project.currency, note=form.cleaned_data["note"],
                idempotency_key=form.cleaned_data["idempotency_key"],
                stream=form.cleaned_data["stream"] or None,
            )  # fmt: skip
            if created:
                into = f" in the stream “{event.stream.name}”" if event.stream else ""
                messages.success(
                    request,
                    f"Recorded {format_minor(event.amount_minor, currency=event.currency)} "
                    f"{event.currency}{into} and shared it out.",
                )
    else:
        form_report(request, form)
    return HttpResponseRedirect(reverse("web:project", args=[project.id]) + "#revenue")


# --- dashboard -----------------------------------------------------------------------------


@login_required
def dashboard(request):
    statements = list(statements_visible_to(user=request.user).filter(user=request.user))
    balances = [
        (currency, format_minor(minor, currency=currency))
        for currency, minor in payable_balances(user=request.user).items()
    ]
    by_month: dict[str, int] = {}
    for statement in sorted(statements, key=lambda s: s.period):
        key = format_period(statement.period)
        by_month[key] = by_month.get(key, 0) + statement.earned_minor
    chart = bar_chart(
        [(month, Fraction(minor, 100)) for month, minor in by_month.items()],
        label=lambda value: f"{float(value):.2f}",
    )
    lines = [
        {**line, "amount": format_minor(line["amount_minor"], currency=line["currency"])}
        for line in earning_lines(user=request.user, limit=50)
    ]
    return render(
        request,
        "web/dashboard.html",
        {
            "balances": balances,
            "statements": [
                (
                    s,
                    {
                        k: format_minor(getattr(s, f"{k}_minor"), currency=s.currency)
                        for k in ("earned", "carried_in", "payable", "carried_forward")
                    },
                )
                for s in statements
            ],  # fmt: skip
            "chart": chart,
            "lines": lines,
        },
    )


# --- staff: payouts through the payment facilitator ---------------------------------------


def _staff_only(view):
    """Staff pages: sign in first, then 403 for everyone but staff (a batch's existence
    included, as the API does)."""

    @login_required
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied("Only staff handle payouts.")
        return view(request, *args, **kwargs)

    return guarded


@_staff_only
def staff_payouts(request):
    """Issued statements waiting to be paid, the batches sent, and their result files."""
    waiting = statements_awaiting_payout()
    batches = Paginator(payout_batches(), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "web/staff_payouts.html",
        {
            "waiting": [
                (s, format_minor(s.payable_minor, currency=s.currency)) for s in waiting[:200]
            ],
            "waiting_count": waiting.count(),
            "batches": batches,
            # One form per batch row: no ids, so the page has no duplicates.
            "results_form": forms.PayoutResultsForm(auto_id=False),
            "runs": statement_runs()[:10],
            "run_form": forms.StatementRunForm(
                initial={"period": format_period(timezone.now().date())}, auto_id="run_%s"
            ),
            "issue_form": forms.StatementRunForm(
                initial={"period": format_period(timezone.now().date())}, auto_id="issue_%s"
            ),
        },
    )


@_staff_only
@require_POST
def staff_statement_run(request):
    form = forms.StatementRunForm(request.POST)
    if form.is_valid():
        with refusals_reported(request):
            run = statement_run_start(period=form.cleaned_data["period"], actor=request.user)
            messages.success(
                request,
                f"Building everyone's statements for {run.period:%B %Y}: follow the run below.",
            )
    else:
        form_report(request, form)
    return HttpResponseRedirect(reverse("web:staff-payouts") + "#runs")


@_staff_only
@require_POST
def staff_statement_run_retry(request, run_id: int):
    run = get_object_or_404(StatementRun, pk=run_id)
    with refusals_reported(request):
        run = statement_run_retry(run=run, actor=request.user)
        messages.success(
            request, f"Trying the {run.kind} run of {run.period:%B %Y} again: follow it below."
        )
    return HttpResponseRedirect(reverse("web:staff-payouts") + "#runs")


@_staff_only
@require_POST
def staff_statement_issue(request):
    form = forms.StatementRunForm(request.POST)
    if form.is_valid():
        with refusals_reported(request):
            run = statement_issue_run_start(period=form.cleaned_data["period"], actor=request.user)
            messages.success(
                request,
                f"Issuing the {run.total} open statement{'s' if run.total != 1 else ''} of "
                f"{run.period:%B %Y}: each person is told as theirs is issued.",
            )
    else:
        form_report(request, form)
    return HttpResponseRedirect(reverse("web:staff-payouts") + "#runs")


@_staff_only
@require_POST
def staff_payout_batch_create(request):
    with refusals_reported(request):
        batch = payout_batch_create(actor=request.user)
        count = batch.items.count()
        messages.success(
            request,
            f"Batch #{batch.id} holds {count} payment{'s' if count != 1 else ''}: download its "
            "file for the payment facilitator, then upload the result file it sends back.",
        )
    return redirect("web:staff-payouts")


@csrf_exempt  # checked by the view below, once the body is read under its own limit
@_staff_only
def staff_payout_results(request, batch_id: int):
    # The site-wide handler would take a CSV for a 1 MB text contribution. Django's pattern
    # for a view's own upload handlers: csrf_exempt outside (the CSRF check reads the body),
    # csrf_protect inside.
    request.upload_handlers = [ResultFileUploadHandler(request)]
    try:
        request.POST  # noqa: B018 - reads the body now, under the result file's limit
    except UploadTooLarge as exc:
        messages.error(request, str(exc.detail))
        return redirect("web:staff-payouts")
    return _staff_payout_results(request, batch_id)


@csrf_protect
@require_POST
def _staff_payout_results(request, batch_id: int):
    batch = get_object_or_404(PayoutBatch, pk=batch_id)
    form = forms.PayoutResultsForm(request.POST, request.FILES)
    if form.is_valid():
        with refusals_reported(request):
            counts = payout_results_import(
                batch=batch, actor=request.user, text=form.cleaned_data["file"]
            )
            messages.success(
                request,
                f"Batch #{batch.id}: {counts['paid']} paid, {counts['failed']} failed, "
                f"{counts['unchanged']} unchanged (recorded by an earlier import).",
            )
    else:
        form_report(request, form)
    return redirect("web:staff-payouts")
