"""Admin of proposals: read-only, since revisions are a public record and never edited."""

from django.contrib import admin

from proposals.models import Proposal, ProposalComment, ProposalRevision


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ["id", "project", "status", "window_ends_at", "release", "created_at"]
    list_filter = ["status"]
    list_select_related = ["project"]
    search_fields = ["project__title"]


@admin.register(ProposalRevision)
class ProposalRevisionAdmin(ReadOnlyAdmin):
    list_display = ["id", "proposal", "number", "commercial", "created_by", "created_at"]
    list_select_related = ["created_by"]


@admin.register(ProposalComment)
class ProposalCommentAdmin(ReadOnlyAdmin):
    list_display = ["id", "proposal", "author", "from_producer", "created_at"]
    list_select_related = ["author"]
