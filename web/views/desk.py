"""The producer's desk: asks, decisions on submissions, costs, streams and the release."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from claims.selectors import works_matches
from claims.wording import match_shown
from contributions.models import Contribution
from hitrec.formats import date_display, money_display
from hitrec.i18n import message_of
from hitrec.pages import form_report, problems_of, refusals_reported
from projects.models import Project, Submission
from projects.policy import format_share, weights_from_form
from projects.selectors import (
    is_producer,
    project_visible_or_404,
    submission_list,
)
from projects.services import (
    CreditInput,
    ask_create,
    project_release,
    submission_decide,
)
from royalties.models import ProductionCost
from royalties.selectors import (
    cost_bearers,
    cost_can_approve,
    credited_works,
    producer_ids,
    project_costs,
    project_streams,
)
from royalties.services import (
    production_cost_approve,
    production_cost_record,
    production_cost_withdraw,
    revenue_stream_create,
)
from royalties.wording import amount_number
from web import forms


@login_required
def desk(request, project_id: int):
    """The producer's desk: asks, submissions to decide, credits to assemble, the release."""
    project = project_visible_or_404(user=request.user, project_id=project_id)
    if not is_producer(project=project, user=request.user):
        raise PermissionDenied(_("Only the producers of this project use its desk."))
    submissions = submission_list(project=project, user=request.user)
    accepted = [s for s in submissions if s.status == Submission.Status.ACCEPTED]
    context = {
        "project": project,
        "pending": [s for s in submissions if s.status == Submission.Status.PENDING],
        "accepted": accepted,
        "undeclared": _undeclared_matches([s.contribution for s in accepted]),
        "ask_form": forms.AskForm(),
        "asks": project.asks.order_by("id").prefetch_related("tags"),
        "pool": format_share(project.contributor_pool),
        "upstream": format_share(project.upstream_share),
    }
    if project.status != Project.Status.DRAFT:
        context.update(_money_context(project, actor=request.user))
    return render(request, "web/desk.html", context)


def _undeclared_matches(works: list[Contribution]) -> list[dict]:
    """The works a release would credit that probably use an earlier work they do not credit,
    each with those works (one query): the producers look before they release. A removed
    work is left out, as the payment proposal leaves it out."""
    present = [work for work in works if not work.is_removed]
    found = works_matches(works=present, undeclared=True)
    return [
        {"work": work, "matches": [match_shown(m) for m in found[work.pk]]}
        for work in sorted(present, key=lambda work: work.pk)
        if found[work.pk]
    ]


def _money_context(project: Project, *, actor: User) -> dict:
    """The desk's costs and revenue streams, with the forms that add to them."""

    def money(minor: int) -> str:
        return money_display(minor, currency=project.currency)

    producers, now = producer_ids(project=project), timezone.now()
    costs = [
        {
            "cost": cost,
            "amount": money(cost.amount_minor),
            "recouped": money(cost.recouped_minor),
            "outstanding": money(cost.outstanding_minor),
            "withdrawn": money(cost.withdrawn_minor),
            "in_effect": cost.in_effect(now),
            "can_approve": cost_can_approve(cost=cost, user=actor, producers=producers, now=now),
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
        "released": bool(credited),  # a release credits at least one work
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
            said = {
                "amount": amount_number(cost.amount_minor, currency=cost.currency),
                "currency": cost.currency,
                "name": cost.borne_by.username,
            }
            if cost.rule == ProductionCost.Rule.AGREEMENT:
                message = _(
                    "Recorded a cost of %(amount)s %(currency)s borne by %(name)s. Revenue "
                    "pays it back first once a producer who neither recorded nor bore it agrees."
                )
            elif cost.rule == ProductionCost.Rule.WINDOW:
                message = _(
                    "Recorded a cost of %(amount)s %(currency)s borne by %(name)s. Everyone "
                    "credited is told; unless it is withdrawn, revenue pays it back first from "
                    "%(day)s."
                )
                said["day"] = date_display(cost.effective_at)
            else:
                # Translators: %(amount)s is followed by its currency code, e.g. 250.00 USD.
                message = _(
                    "Recorded a cost of %(amount)s %(currency)s borne by %(name)s; revenue pays "
                    "it back first."
                )
            messages.success(request, message % said)
    else:
        form_report(request, form)
    return HttpResponseRedirect(reverse("web:desk", args=[project.id]) + "#costs")


@login_required
@require_POST
def desk_cost_approve(request, project_id: int, cost_id: int):
    project = project_visible_or_404(user=request.user, project_id=project_id)
    cost = get_object_or_404(ProductionCost, project=project, pk=cost_id)
    with refusals_reported(request):
        cost = production_cost_approve(cost=cost, actor=request.user)
        messages.success(
            request,
            _(
                "Agreed to the cost of %(amount)s %(currency)s for “%(note)s”: revenue pays it "
                "back to %(name)s first from now on."
            )
            % {
                "amount": amount_number(cost.amount_minor, currency=cost.currency),
                "currency": cost.currency,
                "note": cost.note,
                "name": cost.borne_by.username,
            },
        )
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
                _("Withdrew %(amount)s %(currency)s of “%(note)s”: revenue will not pay it back.")
                % {
                    "amount": amount_number(cost.withdrawn_minor, currency=cost.currency),
                    "currency": cost.currency,
                    "note": cost.note,
                },
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
                _("Added the revenue stream “%(name)s”: contributors share %(pool)s of its profit.")
                % {"name": stream.name, "pool": format_share(stream.contributor_pool)},
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
    weights, found = weights_from_form(request.POST.items(), name=_("A weight"))
    problems = [message_of(problem) for problem in found]
    credits = [CreditInput(contribution, weight) for contribution, weight in weights]
    if request.POST.get("confirm") != "yes":
        problems.append(
            _("Tick the box that confirms you understand the release is frozen for ever.")
        )
    if not problems:
        try:
            project_release(
                project=project, actor=request.user, credits=credits,
                commercial=request.POST.get("commercial") == "on",
            )  # fmt: skip
            messages.success(
                request, _("Released. The credits, the policy and the lineage are now frozen.")
            )
            return redirect("web:project", project_id=project.id)
        except (ValidationError, PermissionDenied) as exc:
            problems = problems_of(exc)
    for problem in problems:
        messages.error(request, problem)
    return redirect("web:desk", project_id=project.id)
