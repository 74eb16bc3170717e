"""Proposal pages: thin views over the same selectors and services as the API."""

from fractions import Fraction

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from claims.models import MESSAGE_MAX_CHARS, Claim
from claims.selectors import claim_list
from claims.wording import match_shown
from contributions.models import Contribution
from contributions.selectors import sources_declared
from hitrec.i18n import message_of
from hitrec.pages import refusals_reported
from projects.models import Project, Submission
from projects.policy import format_share, weights_from_form
from projects.selectors import is_producer, project_visible_or_404, submission_list
from projects.services import CreditInput
from proposals import services
from proposals.models import COMMENT_MAX_CHARS, Proposal, ProposalComment
from proposals.selectors import (
    CreditedWorkMatches,
    comment_list,
    open_proposal,
    proposal_accept_refusal,
    proposal_comment_refusal,
    proposal_list,
    proposal_matches,
    proposal_visible_or_404,
    revision_diff,
    revision_get,
    revision_list,
)
from royalties.splits import format_percent

ACTIONS = {
    "accept": lambda proposal, user: services.proposal_accept(proposal=proposal, actor=user),
    "release": lambda proposal, user: services.proposal_release(proposal=proposal, actor=user),
    "withdraw": lambda proposal, user: services.proposal_withdraw(proposal=proposal, actor=user),
}
DONE = {
    "accept": gettext_lazy("You accepted this revision."),
    "release": gettext_lazy("Released: the credits, the policy and the lineage are now frozen."),
    "withdraw": gettext_lazy("The proposal was withdrawn."),
}


def _credits_from(request) -> tuple[list[CreditInput], list]:
    """The weights typed in the form (`weight-<contribution id>`); 0 or blank leaves one out."""
    weights, problems = weights_from_form(request.POST.items(), name=_("A weight"))
    return [CreditInput(contribution, weight) for contribution, weight in weights], problems


def _weights_form(project: Project, user, current: dict[int, Fraction] | None) -> list[dict]:
    """The accepted work, each with the weight to start from (the current revision's)."""
    rows = []
    for submission in submission_list(project=project, user=user).filter(
        status=Submission.Status.ACCEPTED
    ):
        weight = (current or {}).get(submission.contribution_id)
        rows.append(
            {
                "contribution": submission.contribution,
                "weight": format_share(weight) if weight else ("0" if current else "1"),
            }
        )
    return rows


def project_proposals(request, project_id: int):
    project = project_visible_or_404(user=request.user, project_id=project_id)
    producer = is_producer(project=project, user=request.user)
    current = open_proposal(project=project)
    context = {
        "project": project,
        "producer": producer,
        "proposals": proposal_list(project=project, user=request.user),
        "open_proposal": current,
        "can_publish": producer and project.status == Project.Status.OPEN and current is None,
    }
    if context["can_publish"]:
        context["weights"] = _weights_form(project, request.user, None)
    return render(request, "proposals/project.html", context)


@login_required
@require_POST
def proposal_publish(request, project_id: int):
    project = project_visible_or_404(user=request.user, project_id=project_id)
    credits, problems = _credits_from(request)
    if not problems:
        with refusals_reported(request):
            proposal = services.proposal_publish(
                project=project, actor=request.user, credits=credits,
                commercial=request.POST.get("commercial") == "on",
                note=request.POST.get("note", ""),
            )  # fmt: skip
            messages.success(request, _("Published: everyone in it has been told."))
            return redirect("proposals:proposal", proposal_id=proposal.id)
    for problem in problems:
        messages.error(request, message_of(problem))
    return redirect("proposals:project", project_id=project.id)


def proposal(request, proposal_id: int):
    proposal = proposal_visible_or_404(user=request.user, proposal_id=proposal_id)
    project = proposal.project
    revision = revision_get(proposal=proposal)
    people = list(revision.people.all())
    revisions = revision_list(proposal=proposal)
    history = [
        {
            "revision": later,
            "diff": revision_diff(before=earlier, after=later) if earlier else None,
        }
        for earlier, later in zip([None, *revisions[:-1]], revisions, strict=True)
    ]
    history.reverse()  # newest first
    titles = dict(
        Contribution.objects.filter(
            id__in=[c["id"] for c in revision.split["contributions"]]
        ).values_list("id", "title")
    )
    producer = is_producer(project=project, user=request.user)
    is_open = proposal.status == proposal.Status.OPEN
    me = next((p for p in people if p.user_id == request.user.id), None)
    accepted_by_me = me is not None and hasattr(me, "acceptance")
    context = {
        "proposal": proposal,
        "project": project,
        "revision": revision,
        "people": [
            {
                "person": p,
                "percent": format_percent(Fraction(p.share)),
                "accepted": hasattr(p, "acceptance"),
            }
            for p in people
        ],  # fmt: skip
        "parties": revision.split["parties"],
        "credits": [
            {
                "id": c.contribution_id,
                "title": titles.get(c.contribution_id, ""),
                "weight": format_share(c.weight),
            }
            for c in revision.credits.all()
        ],  # fmt: skip
        "paths": [
            {
                **entry,
                "title": titles.get(entry["contribution"], ""),
                "unlisted": entry["path_count"] - len(entry["paths"]),
            }
            for entry in revision.split.get("paths", [])
        ],
        "history": history,
        "comments": list(comment_list(proposal=proposal)),
        # Public, in the comments: releasing is the producers' call, but everyone sees what
        # the credited works may use without crediting it, and may say so.
        "undeclared": _undeclared_shown(
            proposal_matches(proposal=proposal, revision=revision),
            request.user,
            frozen=proposal.status == Proposal.Status.RELEASED,
        ),
        "comment_max": COMMENT_MAX_CHARS,
        "claim_message_max": MESSAGE_MAX_CHARS,
        "window_open": is_open and timezone.now() < proposal.window_ends_at,
        "can_comment": proposal_comment_refusal(proposal=proposal, user=request.user) is None,
        "can_accept": not accepted_by_me
        and proposal_accept_refusal(proposal=proposal, user=request.user) is None,
        "accepted_by_me": accepted_by_me,
        "everyone_accepted": all(hasattr(p, "acceptance") for p in people),
        "producer": producer,
        "policy": {
            "pool": format_share(revision.contributor_pool),
            "upstream": format_share(revision.upstream_share),
        },
    }
    if producer and is_open:
        context["weights"] = _weights_form(
            project, request.user, {c.contribution_id: c.weight for c in revision.credits.all()}
        )
    return render(request, "proposals/proposal.html", context)


def _undeclared_shown(rows: list[CreditedWorkMatches], user, *, frozen: bool) -> list[dict]:
    """Each credited work's undeclared matches as the page says them; beside a match of the
    reader's own earlier work, whether they may ask to be credited (`ask`), already did and
    wait for an answer (`claim`: its id), or, among a released proposal's matches (`frozen`
    as they were), are named a source since (`declared`: nothing left to ask). One query for
    the reader's open claims on these works, one more for a released proposal, and only
    when one of the earlier works is theirs."""
    theirs = {
        (row.work.pk, found.earlier.pk)
        for row in rows
        for found in row.matches
        if user.is_authenticated and found.earlier.author_id == user.id and not found.own
    }
    waiting: dict[tuple[int, int], int] = {}
    if theirs:
        waiting = {
            (work_id, earlier_id): claim_id
            for work_id, earlier_id, claim_id in claim_list(
                user=user, status=Claim.Status.OPEN, mine=True
            )
            .filter(claimant=user, work_id__in={pair[0] for pair in theirs})
            .values_list("work_id", "earlier_id", "id")
        }
    declared = sources_declared(pairs=theirs) if frozen else set()
    askable = theirs - declared - waiting.keys()
    return [
        {
            "work": row.work,
            "matches": [
                {
                    "shown": match_shown(found),
                    "claim": waiting.get((row.work.pk, found.earlier.pk)),
                    "declared": (row.work.pk, found.earlier.pk) in declared,
                    "ask": (row.work.pk, found.earlier.pk) in askable,
                }
                for found in row.matches
            ],
        }
        for row in rows
    ]


@login_required
@require_POST
def proposal_revise(request, proposal_id: int):
    proposal = proposal_visible_or_404(user=request.user, proposal_id=proposal_id)
    credits, problems = _credits_from(request)
    if not problems:
        with refusals_reported(request):
            revision = services.proposal_revise(
                proposal=proposal, actor=request.user, credits=credits,
                commercial=request.POST.get("commercial") == "on",
                note=request.POST.get("note", ""),
            )  # fmt: skip
            messages.success(
                request,
                _("Revision %(number)s is published; everyone is asked again.")
                % {"number": revision.number},
            )
    for problem in problems:
        messages.error(request, message_of(problem))
    return redirect("proposals:proposal", proposal_id=proposal.id)


@login_required
@require_POST
def proposal_comment(request, proposal_id: int):
    proposal = proposal_visible_or_404(user=request.user, proposal_id=proposal_id)
    page = services.proposal_url(proposal)
    parent = None
    with refusals_reported(request):
        if request.POST.get("parent"):
            parent = ProposalComment.objects.filter(
                pk=int(request.POST["parent"]) if request.POST["parent"].isdigit() else 0,
                proposal=proposal,
            ).first()
            if parent is None:
                raise ValidationError(_("The comment you replied to is gone."))
        comment = services.proposal_comment(
            proposal=proposal, author=request.user, body=request.POST.get("body", ""),
            parent=parent,
        )  # fmt: skip
        return HttpResponseRedirect(f"{page}#comment-{comment.id}")
    return HttpResponseRedirect(f"{page}#comments")  # refused: the messages say why


@login_required
@require_POST
def proposal_action(request, proposal_id: int, verb: str):
    if verb not in ACTIONS:
        raise Http404(_("No such action."))
    proposal = proposal_visible_or_404(user=request.user, proposal_id=proposal_id)
    with refusals_reported(request):
        ACTIONS[verb](proposal, request.user)
        messages.success(request, str(DONE[verb]))
    return redirect("proposals:proposal", proposal_id=proposal.id)
