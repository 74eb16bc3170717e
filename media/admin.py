"""Admin for staff: a contribution's page also lists its renditions, read-only."""

from django.contrib import admin

from contributions.admin import ContributionAdmin
from contributions.models import Contribution
from media.models import Rendition


class RenditionInline(admin.TabularInline):
    model = Rendition
    extra = 0
    can_delete = False
    readonly_fields = ("role", "name", "file", "mime", "width", "height", "bytes")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


# Renditions are media's: it extends the contributions admin rather than being imported by it.
admin.site.unregister(Contribution)


@admin.register(Contribution)
class ContributionWithRenditionsAdmin(ContributionAdmin):
    inlines = [*ContributionAdmin.inlines, RenditionInline]
