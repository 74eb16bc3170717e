"""Admin for accounts: Django's user admin with the profile fields."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import User
from accounts.services import address_bounced


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Profile", {"fields": ("display_name", "bio", "payout_email")}),
    )
    list_display = (
        "username", "display_name", "email", "email_verified_at", "email_bounced_at", "is_staff",
        "date_joined",
    )  # fmt: skip
    actions = ["mark_bounced"]

    @admin.action(description="Mark their email address as bouncing (stop mail until re-verified)")
    def mark_bounced(self, request, queryset):
        count = sum(address_bounced(email=user.email) for user in queryset if user.email)
        self.message_user(request, f"{count} account(s) will get no mail until re-verified.")
