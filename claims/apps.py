"""App configuration for claims: the credit guard's matches as people see them, and claims."""

from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Credit guard"
