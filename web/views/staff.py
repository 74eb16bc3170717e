"""Staff's payouts page: statement runs, issuing, payout batches and the facilitator's results."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from accounts.selectors import payee_verified
from contributions.uploads import UploadTooLarge
from hitrec.audit import audit_entries
from hitrec.formats import money_display, month_display
from hitrec.pages import form_report, refusals_reported
from royalties.models import PayoutBatch, StatementRun
from royalties.periods import format_period
from royalties.selectors import (
    payout_batches,
    statement_runs,
    statements_awaiting_payout,
)
from royalties.services import (
    payout_batch_create,
    payout_results_import,
    statement_issue_run_start,
    statement_run_retry,
    statement_run_start,
)
from royalties.uploads import ResultFileUploadHandler
from web import forms


def _staff_only(view):
    """Staff pages: sign in first, then 403 for everyone but staff (a batch's existence
    included, as the API does)."""

    @login_required
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if getattr(request.user, "staff_held", False):
            raise PermissionDenied(
                _(
                    "Staff pages open once you sign in with a second factor: set it up in your settings."
                )
            )
        if not request.user.is_staff:
            raise PermissionDenied(_("Only staff handle payouts."))
        return view(request, *args, **kwargs)

    return guarded


@_staff_only
def staff_payouts(request):
    """Issued statements waiting to be paid, the batches sent, and their result files."""
    waiting = statements_awaiting_payout()
    held = waiting.exclude(payee_verified("user__"))
    batches = Paginator(payout_batches(), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "web/staff_payouts.html",
        {
            "waiting": [
                (s, money_display(s.payable_minor, currency=s.currency)) for s in waiting[:200]
            ],
            "waiting_count": waiting.count(),
            # Left out of a batch until their payout address is verified (listed, marked).
            "held_ids": set(held.values_list("id", flat=True)[:200]),
            "payable_count": waiting.filter(payee_verified("user__")).count(),
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
                # Translators: %(month)s is a month and its year, e.g. "October 2026".
                _("Building everyone's statements for %(month)s: follow the run below.")
                % {"month": month_display(run.period)},
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
        message = (
            _("Trying the issue run of %(month)s again: follow it below.")
            if run.kind == StatementRun.Kind.ISSUE
            else _("Trying the build run of %(month)s again: follow it below.")
        )
        messages.success(request, message % {"month": month_display(run.period)})
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
                ngettext(
                    "Issuing the %(count)s open statement of %(month)s: each person is told as "
                    "theirs is issued.",
                    "Issuing the %(count)s open statements of %(month)s: each person is told as "
                    "theirs is issued.",
                    run.total,
                )
                % {"count": run.total, "month": month_display(run.period)},
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
            ngettext(
                "Batch #%(batch)s holds %(count)s payment: download its file for the payment "
                "facilitator, then upload the result file it sends back.",
                "Batch #%(batch)s holds %(count)s payments: download its file for the payment "
                "facilitator, then upload the result file it sends back.",
                count,
            )
            % {"batch": batch.id, "count": count},
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
                _(
                    "Batch #%(batch)s: %(paid)s paid, %(failed)s failed, %(unchanged)s unchanged "
                    "(recorded by an earlier import)."
                )
                % {"batch": batch.id, **counts},
            )
    else:
        form_report(request, form)
    return redirect("web:staff-payouts")


@_staff_only
def staff_audit(request):
    """The audit log: staff actions and money moved, newest first, filtered."""
    form = forms.AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = Paginator(audit_entries(**filters), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/staff_audit.html",
        {"form": form, "page": entries, "query": query.urlencode()},
        status=400 if form.errors else 200,
    )
