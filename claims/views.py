"""Claim pages: the claims a person made and those on their works, one claim with its answer
forms, and "this uses my work". Thin views over the same selectors and services as the API:
one service call per POST, a refusal told as messages on the page returned to."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.exceptions import Throttled

from claims import services
from claims.models import REASON_MAX_CHARS, Claim
from claims.selectors import claim_list, claim_visible, matches_visible_to, work_matches
from claims.wording import match_shown
from contributions.models import Contribution
from hitrec.pages import refusals_reported
from hitrec.throttles import ClaimRateThrottle

CLAIMS_PAGE = 30
# `?scope=all`: staff's view of everyone's claims (with `status=open`, their queue).
EVERYONE = "all"


def _claim_or_404(request, claim_id: int) -> Claim:
    """The claim, for its claimant, the remixer and staff; for anyone else it does not exist."""
    claim = claim_visible(user=request.user, claim_id=claim_id)
    if claim is None:
        raise Http404(_("No claim with that id."))
    return claim


def _back(request, fallback: str) -> HttpResponseRedirect:
    """Back to the page the form was on (`next`), if it is one of ours; else `fallback`."""
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return HttpResponseRedirect(target if target and safe else fallback)


def _claim_url(claim: Claim) -> str:
    return reverse("claims:claim", args=[claim.id])


# --- the list --------------------------------------------------------------------------------


@login_required
def claim_list_page(request):
    """Newest first, paged; `?status=` filters (a link, so it can be shared); staff choose
    between their own claims and everyone's (`?scope=all`; with `status=open`, their queue)."""
    status = request.GET.get("status")
    if status not in Claim.Status.values:
        status = None
    everyone = request.user.is_staff and request.GET.get("scope") == EVERYONE
    claims = claim_list(user=request.user, status=status, mine=not everyone)
    page = Paginator(claims, CLAIMS_PAGE).get_page(request.GET.get("page"))
    scope = {"scope": EVERYONE} if everyone else {}
    chosen = {"status": status} if status else {}
    context = {
        "page": page,
        "status": status,
        "everyone": everyone,
        "query": urlencode(scope | chosen),
        "filters": [
            {
                "label": label,
                "query": urlencode(scope | ({"status": value} if value else {})),
                "current": value == status,
            }
            for value, label in [(None, _("All")), *Claim.Status.choices]
        ],
        "scopes": [],
    }
    if request.user.is_staff:
        context["scopes"] = [
            {"label": _("Yours"), "query": urlencode(chosen), "current": not everyone},
            {
                "label": _("Everyone's"),
                "query": urlencode({"scope": EVERYONE} | chosen),
                "current": everyone,
            },
        ]
    return render(request, "claims/list.html", context)


# --- one claim -------------------------------------------------------------------------------


@login_required
def claim_page(request, claim_id: int):
    claim = _claim_or_404(request, claim_id)
    user = request.user
    is_open = claim.status == Claim.Status.OPEN
    remixer = claim.work.author_id == user.id
    claimant = claim.claimant_id == user.id
    shown = None
    if matches_visible_to(work=claim.work, user=user):
        shown = [
            match_shown(found, yours=remixer)
            for found in work_matches(work=claim.work)
            if found.earlier.id == claim.earlier_id
        ]
    return render(
        request,
        "claims/claim.html",
        {
            "claim": claim,
            "remixer": remixer,
            "claimant": claimant,
            # None: the viewer may not see what matched (the claim itself they may see).
            "matches": shown,
            "can_answer": is_open and remixer,
            "can_withdraw": is_open and claimant,
            "can_decide": is_open and user.is_staff and not (remixer or claimant),
            "reason_max": REASON_MAX_CHARS,
        },
    )


def _accepts(form: QueryDict) -> bool:
    """Staff's decision: `accept=yes` adds the source, `accept=no` declines with a reason."""
    return form.get("accept") == "yes"


# A claim's answers and its withdrawal (claims/pages.py names the verb): one service call
# each, with the form's fields, and what the page says once it is done. Gettext is called
# per request, in the reader's language.
ACTIONS = {
    "accept": lambda claim, user, form: services.claim_accept(claim=claim, actor=user),
    "decline": lambda claim, user, form: services.claim_decline(
        claim=claim, actor=user, reason=form.get("reason", "")
    ),
    "decide": lambda claim, user, form: services.claim_decide(
        claim=claim, actor=user, accept=_accepts(form), reason=form.get("reason", "")
    ),
    "withdraw": lambda claim, user, form: services.claim_withdraw(claim=claim, actor=user),
}
DONE = {
    "accept": lambda claim, form: (
        # Translators: %(title)s is the claimant's work, now a source of the reader's.
        _("Accepted: “%(title)s” is now a source of your work, and its author is credited.")
        % {"title": claim.earlier.title}
    ),
    "decline": lambda claim, form: _("Declined: the person who asked is told why."),
    "decide": lambda claim, form: (
        _("Decided: the claim is accepted, and both people are told.")
        if _accepts(form)
        else _("Decided: the claim is declined, and both people are told why.")
    ),
    "withdraw": lambda claim, form: _("Withdrawn: the work's author is told."),
}


@login_required
@require_POST
def claim_action(request, claim_id: int, verb: str):
    """Answer a claim (accept, decline; staff decide), or withdraw it: one of ACTIONS."""
    claim = _claim_or_404(request, claim_id)
    with refusals_reported(request):
        ACTIONS[verb](claim, request.user, request.POST)
        messages.success(request, DONE[verb](claim, request.POST))
    return _back(request, _claim_url(claim))


# --- "this uses my work" ---------------------------------------------------------------------


@login_required
@require_POST
def claim_create(request, contribution_id: int):
    """The author of an earlier work the credit guard found in this one asks to be credited;
    the form sits beside the match (a proposal's comment window). Made: to the claim's page;
    refused: back to the form's page, the messages say why."""
    work = Contribution.objects.select_related("author").filter(pk=contribution_id).first()
    if work is None:
        raise Http404(_("No contribution with that id."))
    fallback = reverse("web:contribution", args=[work.id])
    try:
        # The API's limit holds here too: the form is another door to the same accusation.
        ClaimRateThrottle().allow_request(request, None)
    except Throttled as exc:
        messages.error(request, str(exc.detail))
        return _back(request, fallback)
    with refusals_reported(request):
        typed = request.POST.get("earlier", "").strip()
        earlier = (
            Contribution.objects.filter(pk=int(typed)).first()
            if typed.isascii() and typed.isdigit() and int(typed) < 2**63
            else None
        )
        if earlier is None:
            raise ValidationError(
                # Translators: %(id)s is the number someone typed for a contribution.
                _("There is no contribution #%(id)s.") % {"id": typed[:20]}
                if typed
                else _("Say which of your works this one uses.")
            )
        claim = services.claim_create(
            actor=request.user,
            work=work,
            earlier=earlier,
            message=request.POST.get("message", ""),
        )
        messages.success(
            request,
            # Translators: %(title)s is the later work, which the reader says uses theirs.
            _("Asked: the author of “%(title)s” is told.") % {"title": work.title},
        )
        return HttpResponseRedirect(_claim_url(claim))
    return _back(request, fallback)
