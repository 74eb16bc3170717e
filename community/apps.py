"""App configuration for community."""

from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"
