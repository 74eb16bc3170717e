"""Pages of projects: the list, a new project, a project's page, submitting, opening, revenue."""

import uuid
from decimal import Decimal
from fractions import Fraction

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.selectors import community_section
from contributions.models import Contribution
from hitrec.formats import money_display
from hitrec.pages import form_errors_apply, form_report, refusals_reported
from projects.models import Release
from projects.policy import format_share
from projects.selectors import (
    is_producer,
    project_list,
    project_visible_or_404,
    submission_list,
)
from projects.services import (
    project_create,
    project_status_change,
    submission_create,
)
from royalties.selectors import (
    cost_summary,
    project_costs,
    project_revenue_events,
    project_streams,
    release_split,
    sees_project_money,
    split_body,
)
from royalties.services import (
    revenue_record,
)
from royalties.wording import amount_number, fixed_number
from web import forms
from web.charts import bar_chart


def projects(request):
    form = forms.ProjectFilterForm(request.GET)
    chosen = {k: v for k, v in form.cleaned_data.items() if v} if form.is_valid() else {}
    page = Paginator(project_list(user=request.user, **chosen), 20).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "web/projects.html", {"page": page, "form": form, "query": query.urlencode()}
    )


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
        title=_("Each person's share of the release"),
        label=_percent,
    )
    return {"split": split, "split_chart": chart}


def _percent(value: Fraction) -> str:
    """A share as a bar's label: "33.33%", with the reader's decimal sign."""
    number = fixed_number(Decimal(f"{float(value) * 100:.2f}"))
    # Translators: a percentage, e.g. "33.33%" (%(number)s is the number, %% the sign).
    return _("%(number)s%%") % {"number": number}


def _costs_context(project, *, sees: bool) -> dict:
    """A released project's costs: their totals for everyone, each cost for those who read
    the project's money in full (its producers, staff and the people credited)."""
    now = timezone.now()
    context: dict = {"cost_summary": cost_summary(project=project, now=now)}
    if sees:
        context["costs"] = [
            (cost, cost.in_effect(now)) for cost in project_costs(project=project)[:200]
        ]
    return context


def project(request, project_id: int):
    project = project_visible_or_404(user=request.user, project_id=project_id)
    producer = is_producer(project=project, user=request.user)
    release = (
        Release.objects.filter(project=project).prefetch_related("credits__contribution").first()
    )
    context = {
        "project": project,
        "producer": producer,
        "asks": project.asks.order_by("id").prefetch_related("tags"),
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
        sees = producer or sees_project_money(project=project, user=request.user)
        context.update(_costs_context(project, sees=sees))
        if producer:
            events = project_revenue_events(project=project)
            context["events"] = [
                (e, money_display(e.amount_minor, currency=e.currency)) for e in events
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
                raise ValidationError(_("There is no such contribution."))
            submission_create(
                project=project, actor=request.user, contribution=work, ask=ask,
                message=form.cleaned_data["message"],
            )  # fmt: skip
            messages.success(
                request,
                _("“%(title)s” was submitted; the producers will decide.") % {"title": work.title},
            )
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
                said = {
                    "amount": amount_number(event.amount_minor, currency=event.currency),
                    "currency": event.currency,
                }
                if event.stream:
                    message = _(
                        "Recorded %(amount)s %(currency)s in the stream “%(stream)s” and shared "
                        "it out."
                    ) % {**said, "stream": event.stream.name}
                else:
                    # Translators: %(amount)s is followed by its currency code, e.g. 40.00 USD.
                    message = _("Recorded %(amount)s %(currency)s and shared it out.") % said
                messages.success(request, message)
    else:
        form_report(request, form)
    return HttpResponseRedirect(reverse("web:project", args=[project.id]) + "#revenue")
