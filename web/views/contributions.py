"""Pages of contributions: browsing, one work, uploading (with its sources and licence)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from claims.models import REASON_MAX_CHARS, Claim
from claims.selectors import claim_list, matches_visible_to, work_matches
from claims.wording import match_shown
from community.selectors import community_section
from contributions.licenses import LICENSES, remix_licenses_explained
from contributions.lineage import OutlineItem, lineage_outline
from contributions.lineage_pages import lineage_page
from contributions.models import Contribution
from contributions.selectors import (
    contribution_get,
    contribution_list,
    contributions_in_order,
    upstream_credits,
    works_of,
)
from contributions.services import contribution_create, remix_source_add
from hitrec.i18n import message_of
from hitrec.pages import form_errors_apply, form_report, refusals_reported
from hitrec.tags import tag_normalised
from projects.asks_for_you import matching_asks
from projects.selectors import projects_that_took_in
from web import forms

BROWSE_PAGE = 24
# A tag's page lists the newest open asks carrying it, this many.
TAG_ASKS = 10


def browse(request):
    """Every public work, filtered as a remixer needs; a GET form, so a search is a link."""
    return _works_page(request, request.GET.copy(), template="web/browse.html")


def tag(request, tag: str):
    """The works with one tag (and the browse page's other filters)."""
    spelling = tag_normalised(tag)
    if not spelling:
        raise Http404(_("“%(tag)s” is not a tag.") % {"tag": tag[:100]})
    if spelling != tag:
        return redirect("web:tag", tag=spelling, permanent=True)
    data = request.GET.copy()
    data.setlist("tag", [spelling, *(t for t in data.getlist("tag") if t != spelling)])
    asks = matching_asks(skills=[spelling]).select_related("project").prefetch_related("tags")
    extra = {"tag": spelling, "asks": asks[:TAG_ASKS]}
    return _works_page(request, data, template="web/tag.html", extra=extra)


def _works_page(request, data: QueryDict, *, template: str, extra: dict | None = None):
    form = forms.ContributionFilterForm(data)
    works = contribution_list(**form.filters()) if form.is_valid() else Contribution.objects.none()
    page = Paginator(works, BROWSE_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    chosen = form.cleaned_data.get("tag", []) if form.is_valid() else []
    # Tags of the works shown, to narrow the search by; alphabetical, never by popularity.
    shown = sorted({name for work in page for name in work.tag_names} - set(chosen))
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "chosen_tags": [(name, _query_without(query, "tag", name)) for name in chosen],
        "more_tags": [(name, _query_with(query, "tag", name)) for name in shown],
    }
    return render(request, template, context | (extra or {}))


def _query_with(query: QueryDict, key: str, value: str) -> str:
    changed = query.copy()
    changed.appendlist(key, value)
    return changed.urlencode()


def _query_without(query: QueryDict, key: str, value: str) -> str:
    changed = query.copy()
    kept = [
        t.strip()
        for typed in changed.getlist(key)
        for t in typed.split(",")
        if tag_normalised(t) not in ("", value)
    ]
    changed.setlist(key, kept)
    return changed.urlencode()


# The lineage in words lists at most this many relatives.
LINEAGE_LISTED = 200
# A claimant's own claims on a work, the newest this many (the claims page has them all).
CLAIMS_LISTED = 10


def contribution(request, contribution_id: int):
    work = contribution_get(contribution_id=contribution_id)
    if work is None:
        raise Http404(_("No contribution with that id."))
    # The picture's depth, read once: its direct remixes, and the lineage in words beside it;
    # for a popular work, its nearest relatives (the export has them all).
    lineage = lineage_page(contribution_id=work.id, depth=3, limit=LINEAGE_LISTED)
    outline = lineage_outline(lineage)
    renditions = {r.name: r for r in work.renditions.all()}
    is_author = request.user.is_authenticated and request.user.id == work.author_id
    context = {
        "work": work,
        "license": LICENSES[work.license],
        "credits": upstream_credits(contribution_id=work.id),
        "remixes": [n for n in lineage.nodes if n.direction == "down" and n.depth == 1],
        "outline": outline,
        "lineage_cut": lineage.next is not None,
        "lineage_listed": len(lineage.nodes) - 1,
        "counts": work.lineage_counts,
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
        "is_author": is_author,
        # Projects and remixes keep the licence they took the work under (issue 21).
        "taken_in": projects_that_took_in(contribution_id=work.id),
        "community": community_section(viewer=request.user, contribution=work),
        "credit_matches": _credit_matches(request.user, work, outline["up"], is_author=is_author),
        "claims": _work_claims(request.user, work, is_author=is_author),
        "claim_reason_max": REASON_MAX_CHARS,
    }
    return render(request, "web/contribution.html", context)


def _credit_matches(
    user, work: Contribution, up: tuple[OutlineItem, ...], *, is_author: bool
) -> list[dict]:
    """The earlier works this one probably uses, for those allowed to see them (never
    public), each with the declared source that credits it when it is credited through one
    (read off the lineage in words, already loaded: no query). Nothing while the work is
    processing: its matches are found at the job's last step."""
    if work.status != Contribution.Status.READY or work.is_removed:
        return []
    if not matches_visible_to(work=work, user=user):
        return []
    through: dict[int, OutlineItem] = {}

    def under(items: tuple[OutlineItem, ...], source: OutlineItem) -> None:
        for item in items:
            through.setdefault(item.node.id, source)
            under(item.children, source)

    for source in up:
        under(source.children, source)
    return [
        {
            "shown": match_shown(found, yours=is_author),
            "through": through.get(found.earlier.id),
            "offer": is_author and not found.declared and not found.in_lineage,
        }
        for found in work_matches(work=work)
    ]


def _work_claims(user, work: Contribution, *, is_author: bool) -> dict[str, list[Claim]]:
    """Claims on this work, never public (a claim says what a work probably uses): for its
    author and staff, the open ones, to answer or decide (`waiting`); for someone who asked
    to be credited in it, their own claims and how they stand (`yours`). One query for a
    signed-in reader, none for anyone else."""
    if not user.is_authenticated:
        return {"waiting": [], "yours": []}
    claims = claim_list(user=user).filter(work=work)
    if is_author or user.is_staff:
        return {"waiting": list(claims.filter(status=Claim.Status.OPEN)), "yours": []}
    return {"waiting": [], "yours": list(claims.filter(claimant=user)[:CLAIMS_LISTED])}


@login_required
@require_POST
def contribution_source_add(request, contribution_id: int):
    """The author adds an earlier work the credit guard found as a source of this one: the
    sources it has, plus that one, through the same service and licence rules as the API (a
    refusal comes back as messages on the work's page)."""
    work = contribution_get(contribution_id=contribution_id)
    if work is None:
        raise Http404(_("No contribution with that id."))
    form = forms.SourceAddForm(request.POST)
    if form.is_valid():
        with refusals_reported(request):
            remix_source_add(
                contribution=work, actor=request.user, source_id=form.cleaned_data["source"]
            )
            messages.success(
                request, _("Added as a source: its author is now credited in this work's lineage.")
            )
    else:
        form_report(request, form)
    return HttpResponseRedirect(reverse("web:contribution", args=[work.id]) + "#matches")


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
    sources = contributions_in_order(ids=source_ids)
    allowed, explanation = remix_licenses_explained(works_of(sources))
    return render(
        request,
        "web/upload.html",
        {
            "form": form,
            "sources": sources,
            "allowed": [LICENSES[slug] for slug in allowed],
            "explanation": message_of(explanation),
            "licenses": LICENSES,
        },
    )
