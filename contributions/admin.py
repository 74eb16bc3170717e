"""Admin for staff: contributions with their remix links (media adds their renditions)."""

from django.contrib import admin

from contributions.models import Contribution, RemixLink


class SourceInline(admin.TabularInline):
    model = RemixLink
    fk_name = "remix"
    extra = 0
    # Read-only: sources change through remix_sources_set, where the license rules are checked.
    readonly_fields = ("source", "created_at")
    can_delete = False
    verbose_name = "source"
    verbose_name_plural = "sources (this is a remix of)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Contribution)
class ContributionAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "title",
        "kind",
        "author",
        "license",
        "status",
        "removed_at",
        "created_at",
    )
    list_filter = ("kind", "status", "license")
    search_fields = ("title", "description", "author__username")
    raw_id_fields = ("author",)
    readonly_fields = ("bytes", "sha256", "mime", "width", "height", "duration_s", "codec",
                       "metadata", "progress_stage", "progress_percent", "created_at", "updated_at")  # fmt: skip
    inlines = [SourceInline]
    list_select_related = ("author",)
