"""Notification pages: the inbox, the preferences form, and the one-click unsubscribe."""

from contextlib import nullcontext

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from hitrec.i18n import writing_to
from notifications import services
from notifications.forms import MarkReadForm, PreferencesForm
from notifications.models import Kind
from notifications.selectors import notification_list, preferences_get, unread_count


@login_required
def inbox(request):
    page = Paginator(notification_list(user=request.user), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page": page, "unread": unread_count(user=request.user)},
    )


@login_required
@require_POST
def mark_read(request):
    form = MarkReadForm(request.POST)
    if form.is_valid() and (form.cleaned_data["all"] or form.cleaned_data["id"]):
        services.notifications_mark_read(
            user=request.user,
            ids=[form.cleaned_data["id"]] if form.cleaned_data["id"] else [],
            every=form.cleaned_data["all"],
        )
    return redirect("notifications:list")


@login_required
def preferences(request):
    form = PreferencesForm(request.POST or None, initial=preferences_get(user=request.user))
    if request.method == "POST" and form.is_valid():
        services.preferences_set(user=request.user, preferences=form.cleaned_data)
        messages.success(request, _("Saved: you will hear about each kind as you chose."))
        return redirect("notifications:settings")
    return render(request, "notifications/settings.html", {"form": form})


# One click: opening the link (GET) turns the kind off at once, without logging in; mail
# clients that honour RFC 8058 POST "List-Unsubscribe=One-Click" to the same URL, without a
# CSRF token (the signed token is the proof), so CSRF is exempt here and only here.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    try:
        person, kinds = services.unsubscribe(token=token)
    except ValidationError as exc:
        return render(
            request, "notifications/unsubscribe.html", {"problem": " ".join(exc.messages)},
            status=400,
        )  # fmt: skip
    # The page answers the link in the person's email: in their language, when they chose one.
    with writing_to(person) if person.language else nullcontext():
        return render(
            request,
            "notifications/unsubscribe.html",
            {"person": person, "labels": [str(Kind(kind).label) for kind in kinds]},
        )
