"""Admin for staff: the claims, open ones first, decided in the remixer's place through the service."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy, ngettext

from claims.models import REASON_MAX_CHARS, Claim
from claims.services import claim_decide


class ClaimActionForm(ActionForm):
    """The action bar with a reason beside it: declining needs one, accepting may carry one."""

    reason = forms.CharField(
        required=False,
        max_length=REASON_MAX_CHARS,
        label=gettext_lazy("Reason"),
        help_text=gettext_lazy("Told to the claimant and the remixer."),
    )


def _problem(exc: ValidationError | PermissionDenied) -> str:
    return str(exc) if isinstance(exc, PermissionDenied) else " ".join(exc.messages)


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    """Every claim, the open ones (the queue) first and oldest first among them. A claim is
    changed only by a decision: the actions call `claim_decide`, which checks the rules
    (licences included), tells both people and writes the audit log."""

    list_display = ("id", "work", "earlier", "claimant", "status", "created_at", "decided_by")
    list_filter = ("status",)
    search_fields = ("work__title", "earlier__title", "claimant__username")
    list_select_related = ("work", "earlier", "claimant", "decided_by")
    ordering = ("-status", "id")  # descending, "open" comes before "declined" and "accepted"
    readonly_fields = ("work", "earlier", "claimant", "message", "status", "decided_by",
                       "reason", "created_at", "decided_at")  # fmt: skip
    action_form = ClaimActionForm
    actions = ["accept", "decline"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def _decide(self, request, queryset, *, accept: bool) -> None:
        reason = request.POST.get("reason", "")
        done, problems = 0, []
        for claim in queryset.select_related("work", "earlier"):
            try:
                claim_decide(claim=claim, actor=request.user, accept=accept, reason=reason)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                problems.append(f"#{claim.pk}: {_problem(exc)}")
        if done:
            said = (
                ngettext("%(count)s claim accepted.", "%(count)s claims accepted.", done)
                if accept
                else ngettext("%(count)s claim declined.", "%(count)s claims declined.", done)
            )
            self.message_user(request, said % {"count": done}, messages.SUCCESS)
        for problem in problems:
            self.message_user(request, problem, messages.WARNING)

    @admin.action(description=gettext_lazy("Accept the selected claims (add the sources)"))
    def accept(self, request, queryset):
        self._decide(request, queryset, accept=True)

    @admin.action(description=gettext_lazy("Decline the selected claims (write a reason)"))
    def decline(self, request, queryset):
        self._decide(request, queryset, accept=False)
