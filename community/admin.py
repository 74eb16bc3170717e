"""Admin for staff: the reports queue with dismiss and take-down actions, comments, takedowns."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from community.models import TAKEDOWN_REASON_MAX_CHARS, Comment, Report, Takedown
from community.services import (
    comment_hide,
    comment_unhide,
    contribution_take_down,
    report_dismiss,
)


def _say(modeladmin, request, done: int, what: str, problems: list[str]) -> None:
    """`what` says what was done with %(count)s in it (ngettext's, in the reader's language)."""
    if done:
        modeladmin.message_user(request, what % {"count": done}, messages.SUCCESS)
    for problem in problems:
        modeladmin.message_user(request, problem, messages.WARNING)


def _problem(exc: ValidationError | PermissionDenied) -> str:
    return str(exc) if isinstance(exc, PermissionDenied) else " ".join(exc.messages)


class TakedownForm(forms.Form):
    reason = forms.CharField(
        max_length=TAKEDOWN_REASON_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "Recorded with the takedown and on every open report about the work."
        ),
    )  # fmt: skip


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """The queue, oldest first. Actions go through the services, which check the rules."""

    list_display = ("id", "contribution", "kind", "reporter", "status", "created_at")
    list_filter = ("status", "kind")
    search_fields = ("contribution__title", "reporter__username", "text")
    list_select_related = ("contribution", "reporter")
    ordering = ("created_at", "id")
    readonly_fields = ("contribution", "reporter", "kind", "text", "status", "resolved_by",
                       "resolved_at", "resolution_note", "created_at")  # fmt: skip
    actions = ["dismiss", "take_down"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=gettext_lazy("Dismiss the selected reports"))
    def dismiss(self, request, queryset):
        done, problems = 0, []
        for report in queryset:
            try:
                report_dismiss(report=report, actor=request.user)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                problems.append(_problem(exc))
        dismissed = ngettext(
            "%(count)s report(s) dismissed.", "%(count)s report(s) dismissed.", done
        )
        _say(self, request, done, dismissed, problems)

    @admin.action(description=gettext_lazy("Take down the reported contributions…"))
    def take_down(self, request, queryset):
        reports = list(queryset.select_related("contribution", "contribution__author", "reporter"))
        form = TakedownForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            done, problems, seen = 0, [], set()
            for report in reports:
                # Several reports may name one work: it is taken down once, and the service
                # closes every open report about it.
                if report.contribution_id in seen:
                    continue
                seen.add(report.contribution_id)
                try:
                    contribution_take_down(
                        contribution=report.contribution, actor=request.user, report=report,
                        reason=form.cleaned_data["reason"],
                    )  # fmt: skip
                    done += 1
                except (ValidationError, PermissionDenied) as exc:
                    problems.append(_problem(exc))
            taken_down = ngettext(
                "%(count)s contribution(s) taken down.",
                "%(count)s contribution(s) taken down.",
                done,
            )
            _say(self, request, done, taken_down, problems)
            return None
        return TemplateResponse(
            request,
            "community/admin_take_down.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Take down the reported contributions"),
                "opts": self.model._meta,
                "reports": reports,
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "author",
        "contribution",
        "project",
        "parent",
        "hidden_role",
        "created_at",
    )
    list_filter = ("hidden_role",)
    search_fields = ("body", "author__username")
    list_select_related = ("author", "contribution", "project")
    readonly_fields = ("author", "contribution", "project", "parent", "body", "html", "hidden_at",
                       "hidden_by", "hidden_role", "removed_at", "created_at")  # fmt: skip
    actions = ["hide", "unhide"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=gettext_lazy("Hide the selected comments"))
    def hide(self, request, queryset):
        for comment in queryset:
            comment_hide(comment=comment, actor=request.user)
        self.message_user(request, _("Hidden."), messages.SUCCESS)

    @admin.action(description=gettext_lazy("Show the selected comments again"))
    def unhide(self, request, queryset):
        done, problems = 0, []
        for comment in queryset:
            try:
                comment_unhide(comment=comment, actor=request.user)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                problems.append(_problem(exc))
        shown = ngettext(
            "%(count)s comment(s) shown again.", "%(count)s comment(s) shown again.", done
        )
        _say(self, request, done, shown, problems)


@admin.register(Takedown)
class TakedownAdmin(admin.ModelAdmin):
    """The record of takedowns: read-only, they are made through the reports or the API."""

    list_display = ("id", "title", "contribution", "actor", "report", "created_at")
    list_select_related = ("contribution", "actor")
    readonly_fields = ("contribution", "title", "actor", "report", "reason", "created_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
