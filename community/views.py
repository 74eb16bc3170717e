"""Community pages: thin views that post comments, follows and reports through the services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from community import forms, services
from community.models import Comment
from community.selectors import comment_get
from contributions.models import Contribution
from hitrec.pages import problems_of, refusals_reported
from projects.selectors import project_visible_or_404


def _page_of(*, contribution_id: int | None = None, project_id: int | None = None) -> str:
    if contribution_id:
        return reverse("web:contribution", args=[contribution_id])
    return reverse("web:project", args=[project_id])


def _back(request, fallback: str) -> HttpResponseRedirect:
    """Back to the page the form was on (`next`), if it is one of ours."""
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return HttpResponseRedirect(target if target and safe else fallback)


# --- comments ------------------------------------------------------------------------------


def _comment_post(request, *, on: dict, page: str):
    form = forms.CommentForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return HttpResponseRedirect(f"{page}#comments")
    parent = None
    if form.cleaned_data["parent"]:
        parent = Comment.objects.filter(pk=form.cleaned_data["parent"]).first()
    with refusals_reported(request):
        if form.cleaned_data["parent"] and parent is None:
            raise ValidationError(_("The comment you replied to is gone."))
        comment = services.comment_create(
            author=request.user, body=form.cleaned_data["body"], parent=parent, **on
        )
        return HttpResponseRedirect(f"{page}#comment-{comment.id}")
    return HttpResponseRedirect(f"{page}#comments")  # refused: the messages say why


@login_required
@require_POST
def contribution_comment(request, contribution_id: int):
    work = get_object_or_404(Contribution.objects.select_related("author"), pk=contribution_id)
    return _comment_post(request, on={"contribution": work}, page=_page_of(contribution_id=work.id))


@login_required
@require_POST
def project_comment(request, project_id: int):
    project = project_visible_or_404(user=request.user, project_id=project_id)
    return _comment_post(request, on={"project": project}, page=_page_of(project_id=project.id))


@login_required
@require_POST
def comment_moderate(request, comment_id: int, verb: str):
    """Hide, show again (the moderators) or delete (the person who wrote it) a comment."""
    comment = comment_get(comment_id=comment_id, user=request.user)
    if comment is None:
        raise Http404(_("No comment with that id."))
    service = {
        "hide": services.comment_hide,
        "unhide": services.comment_unhide,
        "delete": services.comment_delete,
    }[verb]
    with refusals_reported(request):
        service(comment=comment, actor=request.user)
    page = _page_of(contribution_id=comment.contribution_id, project_id=comment.project_id)
    return HttpResponseRedirect(f"{page}#comment-{comment.id}")


# --- following -----------------------------------------------------------------------------


@login_required
@require_POST
def artist_follow(request, username: str, verb: str):
    artist = get_object_or_404(User, username__iexact=username, is_active=True)
    service = services.follow_create if verb == "follow" else services.follow_delete
    with refusals_reported(request):
        service(follower=request.user, artist=artist)
    return _back(request, reverse("web:artist", args=[artist.username]))


@login_required
@require_POST
def project_follow(request, project_id: int, verb: str):
    project = project_visible_or_404(user=request.user, project_id=project_id)
    service = services.follow_create if verb == "follow" else services.follow_delete
    with refusals_reported(request):
        service(follower=request.user, project=project)
    return _back(request, _page_of(project_id=project.id))


# --- reports -------------------------------------------------------------------------------


@login_required
def contribution_report(request, contribution_id: int):
    work = get_object_or_404(Contribution.objects.select_related("author"), pk=contribution_id)
    form = forms.ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_create(reporter=request.user, contribution=work, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            for problem in problems_of(exc):
                form.add_error(None, problem)
        else:
            messages.success(request, _("Thank you. Staff will look at your report."))
            return redirect("web:contribution", contribution_id=work.id)
    return render(request, "community/report.html", {"work": work, "form": form})
