"""Pages of contributions: browsing, one work, uploading (with its sources and licence)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from community.selectors import community_section
from contributions.licenses import LICENSES, remix_licenses_explained
from contributions.lineage import lineage_outline
from contributions.lineage_pages import lineage_page
from contributions.selectors import (
    contribution_get,
    contribution_list,
    contributions_in_order,
    upstream_credits,
    works_of,
)
from contributions.services import contribution_create
from hitrec.i18n import message_of
from hitrec.pages import form_errors_apply
from projects.selectors import projects_that_took_in
from web import forms


def browse(request):
    form = forms.ContributionFilterForm(request.GET or None)
    filters = {k: v for k, v in form.cleaned_data.items() if v} if form.is_valid() else {}
    page = Paginator(contribution_list(**filters), 24).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "web/browse.html", {"form": form, "page": page, "query": query.urlencode()}
    )


# The lineage in words lists at most this many relatives.
LINEAGE_LISTED = 200


def contribution(request, contribution_id: int):
    work = contribution_get(contribution_id=contribution_id)
    if work is None:
        raise Http404(_("No contribution with that id."))
    # The picture's depth, read once: its direct remixes, and the lineage in words beside it;
    # for a popular work, its nearest relatives (the export has them all).
    lineage = lineage_page(contribution_id=work.id, depth=3, limit=LINEAGE_LISTED)
    renditions = {r.name: r for r in work.renditions.all()}
    context = {
        "work": work,
        "license": LICENSES[work.license],
        "credits": upstream_credits(contribution_id=work.id),
        "remixes": [n for n in lineage.nodes if n.direction == "down" and n.depth == 1],
        "outline": lineage_outline(lineage),
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
        "is_author": request.user.is_authenticated and request.user.id == work.author_id,
        # Projects and remixes keep the licence they took the work under (issue 21).
        "taken_in": projects_that_took_in(contribution_id=work.id),
        "community": community_section(viewer=request.user, contribution=work),
    }
    return render(request, "web/contribution.html", context)


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
