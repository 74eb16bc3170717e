"""Admin for staff: projects with members, asks and submissions; releases are read-only."""

from django.contrib import admin

from projects.models import Ask, Project, ProjectMember, Release, ReleaseCredit, Submission


class MemberInline(admin.TabularInline):
    model = ProjectMember
    fk_name = "project"
    extra = 0
    raw_id_fields = ("user", "invited_by")


class AskInline(admin.TabularInline):
    model = Ask
    extra = 0


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "owner", "status", "currency", "created_at")
    list_filter = ("status", "currency")
    search_fields = ("title", "brief", "owner__username")
    raw_id_fields = ("owner",)
    inlines = [MemberInline, AskInline]
    list_select_related = ("owner",)

    def get_readonly_fields(self, request, obj=None):
        # After release the policy lives in the Release; the project's copy must not drift.
        if obj is not None and obj.is_frozen:
            return ("status", "currency", "pool_numerator", "pool_denominator",
                    "upstream_numerator", "upstream_denominator")  # fmt: skip
        return ()


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ("id", "project", "contribution", "origin", "status", "created_at")
    list_filter = ("status", "origin")
    raw_id_fields = ("project", "contribution", "ask", "submitted_by", "decided_by")
    list_select_related = ("project", "contribution")


class CreditInline(admin.TabularInline):
    model = ReleaseCredit
    extra = 0
    can_delete = False
    readonly_fields = ("contribution", "weight_numerator", "weight_denominator")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    """Frozen for ever: staff may look, never change (the database refuses it too)."""

    list_display = ("id", "project", "commercial", "currency", "released_at")
    inlines = [CreditInline]
    list_select_related = ("project",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
