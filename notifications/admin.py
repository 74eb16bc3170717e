"""Admin of notifications: staff can see what was sent to whom when someone asks."""

from django.contrib import admin

from notifications.models import Notification, Preference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "recipient", "kind", "text", "created_at", "read_at", "email_status"]
    list_filter = ["kind", "email_status"]
    raw_id_fields = ["recipient", "actor"]
    search_fields = ["recipient__username", "text"]


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "delivery", "updated_at"]
    list_filter = ["kind", "delivery"]
    raw_id_fields = ["user"]
