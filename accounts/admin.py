"""Admin for accounts: Django's user admin with the profile fields."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Profile", {"fields": ("display_name", "bio", "payout_email")}),
    )
    list_display = ("username", "display_name", "email", "is_staff", "date_joined")
